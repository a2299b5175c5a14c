"""Shared by the clock's tests: a buyer's messages and the team's replies, as the digest and the report count them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.store.store import Store, iso


def reply(store: Store, conversation_id: int, message_id: str, at: datetime) -> None:
    """The team's reply in the conversation, sent at `at`."""
    store.insert_message(
        message_id=message_id,
        conversation_id=conversation_id,
        direction="out",
        kind="reply",
        received_at=iso(at),
    )


def message_and_reply(
    store: Store,
    conversation_id: int,
    n: int,
    received: datetime,
    answered_after: timedelta | None,
    *,
    kind: str = "buyer_message",
    **fields: Any,
) -> None:
    """Buyer message `n` of `kind` received then (with `fields`) and, if answered, the reply `answered_after` it."""
    store.insert_message(
        message_id=f"<{n}@x>",
        conversation_id=conversation_id,
        direction="in",
        kind=kind,
        received_at=iso(received),
        **fields,
    )
    if answered_after is not None:
        reply(store, conversation_id, f"<r{n}@x>", received + answered_after)
