"""Listeners for answering: template buttons and menus, the reply modal, claims, retries.

Each acknowledges first and hands the work to `bot.replies.service.Replies`, through `Store.run` (on PostgreSQL the
store's thread: the loop goes on acknowledging other clicks meanwhile).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.cards.card import slack_to_plain
from bot.cards.ids import ActionId, ViewId
from bot.cards.reply import reply_modal
from bot.deps import Deps
from bot.replies.model import OUT_OF_DATE, Draft, submitted
from bot.services.slack import SlackError, SlackGateway
from bot.store.store import Row
from handlers.errors import answered

log = logging.getLogger(__name__)


def card_of(deps: Deps, body: dict[str, Any]) -> Row | None:
    """The conversation whose card (or card thread) the click came from."""
    container = body.get("container") or {}
    channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
    for ts in (
        container.get("message_ts"),
        container.get("thread_ts"),
        (body.get("message") or {}).get("thread_ts"),
    ):
        if ts:
            conv = deps.store.conversation_by_card(channel=channel, ts=str(ts))
            if conv:
                return conv
    return None


def _on_card(deps: Deps, body: dict[str, Any], act: Callable[..., None], **kwargs: Any) -> None:
    """`act(conversation, **kwargs)` on the card the click came from, read in the same piece of store work (so it
    acts on the state as it is, not as it was a moment before)."""
    conv = card_of(deps, body)
    if conv is not None:
        act(conv, **kwargs)


def send_of_card(deps: Deps, body: dict[str, Any], send_id: int) -> bool:
    """Whether the send a button names belongs to the card whose thread it was clicked in (a value that went
    through Slack is checked against the store, never taken on trust)."""
    conv, send = card_of(deps, body), deps.store.send(send_id=send_id)
    if conv is None or send is None or int(send["conversation_id"]) != int(conv["id"]):
        log.warning("a button named send %s outside its card's thread; ignored", send_id)
        return False
    return True


def action_of(body: dict[str, Any]) -> dict[str, Any]:
    """The first action of a block_actions payload (the click)."""
    return dict((body.get("actions") or [{}])[0])


async def tell(slack: SlackGateway, body: dict[str, Any], text: str) -> None:
    """A note only the clicking person sees, in the card's thread."""
    container = body.get("container") or {}
    try:
        await slack.ephemeral(
            channel=str(container.get("channel_id") or ""),
            user=str(body["user"]["id"]),
            text=text,
            thread_ts=container.get("thread_ts") or container.get("message_ts"),
        )
    except SlackError as e:
        log.error("could not tell %s: %s (%s)", body.get("user", {}).get("id"), text, e.code)


async def _open(slack: SlackGateway, body: dict[str, Any], conv: Row, draft: Draft) -> None:
    view = reply_modal(
        conv,
        text=draft.text,
        metadata=draft.metadata,
        notes=draft.notes,
        follow_up_hours=draft.template.follow_up_hours if draft.template else None,
    )
    try:
        await slack.open_view(trigger_id=body["trigger_id"], view=view)
    except SlackError as e:
        await tell(slack, body, f"The reply window could not open ({e.code}): click again.")


