"""Follow-ups: a sent reply that promised something keeps the conversation waiting until a due time."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.store.base import ConversationState, Row, iso, parse_iso
from bot.store.conversations import ConversationRecords

log = logging.getLogger(__name__)

NOTE_CHARS = 300  # of the sent reply, quoted in the reminder
# an answered conversation whose follow-up has not been reminded for its current due time
NOT_REMINDED = "state = ? AND follow_up_at IS NOT NULL AND (follow_up_reminded IS NULL OR follow_up_reminded != follow_up_at)"


class FollowUpRecords(ConversationRecords):
    """When the team promised to come back to an answered conversation, and whether it was reminded."""

    def promise_follow_up(self, *, send: Row, at: datetime) -> bool:
        """A send with `follow_up_hours` went out at `at`: its conversation waits until then (False if none)."""
        hours = send.get("follow_up_hours")
        conversation_id = int(send["conversation_id"])
        if not hours:  # a new reply that promises nothing ends an earlier promise's wait
            self.update_conversation(
                conversation_id=conversation_id, follow_up_at=None, follow_up_reminded=None
            )
            return False
        due = at + timedelta(hours=float(hours))
        text = " ".join(str(send.get("text") or "").split())
        note = text if len(text) <= NOTE_CHARS else text[: NOTE_CHARS - 1].rsplit(" ", 1)[0] + "…"
        self.update_conversation(
            conversation_id=conversation_id,
            follow_up_at=iso(due),
            follow_up_by=send.get("by_user"),
            follow_up_note=note,
            follow_up_send=int(send["id"]),
            follow_up_reminded=None,
        )
        self.audit(
            actor=str(send.get("by_user") or "?"),
            action="follow_up_set",
            conversation_id=conversation_id,
            due=iso(due),
            send=send["id"],
        )
        return True

    def snooze_follow_up(self, *, conversation_id: int, until: datetime, by: str) -> None:
        """Remind again at `until`."""
        self.update_conversation(
            conversation_id=conversation_id, follow_up_at=iso(until), follow_up_reminded=None
        )
        self.audit(actor=by, action="follow_up_snoozed", conversation_id=conversation_id, until=iso(until))

    def finish_follow_up(self, *, conversation_id: int, by: str) -> None:
        """The promise is kept (or no longer needed): nothing more is due."""
        self.update_conversation(conversation_id=conversation_id, follow_up_at=None, follow_up_reminded=None)
        self.audit(actor=by, action="follow_up_done", conversation_id=conversation_id)

    def waiting(self) -> list[Row]:
        """Answered conversations with a follow-up still to come or due, earliest first."""
        sql = "SELECT * FROM conversations WHERE state = ? AND follow_up_at IS NOT NULL ORDER BY follow_up_at, id"
        return self.query(sql, [ConversationState.ANSWERED.value])

    def follow_ups_due(self, *, now: datetime) -> list[Row]:
        """Waiting conversations whose follow-up is due and not yet reminded for that due time."""
        sql = f"SELECT * FROM conversations WHERE {NOT_REMINDED} AND follow_up_at <= ? ORDER BY follow_up_at, id"
        return self.query(sql, [ConversationState.ANSWERED.value, iso(now)])

    def next_follow_up(self) -> datetime | None:
        """The earliest follow-up not yet reminded."""
        sql = f"SELECT min(follow_up_at) FROM conversations WHERE {NOT_REMINDED}"
        row = self.conn.execute(sql, [ConversationState.ANSWERED.value]).fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    def mark_follow_up_reminded(self, *, conversation_id: int, due: str) -> None:
        """The reminder for this due time is queued."""
        self.update_conversation(conversation_id=conversation_id, follow_up_reminded=due)
