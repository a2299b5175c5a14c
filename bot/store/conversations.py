"""Conversations and their messages: the only place a conversation's state changes (answer, settle, reopen, claim)"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from bot.store.base import ConversationState, Row, StoreBase, iso

log = logging.getLogger(__name__)


class ConversationRecords(StoreBase):
    """Conversations and their messages."""

    def conversation(self, *, conversation_id: int) -> Row | None:
        """One conversation by id."""
        return self.query_one("SELECT * FROM conversations WHERE id = ?", [conversation_id])

    def conversation_by_key(self, *, key: str) -> Row | None:
        """One conversation by its key (relay alias + order id)."""
        return self.query_one("SELECT * FROM conversations WHERE key = ?", [key])

    def conversation_by_card(self, *, channel: str, ts: str) -> Row | None:
        """The conversation whose parent card is this Slack message."""
        sql = "SELECT * FROM conversations WHERE slack_channel = ? AND slack_ts = ?"
        return self.query_one(sql, [channel, ts])

    def conversation_for_message_ids(self, *, message_ids: list[str]) -> Row | None:
        """The conversation that holds any of these Message-IDs (for In-Reply-To / References)."""
        if not message_ids:
            return None
        marks = ",".join("?" * len(message_ids))
        row = self.conn.execute(
            f"SELECT conversation_id FROM messages WHERE message_id IN ({marks}) "
            "AND conversation_id IS NOT NULL ORDER BY id DESC LIMIT 1",
            message_ids,
        ).fetchone()
        return self.conversation(conversation_id=row[0]) if row else None

    def create_conversation(self, **fields: Any) -> int:
        """Insert an open conversation and return its id."""
        if "state" in fields:
            raise ValueError("a conversation starts open; its state changes through answer/settle/reopen")
        now = self.now()
        row = {**fields, "state": ConversationState.OPEN.value, "created_at": now, "updated_at": now}
        return self._insert("conversations", row)

    def open_conversation_for_order(self, *, order_id: str) -> Row | None:
        """The open buyer conversation about an order, earliest deadline first (for Amazon's copies of replies)."""
        sql = "SELECT * FROM conversations WHERE state = 'open' AND kind = 'buyer' AND order_id = ? ORDER BY deadline IS NULL, deadline, id LIMIT 1"
        return self.query_one(sql, [order_id])

    def order_owner(self, *, order_id: str) -> tuple[str | None, str | None]:
        """(account, marketplace) of the first conversation about an order: whose SP-API looks it up."""
        row = self.query_one(
            "SELECT account, marketplace FROM conversations WHERE order_id = ? ORDER BY id LIMIT 1",
            [order_id],
        )
        return (row["account"], row["marketplace"]) if row else (None, None)

    def update_conversation(self, *, conversation_id: int, **fields: Any) -> None:
        """Change fields of a conversation other than its state, stamping updated_at (states: the transitions)."""
        if "state" in fields:
            raise ValueError(
                "a conversation's state changes through answer/settle/reopen, which stamp who and when"
            )
        self._update("conversations", conversation_id, {**fields, "updated_at": self.now()})

    def answer(self, *, conversation_id: int, by: str, at: datetime | None = None) -> None:
        """The buyer was answered (by a person's id, or ANSWERED_OUTSIDE_SLACK): the clock stops."""
        self._transition(
            conversation_id,
            ConversationState.ANSWERED,
            answered_by=by,
            answered_at=iso(at) if at else self.now(),
        )

    def settle(self, *, conversation_id: int, by: str, outcome: str | None = None) -> None:
        """No response needed, or a notice handled (with how it ended): closed by a person, the clock stops."""
        self._transition(
            conversation_id,
            ConversationState.CLOSED,
            closed_by=by,
            closed_at=self.now(),
            outcome=outcome,
            follow_up_at=None,  # closed: nothing more is awaited
        )

    def reopen(self, *, conversation_id: int, opened_at: datetime, deadline: datetime, **fields: Any) -> None:
        """A new buyer message on an answered or closed conversation: a fresh clock from its arrival."""
        self._transition(
            conversation_id,
            ConversationState.OPEN,
            opened_at=iso(opened_at),
            deadline=iso(deadline),
            next_sla_at=None,
            sla_stage=None,
            follow_up_at=None,  # the buyer wrote: whatever the team waited for is answered by the new clock
            follow_up_reminded=None,
            **fields,
        )

    def _transition(self, conversation_id: int, state: ConversationState, **fields: Any) -> None:
        self._update(
            "conversations", conversation_id, {**fields, "state": state.value, "updated_at": self.now()}
        )

    def conversations(self, *, state: str | None = None) -> list[Row]:
        """All conversations, optionally of one state, earliest deadline first."""
        where, args = ("state = ?", [state]) if state else (None, [])
        sql = f"SELECT * FROM conversations {'WHERE ' + where if where else ''} ORDER BY deadline IS NULL, deadline, id"
        return self.query(sql, args)

    def has_message(self, *, message_id: str) -> bool:
        """Whether a Message-ID was stored already."""
        return (
            self.conn.execute("SELECT 1 FROM messages WHERE message_id = ?", [message_id]).fetchone()
            is not None
        )

    def has_source_ref(self, *, source_ref: str) -> bool:
        """Whether a mail from this place in a mailbox (file, IMAP UID) was stored already."""
        sql = "SELECT 1 FROM messages WHERE source_ref = ?"
        return self.conn.execute(sql, [source_ref]).fetchone() is not None

    def insert_message(self, **fields: Any) -> int:
        """Insert one message row and return its id."""
        for name in ("attachments", "refs"):
            if name in fields and not isinstance(fields[name], str):
                fields[name] = json.dumps(fields[name], ensure_ascii=False)
        return self._insert("messages", {**fields, "created_at": self.now()})

    def message(self, *, row_id: int) -> Row | None:
        """One message row."""
        return self.query_one("SELECT * FROM messages WHERE id = ?", [row_id])

    def _columns_but_raw(self) -> str:
        if self._message_columns is None:
            self._message_columns = ", ".join(c for c in self.conn.columns("messages") if c != "raw")
        return self._message_columns

    def conversation_messages(self, *, conversation_id: int) -> list[Row]:
        """A conversation's messages, oldest first, without the raw mail."""
        sql = f"SELECT {self._columns_but_raw()} FROM messages WHERE conversation_id = ? ORDER BY received_at, id"
        return self.query(sql, [conversation_id])

    def latest_buyer_message(self, *, conversation_id: int) -> Row | None:
        """The conversation's newest message from the buyer (the one a reply answers now), without the raw mail."""
        sql = (
            f"SELECT {self._columns_but_raw()} FROM messages WHERE conversation_id = ? AND direction = 'in' "
            "AND kind = 'buyer_message' "  # an Amazon notice joined to the conversation is not the buyer's
            "ORDER BY received_at DESC, id DESC LIMIT 1"
        )
        return self.query_one(sql, [conversation_id])

    def conversations_for_order(self, *, order_id: str) -> list[Row]:
        """Conversations (and notices) about an order, with a card in Slack or about to get one."""
        return self.query("SELECT * FROM conversations WHERE order_id = ? ORDER BY id", [order_id])

    def buyer_conversation_for_order(self, *, order_id: str) -> Row | None:
        """The newest buyer conversation about an order (what a notice about that order concerns)."""
        sql = "SELECT * FROM conversations WHERE order_id = ? AND kind = 'buyer' ORDER BY id DESC LIMIT 1"
        return self.query_one(sql, [order_id])

    def notices_for_order(self, *, order_id: str, limit: int = 5) -> list[Row]:
        """The newest Amazon notices about an order (what a buyer conversation starting late links to)."""
        sql = "SELECT * FROM conversations WHERE order_id = ? AND kind = 'notice' ORDER BY id DESC LIMIT ?"
        return self.query(sql, [order_id, limit])

    def claim(self, *, conversation_id: int, by: str) -> None:
        """A person takes the conversation ("I'll take it"): who and when are stamped, and audited."""
        with self.transaction():
            self.update_conversation(conversation_id=conversation_id, claimed_by=by, claimed_at=self.now())
            self.audit(actor=by, action="claimed", conversation_id=conversation_id)

    def release(self, *, conversation_id: int, by: str) -> None:
        """The conversation is nobody's again; who released it and when is audited."""
        with self.transaction():
            self.update_conversation(conversation_id=conversation_id, claimed_by=None, claimed_at=None)
            self.audit(actor=by, action="released", conversation_id=conversation_id)
