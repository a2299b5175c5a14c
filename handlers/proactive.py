"""Listeners for writing to a buyer first: the card's 'Message the buyer…' menu and its window's Send."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.cards.ids import ActionId, ViewId
from bot.cards.message import message_modal
from bot.deps import Deps
from bot.replies.model import OUT_OF_DATE, submitted
from bot.services.slack import SlackError
from bot.store.store import Row
from handlers.errors import answered
from handlers.replies import action_of, card_of, open_reply, send_of_card, tell

log = logging.getLogger(__name__)


async def open_message(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    """'Message the buyer…': asks Amazon what it allows for the order, then opens the window."""
    await ack()
    deps: Deps = context["deps"]
    conv = await deps.store.run(card_of, deps, body)
    if conv is None:
        await tell(deps.slack, body, "This card belongs to no conversation the bot knows.")
        return
    action = action_of(body)
    choice = str((action.get("selected_option") or {}).get("value") or action.get("value") or "blank")
    again = None
    if choice.startswith("send:"):  # "Send it through Amazon instead…" under a reply Amazon did not deliver
        send_id = choice.removeprefix("send:")
        if not (send_id.isdigit() and await deps.store.run(send_of_card, deps, body, int(send_id))):
            await tell(deps.slack, body, "That reply does not belong to this card: nothing to send again.")
            return
        again = await deps.store.run(deps.store.send, send_id=int(send_id))
    template = None if choice == "blank" or again is not None else choice
    await _window(deps, body, conv, template=template, again=again)


async def send_invoice(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    """'Send invoice': with SP-API, the message window (Amazon's sendInvoice first where Amazon allows it, the e-mail
    with the PDF as the fallback); without it, the reply window with the PDF attached."""
    deps: Deps = context["deps"]
    conv = await deps.store.run(card_of, deps, body)
    if deps.proactive.messaging is None or conv is None:
        await open_reply(ack, body, context)
        return
    await ack()
    await _window(deps, body, conv, template="invoice_resent", again=None)


async def _window(
    deps: Deps, body: dict[str, Any], conv: Row, *, template: str | None, again: Row | None
) -> None:
    opened = await deps.proactive.open(conv, user=body["user"]["id"], template=template, again=again)
    view = message_modal(
        conv,
        text=opened.draft.text,
        metadata=opened.draft.metadata,
        channels=opened.channels,
        notes=opened.notes,
    )
    try:
        await deps.slack.open_view(trigger_id=body["trigger_id"], view=view)
    except SlackError as e:  # the trigger lives 3 s: Amazon's answer can outlast it
        await tell(deps.slack, body, f"The message window could not open ({e.code}): choose again.")


async def submit_message(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
) -> None:
    """The window's Send: the guard's findings keep it open; otherwise exactly one send is queued."""
    deps: Deps = context["deps"]
    form = submitted(view, "channel")
    if form is None:
        await ack(response_action="errors", errors=OUT_OF_DATE)
        return
    outcome = await deps.store.run(
        deps.proactive.submit,
        form.metadata,
        form.text,
        user=body["user"]["id"],
        channel=form.choice,
        confirmed=form.confirmed,
    )
    if outcome.errors:
        await ack(response_action="errors", errors=outcome.errors)
        return
    await ack()


def register(app: AsyncApp) -> None:
    """Listen to the menu and the window."""
    app.action(ActionId.MESSAGE_BUYER.value)(answered(open_message))
    app.action(ActionId.SEND_INVOICE.value)(answered(send_invoice))
    app.view(ViewId.MESSAGE)(answered(submit_message))
