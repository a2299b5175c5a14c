"""The one place a listener's failure is told to the person who clicked or typed: what went wrong, what to do.

Unexpected errors reach `tell` through `@app.error`. A listener that refuses what a person asked (a `Refusal`)
still answers it itself with `refused`: Bolt's async runner, when a listener raises within a few milliseconds of
its `ack()`, replaces the acknowledgement with the error handler's empty response, so Slack would show the
command as failed although the person is told why.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp

from bot.desk.desk import Refusal
from bot.replies.library import TemplateProblem
from bot.services.slack import SlackError, SlackGateway

log = logging.getLogger(__name__)


def explain(error: Exception) -> str:
    """The person-facing text for a listener's failure."""
    if isinstance(error, Refusal | TemplateProblem):
        return f":warning: {error}"
    if isinstance(error, SlackError):
        return (
            f":x: Slack refused what the bot tried ({error.code or 'no answer'}); nothing else changed. "
            "Try again in a minute; if it keeps failing, tell whoever runs the bot (it is in the log)."
        )
    return (
        f":x: That did not work because of an error on our side ({type(error).__name__}); it is in the bot's log. "
        "Try again in a minute; if it keeps failing, tell whoever runs the bot."
    )


async def tell(error: Exception, body: dict[str, Any], respond: Any, slack: SlackGateway | None) -> None:
    """Log the failure with its context and tell the person: in reply to a command or button (response_url),
    else as a message only they see in the channel, else as a direct message."""
    expected = isinstance(error, Refusal | TemplateProblem)
    event = body.get("event") or {}  # Events API: the person and channel are in the event
    user = (body.get("user") or {}).get("id") or body.get("user_id") or event.get("user")
    channel = (body.get("channel") or {}).get("id") or body.get("channel_id") or event.get("channel")
    kind = body.get("type") or ("command" if body.get("command") else "?")
    if expected:
        log.info("%s from %s refused: %s", kind, user, error)
    else:
        log.error("listener failed for a %s from %s: %s", kind, user, error, exc_info=error)
    text = explain(error)
    try:
        if body.get("response_url") or body.get("response_urls"):
            await respond(text=text, response_type="ephemeral", replace_original=False)
        elif slack is not None and user and channel:
            await slack.ephemeral(channel=channel, user=user, text=text, thread_ts=event.get("thread_ts"))
        elif slack is not None and user:
            await slack.post(channel=user, text=text)  # a direct message
    except Exception as e:
        log.warning("could not tell %s that a %s failed: %s", user, kind, e)


async def refused(respond: Any, error: Exception) -> None:
    """Answer a refused command or button with why, only to the person."""
    await respond(text=explain(error), response_type="ephemeral")


def register(app: AsyncApp) -> None:
    """Every listener's failure goes through `tell`."""

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], respond: Any, context: dict[str, Any]) -> None:
        deps = context.get("deps")
        await tell(error, body, respond, deps.slack if deps is not None else None)
