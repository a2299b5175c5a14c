"""Message events: a team member's message in a card's thread may become a reply to the buyer, never by accident."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks import slack_to_plain
from bot.deps import Deps
from bot.reply_blocks import thread_offer

log = logging.getLogger(__name__)


async def on_message(event: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]) -> None:
    """A team member wrote in a card's thread: offer to send it (confirm), send it (prefix), or nothing (off).

    The bot's own posts, edits and deletions are skipped; internal discussion never reaches the buyer by accident.
    """
    deps: Deps = context["deps"]
    mode = deps.settings.thread_reply_mode
    if mode == "off" or event.get("bot_id") or event.get("subtype") or not event.get("thread_ts"):
        return
    channel, thread_ts, user = str(event.get("channel")), str(event["thread_ts"]), str(event.get("user"))
    conv = deps.store.conversation_by_card(channel=channel, ts=thread_ts)
    if conv is None or conv.get("kind") != "buyer" or user == deps.bot_user_id:
        return
    text = slack_to_plain(str(event.get("text") or ""))
    prefix = deps.settings.thread_reply_prefix
    if mode == "prefix":
        if not text.startswith(prefix):
            return  # internal discussion stays internal
        draft = deps.replies.draft(conv, user=user, text=text[len(prefix) :].strip())
        outcome = deps.replies.submit(
            {**draft.metadata, "k": f"thread:{event.get('ts')}"}, draft.text, user=user
        )
        if outcome.errors:
            await client.chat_postEphemeral(
                channel=channel,
                user=user,
                thread_ts=thread_ts,
                text=":warning: " + " ".join(outcome.errors.values()),
            )
        return
    await client.chat_postEphemeral(
        channel=channel,
        user=user,
        thread_ts=thread_ts,
        text="Send this to the buyer?",
        blocks=thread_offer(text, f"{thread_ts}|{event.get('ts')}"),
    )


def register(app: AsyncApp) -> None:
    """Listen to message events."""
    app.event("message")(on_message)