async def open_reply(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    """A template button, the 'more replies' menu, 'write a reply' or 'send invoice': the modal to check and send."""
    await ack()
    deps: Deps = context["deps"]
    conv = await deps.store.run(card_of, deps, body)
    if conv is None:
        await tell(deps.slack, body, "This card belongs to no conversation the bot knows.")
        return
    action = action_of(body)
    action_id = str(action.get("action_id"))
    template = None
    if action_id.startswith(f"{ActionId.TEMPLATE}:"):
        template = action_id.split(":", 1)[1]
    elif action_id == ActionId.PICK:
        template = (action.get("selected_option") or {}).get("value")
    elif action_id == ActionId.SEND_INVOICE:
        template = "invoice_resent"
    elif action_id == ActionId.SEND_MANUAL:
        template = "how_to_use"
    draft = await deps.store.run(
        deps.replies.draft,
        conv,
        user=body["user"]["id"],
        template=template,
        invoice=action_id == ActionId.SEND_INVOICE,
        manual=action_id == ActionId.SEND_MANUAL,
    )
    await _open(deps.slack, body, conv, draft)


async def send_as_is(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    """'Send as is…': a safe template goes out without the modal (the guard still checks it)."""
    await ack()
    deps: Deps = context["deps"]
    conv = await deps.store.run(card_of, deps, body)
    action = action_of(body)
    key = (action.get("selected_option") or {}).get("value")
    if conv is None or not key:
        return
    user = body["user"]["id"]
    outcome = await deps.store.run(
        deps.replies.send_as_is, conv, key, user=user, key=f"asis:{conv['id']}:{action.get('action_ts')}"
    )
    if outcome.errors:
        await tell(deps.slack, body, ":warning: " + " ".join(outcome.errors.values()))


async def claim(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    """'I'll take it' / 'Release'."""
    await ack()
    deps: Deps = context["deps"]
    release = action_of(body).get("value") == "release"
    await deps.store.run(_on_card, deps, body, deps.replies.claim, user=body["user"]["id"], release=release)


async def no_response(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    """'No response needed': Amazon's page opens in the browser; the conversation is closed here."""
    await ack()
    deps: Deps = context["deps"]
    await deps.store.run(_on_card, deps, body, deps.replies.no_response, user=body["user"]["id"])


async def notice_handled(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    """'Mark handled' on an Amazon notice."""
    await ack()
    deps: Deps = context["deps"]
    outcome = (action_of(body).get("selected_option") or {}).get("value")  # "Handled: how it ended…"
    await deps.store.run(
        _on_card,
        deps,
        body,
        deps.replies.handled,
        user=body["user"]["id"],
        outcome=str(outcome) if outcome else None,
    )


async def retry_send(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    """'Retry' / 'Send again' under a failed or uncertain send."""
    await ack()
    deps: Deps = context["deps"]
    value = str(action_of(body).get("value") or "")
    if value.isdigit() and await deps.store.run(send_of_card, deps, body, int(value)):
        send = await deps.store.run(deps.replies.retry, int(value), user=body["user"]["id"])
        if send is not None and send["state"] == "sent":
            await tell(deps.slack, body, "This reply was sent already.")


async def mark_sent(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    """'It was sent' under an uncertain send."""
    await ack()
    deps: Deps = context["deps"]
    value = str(action_of(body).get("value") or "")
    if value.isdigit() and await deps.store.run(send_of_card, deps, body, int(value)):
        await deps.store.run(deps.replies.mark_sent, int(value), user=body["user"]["id"])


async def thread_send(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any], respond: Any) -> None:
    """'Review and send to buyer…' under a team member's thread message: the modal, prefilled with it."""
    await ack()
    deps: Deps = context["deps"]
    thread_ts, _, message_ts = str(action_of(body).get("value") or "").partition("|")
    channel = str(
        (body.get("container") or {}).get("channel_id") or (body.get("channel") or {}).get("id") or ""
    )
    conv = await deps.store.run(deps.store.conversation_by_card, channel=channel, ts=thread_ts)
    if conv is None:
        await respond(text="This thread belongs to no conversation the bot knows.", replace_original=True)
        return
    try:
        messages = await deps.slack.thread(channel=channel, ts=thread_ts)
    except SlackError as e:
        await respond(text=f"The message could not be read ({e.code}).", replace_original=True)
        return
    message = next((m for m in messages if m.get("ts") == message_ts), None)
    if message is None:
        await respond(text="That message is gone (deleted?): nothing to send.", replace_original=True)
        return
    draft = await deps.store.run(
        deps.replies.draft, conv, user=body["user"]["id"], text=slack_to_plain(str(message.get("text") or ""))
    )
    await _open(deps.slack, body, conv, draft)
    await respond(text="Opened for review: nothing is sent until you press Send.", replace_original=True)


async def thread_keep(ack: AsyncAck, respond: Any) -> None:
    """'Keep internal'."""
    await ack()
    await respond(text="Kept internal: not sent to the buyer.", replace_original=True)


async def submit_reply(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], context: dict[str, Any]
) -> None:
    """The reply modal's Send: the guard's findings keep the modal open; otherwise exactly one send is queued."""
    deps: Deps = context["deps"]
    form = submitted(view, "follow_up")
    if form is None:
        await ack(response_action="errors", errors=OUT_OF_DATE)
        return
    outcome = await deps.store.run(
        deps.replies.submit,
        form.metadata,
        form.text,
        user=body["user"]["id"],
        confirmed=form.confirmed,
        follow_up=form.choice,
    )
    if outcome.errors:
        await ack(response_action="errors", errors=outcome.errors)
        return
    await ack()


def register(app: AsyncApp) -> None:
    """Listen to everything that leads to a reply."""
    app.action(re.compile(rf"^{ActionId.TEMPLATE}:[\w-]+$"))(answered(open_reply))
    app.action(ActionId.PICK.value)(answered(open_reply))
    app.action(ActionId.BLANK.value)(answered(open_reply))
    app.action(ActionId.SEND_MANUAL.value)(answered(open_reply))
    app.action(ActionId.SEND_AS_IS.value)(answered(send_as_is))
    app.action(ActionId.CLAIM.value)(answered(claim))
    app.action(ActionId.NO_RESPONSE.value)(answered(no_response))
    app.action(ActionId.RETRY.value)(answered(retry_send))
    app.action(ActionId.HANDLED.value)(answered(notice_handled))
    app.action(ActionId.HANDLED_AS.value)(answered(notice_handled))
    app.action(ActionId.MARK_SENT.value)(answered(mark_sent))
    app.action(ActionId.THREAD_SEND.value)(answered(thread_send))
    app.action(ActionId.THREAD_KEEP.value)(answered(thread_keep))
    app.view(ViewId.REPLY)(answered(submit_reply))
