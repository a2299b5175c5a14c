"""Message events in the channel: acknowledged so Slack does not retry them (thread replies come with replies)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp

from bot.deps import Deps

log = logging.getLogger(__name__)


async def on_message(event: dict[str, Any], context: dict[str, Any]) -> None:
    """Note team messages in a card's thread; the bot's own posts and edits are skipped."""
    if event.get("bot_id") or event.get("subtype"):
        return
    deps: Deps = context["deps"]
    thread_ts = event.get("thread_ts")
    if not thread_ts:
        return
    conv = deps.store.conversation_by_card(channel=str(event.get("channel")), ts=str(thread_ts))
    if conv:
        log.info("team message in the thread of conversation %s by %s", conv["id"], event.get("user"))


def register(app: AsyncApp) -> None:
    """Listen to message events."""
    app.event("message")(on_message)
