"""What the other parts ask Slack to show: card redraws, thread notes and reminders, queued in the store's outbox.

The enricher, the replies, the mailer and the clock write here; the poster drains the outbox. Queuing is a store
write plus a wake-up, so none of them needs the poster (and the poster needs none of them back).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from bot.accounts import Accounts
from bot.cards.card import PostKind
from bot.settings import Settings
from bot.store.store import Row, Store
from bot.workers.wake import Wake

log = logging.getLogger(__name__)


class Outbox:
    """Queues posts for the poster and wakes it."""

    def __init__(self, settings: Settings, store: Store, accounts: Accounts | None = None) -> None:
        self.settings = settings
        self.store = store
        self.accounts = accounts or Accounts.from_settings(settings)
        self.wake = Wake()  # also set by store work in the store's thread (PostgreSQL)

    def channel_of(self, conv: Row) -> str:
        """Where a conversation's posts go: its card's channel, or (before the card is posted) its account's."""
        return self.accounts.channel_of(conv)

    def conversation_changed(self, conversation_id: int) -> None:
        """Queue a redraw of a conversation's card (claimed, answered, closed)."""
        conv = self.store.conversation(conversation_id=conversation_id)
        if conv is None:
            return
        if self.store.update_pending(conversation_id=conversation_id):
            self.wake.set()  # a queued redraw reads the state when it runs: one is enough
            return
        self.store.enqueue(
            kind=PostKind.UPDATE.value,
            dedupe_key=f"update:{conversation_id}:state:{uuid.uuid4().hex}",  # coalesced above, so never a repeat
            due_by=conv.get("deadline"),
            conversation_id=conversation_id,
            message_row=self._first_message_row(conv),
            channel=self.channel_of(conv),
        )
        self.wake.set()

    def escalation_post(
        self, kind: str, conversation_id: int | None, channel: str | None, key: str, payload: dict[str, Any]
    ) -> None:
        """What the clock asks for: a card redraw ('update'), a thread reminder ('thread'), a note or DM ('note')."""
        conv = self.store.conversation(conversation_id=conversation_id) if conversation_id else None
        post_kind = {"update": PostKind.UPDATE, "thread": PostKind.THREAD, "note": PostKind.NOTE}[kind]
        self.store.enqueue(
            kind=post_kind.value,
            dedupe_key=key,
            due_by=(conv or {}).get("deadline"),
            conversation_id=conversation_id,
            message_row=self._first_message_row(conv) if conv and kind == "update" else None,
            channel=channel or self.channel_of(conv or {}),
            payload=payload or None,
        )
        self.wake.set()

    def send_event(self, send_id: int, event: str) -> None:
        """Tell the card's thread what became of a reply (sent, retrying, failed, uncertain)."""
        send = self.store.send(send_id=send_id)
        if send is None:
            return
        conv = self.store.conversation(conversation_id=int(send["conversation_id"]))
        if conv is None:
            return
        self.store.enqueue(
            kind=PostKind.THREAD.value,
            dedupe_key=f"send:{send_id}:{event}:{send.get('attempts')}",
            due_by=conv.get("deadline"),
            conversation_id=int(conv["id"]),
            message_row=None,
            channel=self.channel_of(conv),
            payload={"send": send_id, "event": event},
        )
        if event == "sent":
            self.conversation_changed(int(conv["id"]))
        self.wake.set()

    def order_changed(self, order_id: str) -> None:
        """Queue a card update for every conversation about this order (its order or tracking changed)."""
        for conv in self.store.conversations_for_order(order_id=order_id):
            if self.store.update_pending(conversation_id=int(conv["id"])):
                continue  # the queued redraw will show the new order and tracking
            self.store.enqueue(
                kind=PostKind.UPDATE.value,
                dedupe_key=f"update:{conv['id']}:order:{uuid.uuid4().hex}",
                due_by=conv.get("deadline"),
                conversation_id=conv["id"],
                message_row=self._first_message_row(conv),
                channel=self.channel_of(conv),
            )
        self.wake.set()

    def _first_message_row(self, conv: Row) -> int | None:
        rows = self.store.conversation_messages(conversation_id=conv["id"])
        return int(rows[0]["id"]) if rows else None
