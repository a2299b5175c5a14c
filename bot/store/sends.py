"""Replies to buyers: sends with their states, exactly once"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from bot.store.base import Row, StoreBase

log = logging.getLogger(__name__)


class SendRecords(StoreBase):
    """Replies to buyers."""

    def create_send(
        self,
        *,
        key: str,
        conversation_id: int,
        reply_to_row: int | None,
        text: str,
        by_user: str,
        template: str | None = None,
        language: str | None = None,
        edited: bool = False,
        attachments: list[dict[str, Any]] | None = None,
        follow_up_hours: float | None = None,
        channel: str = "email",
    ) -> tuple[Row, bool]:
        """Queue a reply; returns (the send, created). The same key, or a live send for the same buyer message,
        returns the existing send instead: a double click, a retry or a second person never sends twice."""
        existing = self.send_by_key(key=key)
        if existing:
            return existing, False
        now = self.now()
        cur = self.conn.execute(
            "INSERT INTO sends (key, conversation_id, reply_to_row, template, language, text, edited, attachments, "
            "by_user, follow_up_hours, channel, state, attempts, created_at, next_attempt_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?) ON CONFLICT DO NOTHING",
            [
                key,
                conversation_id,
                reply_to_row,
                template,
                language,
                text,
                int(edited),
                json.dumps(attachments or [], ensure_ascii=False),
                by_user,
                follow_up_hours,
                channel,
                now,
                now,
            ],
        )
        if cur.rowcount != 1:  # the same key sent meanwhile, or a live send for the same buyer message
            existing = self.send_by_key(key=key)
            live = existing or (self.live_send_for(reply_to_row=reply_to_row) if reply_to_row else None)
            if live is None:
                raise RuntimeError(f"send {key} was neither stored nor found")
            return live, False
        created = self.send_by_key(key=key)
        assert created is not None
        return created, True

    def send(self, *, send_id: int) -> Row | None:
        """One send."""
        return self.query_one("SELECT * FROM sends WHERE id = ?", [send_id])

    def send_by_key(self, *, key: str) -> Row | None:
        """The send made with this idempotency key."""
        return self.query_one("SELECT * FROM sends WHERE key = ?", [key])

    def live_send_for(self, *, reply_to_row: int) -> Row | None:
        """The queued, sending, sent or uncertain reply to a buyer message, if any."""
        sql = "SELECT * FROM sends WHERE reply_to_row = ? AND state IN ('queued', 'sending', 'sent', 'uncertain')"
        return self.query_one(sql, [reply_to_row])

    def sends(self, *, conversation_id: int | None = None, state: str | None = None) -> list[Row]:
        """Sends, optionally of one conversation or state, oldest first."""
        where: list[str] = []
        args: list[Any] = []
        if conversation_id is not None:
            where.append("conversation_id = ?")
            args.append(conversation_id)
        if state is not None:
            where.append("state = ?")
            args.append(state)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return self.query(f"SELECT * FROM sends {clause} ORDER BY id", args)

    def due_sends(self) -> list[Row]:
        """Queued sends whose time has come."""
        sql = (
            "SELECT * FROM sends WHERE state = 'queued' AND next_attempt_at <= ? ORDER BY next_attempt_at, id"
        )
        return self.query(sql, [self.now()])

    def next_send_time(self) -> datetime | None:
        """When the earliest queued send becomes due."""
        row = self.conn.execute("SELECT min(next_attempt_at) FROM sends WHERE state = 'queued'").fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def update_send(self, *, send_id: int, **fields: Any) -> None:
        """Change fields of a send; marking it 'sending' (the claim before it leaves) checks the lease first."""
        if fields.get("state") != "sending":
            self._update("sends", send_id, fields)
            return
        with self.transaction():
            self.check_lease()  # a leader that lost its lease sends nothing more
            self._update("sends", send_id, fields)
