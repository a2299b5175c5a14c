"""Amazon's data protection policy: buyer text, names, addresses and raw mails go after the retention period.

What stays is anonymous: times, deadlines, states, intents and who on the team acted, so the Late Response Rate
and the reports still add up.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.store.store import Row, Store, iso

log = logging.getLogger(__name__)


def purgeable(store: Store, now: datetime, days: int) -> list[Row]:
    """Conversations settled (answered, closed; notices and unreadable mails by their last mail) more than `days` ago,
    counted from the latest of their answer, closing and last mail (a conversation reopened since counts from then)."""
    cutoff = iso(now - timedelta(days=days))
    latest = store.conn.greatest
    return store.query(
        "SELECT * FROM conversations WHERE purged_at IS NULL AND ("
        "(state IN ('answered', 'closed') AND "
        f"{latest}(coalesce(answered_at, ''), coalesce(closed_at, ''), coalesce(last_message_at, '')) <= ?) OR "
        "(kind != 'buyer' AND last_message_at <= ?)) ORDER BY id",
        [cutoff, cutoff],
    )


def purge(store: Store, now: datetime, days: int, *, dry_run: bool = False) -> dict[str, Any]:
    """Remove personal data of settled conversations; with `dry_run` only say what would go."""
    convs = purgeable(store, now, days)
    ids = [int(c["id"]) for c in convs]
    summary: dict[str, Any] = {
        "dry_run": dry_run,
        "retention_days": days,
        "conversations": len(ids),
        "messages": 0,
        "sends": 0,
        "ids": ids,
    }
    if not ids:
        return summary
    marks = ",".join("?" * len(ids))
    summary["messages"] = store.conn.execute(
        f"SELECT count(*) FROM messages WHERE conversation_id IN ({marks})", ids
    ).fetchone()[0]
    summary["sends"] = store.conn.execute(
        f"SELECT count(*) FROM sends WHERE conversation_id IN ({marks})", ids
    ).fetchone()[0]
    if dry_run:
        return summary
    stamp = iso(now)
    with store.transaction():
        store.conn.execute(
            f"UPDATE messages SET text = NULL, raw = NULL, sender = NULL, subject = NULL, attachments = NULL, "
            f"no_response_link = NULL, purged_at = ? WHERE conversation_id IN ({marks})",
            [stamp, *ids],
        )
        store.conn.execute(f"UPDATE sends SET text = '' WHERE conversation_id IN ({marks})", ids)
        store.conn.execute(f"DELETE FROM drafts WHERE conversation_id IN ({marks})", ids)
        store.conn.execute(f"DELETE FROM evidence WHERE conversation_id IN ({marks})", ids)  # claims
        store.conn.execute(
            f"UPDATE conversations SET buyer_name = NULL, buyer_alias = NULL, purged_at = ? WHERE id IN ({marks})",
            [stamp, *ids],
        )
        store.audit(actor="retention", action="purged", conversations=len(ids), messages=summary["messages"])
    log.info("retention: personal data of %d conversation(s) removed (older than %d days)", len(ids), days)
    return summary
