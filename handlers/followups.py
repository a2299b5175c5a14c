"""The follow-up reminder's buttons: Done and Snooze, acknowledged at once, then handed to the core."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.cards.card import format_local
from bot.cards.ids import ActionId
from bot.clock.followups import FollowUpRefused
from bot.deps import Deps
from handlers.errors import answered

log = logging.getLogger(__name__)

VALUE = re.compile(r"^(\d{1,12})@([0-9T:.+-]{10,40})$")  # "<conversation id>@<due time>"
HOURS = re.compile(rf"^{ActionId.FOLLOW_UP_SNOOZE.value}:(\d{{1,3}})$")


def _in_its_thread(deps: Deps, body: dict[str, Any], conversation_id: int) -> bool:
    """The button was clicked in the thread of that conversation's card (a value from Slack is checked, not believed)."""
    conv = deps.store.conversation(conversation_id=conversation_id)
    container = body.get("container") or {}
    return bool(
        conv
        and conv.get("slack_ts")
        and container.get("thread_ts") == conv.get("slack_ts")
        and container.get("channel_id") == conv.get("slack_channel")
    )


async def _on_reminder(
    body: dict[str, Any], respond: Any, deps: Deps, act: Callable[[int, str, str, str], str]
) -> None:
    """Check the clicked reminder button's value against its thread, then `act(conversation, due, user, action id)`;
    its answer replaces the reminder, a refusal is told only to the person."""
    action = (body.get("actions") or [{}])[0]
    user = str((body.get("user") or {}).get("id") or "")
    value, action_id = str(action.get("value") or ""), str(action.get("action_id") or "")
    m = VALUE.match(value)

    def checked() -> str | None:  # the check and the act in one piece of store work: on the state as it is
        if m is None or not _in_its_thread(deps, body, int(m.group(1))):
            return None
        return act(int(m.group(1)), m.group(2), user, action_id)

    try:
        text = await deps.store.run(checked)
    except FollowUpRefused as e:
        await respond(text=str(e), replace_original=False, response_type="ephemeral")
        return
    if text is None:
        log.warning("follow-up button %s from %s with a value not of this thread: %r", action_id, user, value)
        await respond(
            text="This button does not belong here.", replace_original=False, response_type="ephemeral"
        )
        return
    await respond(text=text, replace_original=True)


async def follow_up_done(ack: AsyncAck, body: dict[str, Any], respond: Any, context: dict[str, Any]) -> None:
    """'Done': the promise is kept; the reminder says who finished it."""
    await ack()
    deps: Deps = context["deps"]

    def done(conversation_id: int, due: str, user: str, action_id: str) -> str:
        deps.followups.done(conversation_id, user=user, due=due)
        return f":white_check_mark: Follow-up done by <@{user}>."

    await _on_reminder(body, respond, deps, done)


async def follow_up_snooze(
    ack: AsyncAck, body: dict[str, Any], respond: Any, context: dict[str, Any]
) -> None:
    """'Snooze': remind again later; the reminder says until when."""
    await ack()
    deps: Deps = context["deps"]

    def snooze(conversation_id: int, due: str, user: str, action_id: str) -> str:
        hours = HOURS.match(action_id)
        if hours is None:
            raise FollowUpRefused("This button does not belong here.")
        until = deps.followups.snooze(conversation_id, int(hours.group(1)), user=user, due=due)
        return f":zzz: Follow-up snoozed by <@{user}> until {format_local(until, deps.settings.tz)}."

    await _on_reminder(body, respond, deps, snooze)


def register(app: AsyncApp) -> None:
    """Listen to the follow-up reminder's buttons."""
    app.action(ActionId.FOLLOW_UP_DONE.value)(answered(follow_up_done))
    app.action(re.compile(rf"^{ActionId.FOLLOW_UP_SNOOZE.value}:\d+$"))(answered(follow_up_snooze))
