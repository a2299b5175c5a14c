"""The outbox of Slack actions and the record of Slack posts: queued once, drained earliest deadline first"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from bot.store.base import Row, iso, parse_iso
from bot.store.conversations import ConversationRecords

log = logging.getLogger(__name__)


class OutboxRecords(ConversationRecords):
    """The outbox of Slack actions and the record of Slack posts."""

    def slack_posts(self, *, conversation_id: int | None = None) -> list[Row]:
        """Recorded Slack posts, optionally of one conversation."""
        where, args = ("conversation_id = ?", [conversation_id]) if conversation_id else (None, [])
        return self.query(f"SELECT * FROM slack_posts {'WHERE ' + where if where else ''} ORDER BY id", args)

    def enqueue(self, *, kind: str, dedupe_key: str, due_by: str | None, **fields: Any) -> bool:
        """Queue one Slack action; False if the same action was queued before (idempotent)."""
        if isinstance(fields.get("payload"), dict):
            fields["payload"] = json.dumps(fields["payload"], ensure_ascii=False)
        now = self.now()
        row = {
            "kind": kind,
            "dedupe_key": dedupe_key,
            "due_by": due_by,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            **fields,
        }
        cur = self.conn.execute(
            f"INSERT INTO outbox ({', '.join(row)}) VALUES ({', '.join('?' * len(row))}) ON CONFLICT DO NOTHING",
            list(row.values()),
        )
        return cur.rowcount == 1

    def queued_before(self, *, dedupe_key: str) -> bool:
        """Whether an action with this key was queued already (done or not)."""
        row = self.conn.execute("SELECT 1 FROM outbox WHERE dedupe_key = ?", [dedupe_key]).fetchone()
        return row is not None

    def due_outbox(self, *, limit: int = 100) -> list[Row]:
        """Outbox items ready to go, earliest buyer deadline first."""
        sql = (
            "SELECT * FROM outbox WHERE state IN ('pending', 'in_flight') AND next_attempt_at <= ? "
            "ORDER BY due_by IS NULL, due_by, id LIMIT ?"
        )
        return self.query(sql, [self.now(), limit])

    def update_pending(self, *, conversation_id: int) -> bool:
        """Whether a redraw of this card is queued and not started (a new one would draw the same state)."""
        row = self.conn.execute(
            "SELECT 1 FROM outbox WHERE kind = 'update_card' AND conversation_id = ? AND state = 'pending' LIMIT 1",
            [conversation_id],
        ).fetchone()
        return row is not None

    def pending_outbox_count(self) -> int:
        """How many outbox items are not done yet."""
        return int(self.conn.execute("SELECT count(*) FROM outbox WHERE state != 'done'").fetchone()[0])

    def outbox_counts(self) -> dict[str, int]:
        """Outbox items not done, by state: pending, in_flight (being posted) and failed (given up)."""
        sql = "SELECT state, count(*) FROM outbox WHERE state IN ('pending', 'in_flight', 'failed') GROUP BY state"
        return {str(state): int(n) for state, n in self.conn.execute(sql).fetchall()}

    def next_outbox_time(self) -> datetime | None:
        """When the earliest waiting outbox item becomes due."""
        row = self.conn.execute(
            "SELECT min(next_attempt_at) FROM outbox WHERE state IN ('pending', 'in_flight')"
        ).fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    def outbox_item(self, *, outbox_id: int) -> Row:
        """One outbox item."""
        row = self.query_one("SELECT * FROM outbox WHERE id = ?", [outbox_id])
        if row is None:
            raise KeyError(f"no outbox item {outbox_id}")
        return row

    def mark_in_flight(self, *, outbox_id: int) -> int:
        """Record that a send is about to be attempted; returns the attempt number."""
        with self.transaction():
            self.check_lease()  # a leader that lost its lease posts nothing more
            self.conn.execute(
                "UPDATE outbox SET state = 'in_flight', attempts = attempts + 1 WHERE id = ?", [outbox_id]
            )
            return int(
                self.conn.execute("SELECT attempts FROM outbox WHERE id = ?", [outbox_id]).fetchone()[0]
            )

    def set_outbox_payload(self, *, outbox_id: int, payload: dict[str, Any]) -> None:
        """Remember what an attempt got so far (e.g. the id of a file being uploaded), before going on."""
        with self.transaction():
            self.conn.execute(
                "UPDATE outbox SET payload = ? WHERE id = ?",
                [json.dumps(payload, ensure_ascii=False), outbox_id],
            )

    def complete_outbox(
        self,
        *,
        outbox_id: int,
        channel: str | None = None,
        ts: str | None = None,
        thread_ts: str | None = None,
        role: str | None = None,
    ) -> None:
        """Mark an item done and, for a post, record where it landed — atomically."""
        item = self.outbox_item(outbox_id=outbox_id)
        now = self.now()
        with self.transaction():
            if ts and channel and role:
                self.conn.execute(
                    "INSERT INTO slack_posts (conversation_id, message_row, outbox_id, role, channel, ts, "
                    "thread_ts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [
                        item["conversation_id"],
                        item["message_row"],
                        outbox_id,
                        role,
                        channel,
                        ts,
                        thread_ts,
                        now,
                    ],
                )
                if role == "card" and item["conversation_id"]:
                    self.update_conversation(
                        conversation_id=item["conversation_id"], slack_channel=channel, slack_ts=ts
                    )
            self._update("outbox", outbox_id, {"state": "done", "done_at": now, "last_error": None})

    def defer_outbox(
        self,
        *,
        outbox_id: int,
        until: datetime,
        error: str | None,
        failed: bool = False,
        not_sent: bool = False,
    ) -> None:
        """Try again later (or give up with `failed`), keeping the reason; `not_sent` undoes the attempt count."""
        state = "failed" if failed else "pending"
        self.conn.execute(
            "UPDATE outbox SET state = ?, next_attempt_at = ?, last_error = ?, "
            f"attempts = {self.conn.greatest}(0, attempts - ?) WHERE id = ?",
            [state, iso(until), (error or "")[:2000] or None, 1 if not_sent else 0, outbox_id],
        )
