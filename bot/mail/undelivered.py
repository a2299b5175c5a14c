"""Amazon's "your message was not delivered" notice, joined to the conversation it is about.

Such a notice used to become a card of its own while the conversation stayed *Answered*: the buyer never got the
reply (often an invoice whose attachment Amazon refused), yet the clock looked stopped. Now the notice is stored in
the buyer's conversation about the same order, the conversation opens again with the notice's own window, and its
thread says which reply (by whom, when, with which attachments) did not arrive. Without such a conversation the
notice stays a card of its own, as before. Intake queues the thread note and the card's redraw.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.clock.sla import deadline_for, response_hours
from bot.mail.model import NoticeType, ParsedMail
from bot.settings import Settings
from bot.store.store import Row, Store, iso

log = logging.getLogger(__name__)


def conversation_for(store: Store, parsed: ParsedMail) -> Row | None:
    """The newest buyer conversation about the notice's order, if the notice is a "not delivered" one."""
    if parsed.notice_type != NoticeType.MESSAGE_NOT_DELIVERED.value or not parsed.order_id:
        return None
    return store.buyer_conversation_for_order(order_id=parsed.order_id)


def join(
    store: Store,
    settings: Settings,
    parsed: ParsedMail,
    message: dict[str, Any],
    received: datetime,
    conv: Row,
) -> tuple[int, int, datetime, dict[str, Any]]:
    """Store the notice in `conv` and open it again; (conversation, message row, new deadline, the thread note's
    payload naming the reply that did not arrive) for intake to queue the note and the card's redraw."""
    conv_id = int(conv["id"])
    hours = response_hours(settings, kind="notice", notice_type=parsed.notice_type) or settings.response_hours
    deadline = deadline_for(received, hours)
    sent = [s for s in store.sends(conversation_id=conv_id) if s.get("state") == "sent"]
    last = sent[-1] if sent else None
    store.reopen(
        conversation_id=conv_id, opened_at=received, deadline=deadline, last_message_at=iso(received)
    )
    row = store.insert_message(conversation_id=conv_id, **message)
    store.audit(
        actor="amazon",
        action="reply_not_delivered",
        conversation_id=conv_id,
        message=parsed.dedupe_key,
        send=last["id"] if last else None,
    )
    log.warning(
        "Amazon did not deliver a reply of conversation %d (order %s): reopened", conv_id, parsed.order_id
    )
    return conv_id, row, deadline, {"undelivered": int(last["id"]) if last else None}
