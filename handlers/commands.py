"""Slash commands: acknowledged at once, answered (only to the asker unless shared) when the work is done."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.cards.ids import ActionId
from bot.deps import Deps
from bot.desk.desk import Answer
from handlers.errors import answered

log = logging.getLogger(__name__)


async def _answer(respond: Any, answer: Answer, *, shared: bool = False) -> None:
    await respond(
        text=answer.text, blocks=answer.blocks, response_type="in_channel" if shared else "ephemeral"
    )


async def order(ack: AsyncAck, command: dict[str, Any], respond: Any, context: dict[str, Any]) -> None:
    """`/order 302-1234567-1234567`: acknowledged within Slack's 3 seconds, however slow Amazon is."""
    await ack(text=f"Looking up {command.get('text') or 'the order'} …")
    deps: Deps = context["deps"]
    await _answer(respond, await deps.desk.order(str(command.get("text") or "")))


async def inbox(ack: AsyncAck, command: dict[str, Any], respond: Any, context: dict[str, Any]) -> None:
    """`/inbox [mine|unclaimed|breached]`."""
    await ack()
    deps: Deps = context["deps"]
    await _answer(respond, await deps.desk.inbox(str(command.get("text") or ""), str(command.get("user_id"))))


async def oncall(ack: AsyncAck, command: dict[str, Any], respond: Any, context: dict[str, Any]) -> None:
    """`/oncall`, `/oncall me for 8h`, `/oncall @user until sun`: an override is announced in the channel."""
    await ack()
    deps: Deps = context["deps"]
    text = str(command.get("text") or "")
    answer = await deps.store.run(deps.desk.oncall, text, str(command.get("user_id")))
    await _answer(respond, answer, shared=bool(text.strip()))


async def case(ack: AsyncAck, command: dict[str, Any], respond: Any, context: dict[str, Any]) -> None:
    """`/case add ID summary`, `/case`, `/case update ID`, `/case close ID`."""
    await ack()
    deps: Deps = context["deps"]
    await _answer(
        respond,
        await deps.store.run(deps.desk.case, str(command.get("text") or ""), str(command.get("user_id"))),
    )


async def help_(ack: AsyncAck, respond: Any, context: dict[str, Any]) -> None:
    """`/inbox-bot help` (any text)."""
    await ack()
    deps: Deps = context["deps"]
    await _answer(respond, deps.desk.help())


async def share_order(ack: AsyncAck, body: dict[str, Any], respond: Any, context: dict[str, Any]) -> None:
    """'Share in channel' under an `/order` answer."""
    await ack()
    deps: Deps = context["deps"]
    order_id = str(((body.get("actions") or [{}])[0]).get("value") or "")
    answer = await deps.desk.order(order_id)
    answer.blocks = [
        b
        for b in answer.blocks
        if not any(e.get("action_id") == ActionId.SHARE_ORDER for e in b.get("elements", []))
    ]
    answer.blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Shared by <@{body['user']['id']}>"}]}
    )
    await _answer(respond, answer, shared=True)


def register(app: AsyncApp, settings: Any) -> None:
    """Listen to the configured command names."""
    app.command(settings.command_order)(answered(order))
    app.command(settings.command_inbox)(answered(inbox))
    app.command(settings.command_oncall)(answered(oncall))
    app.command(settings.command_help)(answered(help_))
    app.command(settings.command_case)(answered(case))
    app.action(ActionId.SHARE_ORDER)(answered(share_order))
