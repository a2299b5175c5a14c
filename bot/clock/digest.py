"""The numbers a support lead wants each morning, computed from the store."""

from __future__ import annotations

import logging
import statistics
from datetime import datetime, timedelta, tzinfo
from typing import Any

from bot.clock.sla import AMAZON_RESPONSE_HOURS, deadline_for
from bot.store.store import Store, parse_iso

log = logging.getLogger(__name__)


def responses(store: Store, since: datetime, *, only: set[int] | None = None) -> list[dict[str, Any]]:
    """Each buyer message received since `since`: when it arrived, its deadline, when it was answered (or None),
    and whether 'no response needed' settled it (Amazon leaves those out of the Late Response Rate); of the
    conversations `only` names, when given."""
    rows = store.buyer_messages_since(since=since)
    outgoing: dict[int, list[datetime]] = {}
    for sent in store.outgoing_since(since=since):
        when = parse_iso(sent["received_at"])
        if when:
            outgoing.setdefault(sent["conversation_id"], []).append(when)
    out = []
    for row in rows:
        conv_id, closed_at = row["conversation_id"], row["closed_at"]
        if only is not None and conv_id not in only:
            continue
        received = parse_iso(row["received_at"])
        if received is None:
            continue
        answers = sorted(t for t in outgoing.get(conv_id, []) if t >= received)
        closed = parse_iso(closed_at)
        out.append(
            {
                "received": received,
                "deadline": deadline_for(received, AMAZON_RESPONSE_HOURS),  # Amazon's measure
                "answered": answers[0] if answers else None,
                "no_response": closed is not None and closed >= received and not answers,
            }
        )
    return out


def response_minutes(minutes: list[float]) -> dict[str, int | None]:
    """Median and 90th percentile (nearest rank) of response times in minutes; None when there are none."""
    ordered = sorted(minutes)
    if not ordered:
        return {"median_minutes": None, "p90_minutes": None}
    return {
        "median_minutes": round(statistics.median(ordered)),
        "p90_minutes": round(ordered[-(-len(ordered) * 9 // 10) - 1]),
    }


def late_response_rate(items: list[dict[str, Any]], now: datetime, days: int) -> float | None:
    """Share of buyer messages due in the last `days` days that were answered late or not at all (0..1)."""
    start = now - timedelta(days=days)
    due = [i for i in items if start <= i["deadline"] <= now and not i["no_response"]]
    if not due:
        return None
    late = [i for i in due if i["answered"] is None or i["answered"] > i["deadline"]]
    return len(late) / len(due)


def digest(
    store: Store, now: datetime, tz: tzinfo, *, only: set[int] | None = None, cases: bool = True
) -> dict[str, Any]:
    """Open queue by deadline, yesterday's answers and breaches, response times, Late Response Rate 7/30 days; of the
    conversations `only` names (one Amazon account's), when given."""
    items = responses(store, now - timedelta(days=31), only=only)
    local_today = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    y_start, y_end = local_today - timedelta(days=1), local_today
    answered_y = [i for i in items if i["answered"] and y_start <= i["answered"] < y_end]
    breaches_y = [
        i
        for i in items
        if y_start <= i["deadline"] < y_end
        and not i["no_response"]
        and (i["answered"] is None or i["answered"] > i["deadline"])
    ]
    week = [i for i in items if i["answered"] and i["answered"] >= now - timedelta(days=7)]
    minutes = [(i["answered"] - i["received"]).total_seconds() / 60 for i in week]
    open_convs = [
        c
        for c in store.conversations(state="open")
        if c.get("deadline") and (only is None or c["id"] in only)
    ]
    waiting = [c for c in store.waiting() if only is None or c["id"] in only]
    return {
        "follow_ups": len(waiting),
        "follow_ups_due": sum(1 for c in waiting if (parse_iso(c["follow_up_at"]) or now) <= now),
        "date": (local_today - timedelta(days=1)).date().isoformat(),
        "open": len(open_convs),
        "queue": [
            {
                "id": c["id"],
                "buyer": c.get("buyer_name"),
                "order_id": c.get("order_id"),
                "deadline": c["deadline"],
            }
            for c in open_convs[:5]
        ],
        "answered_yesterday": len(answered_y),
        "breaches_yesterday": len(breaches_y),
        **response_minutes(minutes),
        "lrr_7": late_response_rate(items, now, 7),
        "lrr_30": late_response_rate(items, now, 30),
        "cases": [
            {
                "case_id": c["case_id"],
                "summary": c["summary"],
                "owner": c["owner"],
                "last_update_at": c["last_update_at"],
            }
            for c in (store.open_cases() if cases else [])
        ],
    }
