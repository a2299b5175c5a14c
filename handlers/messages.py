"""Message events: a team member's message in a card's thread may become a reply to the buyer, never by accident."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.app.async_app import AsyncApp

from bot.cards.card import slack_to_plain
from bot.cards.reply import thread_offer
from bot.deps import Deps
from handlers.errors import answered

log = logging.getLogger(__name__)


async def on_message(event: dict[str, Any], context: dict[str, Any]) -> None:
    """A team member wrote in a card's thread: offer to send it (confirm), send it (prefix), or nothing (off).

    The bot's own posts, edits and deletions are skipped; internal discussion never reaches the buyer by accident.
    """
    deps: Deps = context["deps"]
    mode = deps.settings.thread_reply_mode
    if mode == "off" or event.get("bot_id") or event.get("subtype") or not event.get("thread_ts"):
        return
    channel, thread_ts, user = str(event.get("channel")), str(event["thread_ts"]), str(event.get("user"))
    conv = await deps.store.run(deps.store.conversation_by_card, channel=channel, ts=thread_ts)
    if conv is None or conv.get("kind") != "buyer" or user == deps.bot_user_id:
        return
    if deps.bot_user_id and f"<@{deps.bot_user_id}>" in str(event.get("text") or ""):
        return  # a request to the bot (handled as a mention), not a message for the buyer
    text = slack_to_plain(str(event.get("text") or ""))
    prefix = deps.settings.thread_reply_prefix
    if mode == "prefix":
        if not text.startswith(prefix):
            return  # internal discussion stays internal
        draft = await deps.store.run(deps.replies.draft, conv, user=user, text=text[len(prefix) :].strip())
        outcome = await deps.store.run(
            deps.replies.submit, draft.metadata, draft.text, user=user, key=f"thread:{event.get('ts')}"
        )
        if outcome.errors:
            await deps.slack.ephemeral(
                channel=channel,
                user=user,
                thread_ts=thread_ts,
                text=":warning: " + " ".join(outcome.errors.values()),
            )
        return
    await deps.slack.ephemeral(
        channel=channel,
        user=user,
        thread_ts=thread_ts,
        text="Send this to the buyer?",
        blocks=thread_offer(text, f"{thread_ts}|{event.get('ts')}"),
    )


def register(app: AsyncApp) -> None:
    """Listen to message events."""
    app.event("message")(answered(on_message))
    app.event("app_mention")(answered(on_mention))


async def on_mention(event: dict[str, Any], context: dict[str, Any]) -> None:
    """`@inbox-bot order|claim|send <template>|help`, mostly inside a card's thread where slash commands do not work."""
    from bot.cards.ids import ActionId
    from bot.desk.desk import order_id_in
    from bot.errors import Refusal

    deps: Deps = context["deps"]
    channel, user = str(event.get("channel")), str(event.get("user"))
    thread_ts = event.get("thread_ts")
    words = re.sub(r"<@[A-Z0-9]+>", " ", str(event.get("text") or "")).split()
    verb = words[0].lower() if words else "help"
    conv = (
        await deps.store.run(deps.store.conversation_by_card, channel=channel, ts=str(thread_ts))
        if thread_ts
        else None
    )

    async def tell(text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        await deps.slack.ephemeral(channel=channel, user=user, thread_ts=thread_ts, text=text, blocks=blocks)

    if verb == "order":
        order_id = order_id_in(" ".join(words[1:])) or (conv or {}).get("order_id")
        if not order_id:
            raise Refusal(
                "Which order? Write `@inbox-bot order 302-1234567-1234567`, or ask in a card's thread."
            )
        answer = await deps.desk.order(order_id)
        await tell(answer.text, answer.blocks)
    elif verb == "claim":
        if conv is None:
            raise Refusal("Claim from a card's thread, or press “I'll take it” on the card.")
        await deps.store.run(deps.replies.claim, conv, user=user)
        await tell("It's yours: the others are not pinged any more.")
    elif verb == "send":
        if conv is None:
            raise Refusal("`send` works in a card's thread: it answers that buyer.")
        key = words[1] if len(words) > 1 else ""
        keys = deps.replies.accounts.library(
            conv.get("account")
        ).template_keys()  # the card's account's templates
        if key not in keys:
            raise Refusal(f"There is no template “{key}”. Templates: {', '.join(keys)}.")
        draft = await deps.store.run(deps.replies.draft, conv, user=user, template=key)
        if draft.template is not None and draft.template.safe:
            outcome = await deps.store.run(
                deps.replies.submit, draft.metadata, draft.text, user=user, key=f"mention:{event.get('ts')}"
            )
            if outcome.errors:
                raise Refusal(" ".join(outcome.errors.values()))
            await tell(f"Sending “{draft.template.title}” to the buyer.")
            return
        button = {
            "type": "button",
            "action_id": f"{ActionId.TEMPLATE}:{key}",
            "text": {"type": "plain_text", "text": "Review and send…"},
            "style": "primary",
        }
        await tell(
            "This template is checked and edited before it goes out.",
            [
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": f"“{draft.template.title if draft.template else key}” must be reviewed before sending.",
                    },
                },
                {"type": "actions", "elements": [button]},
            ],
        )
    else:
        answer = deps.desk.help()
        await tell(answer.text, answer.blocks)
