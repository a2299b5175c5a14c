"""The 24-hour clock's records: notifications sent exactly once (unique per key), once-only events, on-call overrides."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.store.base import Row, StoreBase, iso, parse_iso

log = logging.getLogger(__name__)


class ClockRecords(StoreBase):
    """What the clock planned and sent, and who covers on-call shifts."""

    def sla_due(self, *, now: datetime, limit: int = 500) -> list[Row]:
        """Open conversations with a clock whose next notification is due (or not yet computed)."""
        sql = (
            "SELECT * FROM conversations WHERE state = 'open' AND deadline IS NOT NULL "
            "AND (next_sla_at IS NULL OR next_sla_at <= ?) ORDER BY deadline IS NULL, deadline LIMIT ?"
        )
        return self.query(sql, [iso(now), limit])

    def next_sla_time(self) -> datetime | None:
        """When the earliest planned notification of any open conversation is due."""
        row = self.conn.execute(
            "SELECT min(next_sla_at) FROM conversations WHERE state = 'open' AND deadline IS NOT NULL"
        ).fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    def notification_keys(self, *, conversation_id: int, clock: str) -> set[str]:
        """The keys of the notifications recorded for one clock (a deadline) of a conversation."""
        rows = self.conn.execute(
            "SELECT key FROM notifications WHERE conversation_id = ? AND clock = ?", [conversation_id, clock]
        ).fetchall()
        return {r[0] for r in rows}

    def record_notification(
        self,
        *,
        conversation_id: int,
        clock: str,
        key: str,
        stage: str,
        planned_at: datetime,
        sent_at: datetime,
        late: bool = False,
        skipped: bool = False,
        who: str = "",
    ) -> bool:
        """Record a notification before it is sent; False if it was recorded before (by us or another worker)."""
        cur = self.conn.execute(
            "INSERT INTO notifications (conversation_id, clock, key, stage, planned_at, sent_at, late, skipped, who) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [conversation_id, clock, key, stage, iso(planned_at), iso(sent_at), int(late), int(skipped), who],
        )
        return cur.rowcount == 1

    def record_once(self, *, key: str, at: datetime) -> bool:
        """Record a once-only event (a notice, a daily job) under `key`; False if it was recorded before."""
        cur = self.conn.execute(
            "INSERT INTO notifications (conversation_id, clock, key, stage, planned_at, sent_at) "
            "VALUES (0, '-', ?, '', ?, ?) ON CONFLICT DO NOTHING",
            [key, iso(at), iso(at)],
        )
        return cur.rowcount == 1

    def once_recorded(self, *, key: str) -> bool:
        """Whether a once-only event (a daily job) was recorded under `key`."""
        sql = "SELECT 1 FROM notifications WHERE conversation_id = 0 AND clock = '-' AND key = ?"
        return self.conn.execute(sql, [key]).fetchone() is not None

    def oncall_overrides(self) -> list[tuple[str, datetime, datetime]]:
        """Cover shifts people set, oldest first: (user, start, end)."""
        rows = self.conn.execute('SELECT "user", start, "end" FROM oncall_overrides ORDER BY id').fetchall()
        return [(u, datetime.fromisoformat(s), datetime.fromisoformat(e)) for u, s, e in rows]

    def add_oncall_override(self, *, user: str, start: datetime, end: datetime, by: str) -> None:
        """Someone takes the on-call duty from `start` to `end` (audited)."""
        self._insert(
            "oncall_overrides",
            {"user": user, "start": iso(start), "end": iso(end), "created_by": by, "created_at": self.now()},
        )
        self.audit(actor=by, action="oncall_override", user=user, start=iso(start), end=iso(end))
