"""The one place a listener's failure is told to the person who clicked or typed: what went wrong, what to do.

Every listener is registered through `answered`, which tells the person when it raises: a `Refusal` or a
`TemplateProblem` (what they asked cannot be done, and why), or anything unexpected (logged with its traceback).
Listeners therefore catch nothing themselves. The wrapper, not `@app.error`, is where this happens because Bolt's
async runner, when a listener raises within a few milliseconds of its `ack()`, replaces the acknowledgement with the
error handler's empty response, so Slack would show the command as failed although the person is told why.
`@app.error` still tells the person about failures outside any listener (a middleware).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.app.async_app import AsyncApp

from bot.errors import Refusal
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
    """Log the failure with its context and tell the person only: beside what they clicked or wrote (in the card's
    thread), or in reply to their command (response_url), else as a direct message."""
    expected = isinstance(error, Refusal | TemplateProblem)
    event = body.get("event") or {}  # Events API: the person and channel are in the event
    container = body.get("container") or {}  # a click: the message it was on
    user = (body.get("user") or {}).get("id") or body.get("user_id") or event.get("user")
    channel = (
        (body.get("channel") or {}).get("id")
        or container.get("channel_id")
        or body.get("channel_id")
        or event.get("channel")
    )
    kind = body.get("type") or ("command" if body.get("command") else "?")
    if expected:
        log.info("%s from %s refused: %s", kind, user, error)
    else:
        log.error("listener failed for a %s from %s: %s", kind, user, error, exc_info=error)
    text = explain(error)
    has_url = bool(body.get("response_url") or body.get("response_urls"))
    ephemeral_source = bool(container.get("is_ephemeral"))  # a click on a message only they see
    thread_ts = event.get("thread_ts") or container.get("thread_ts") or container.get("message_ts")
    try:
        if has_url and (body.get("command") or ephemeral_source):
            await respond(text=text, response_type="ephemeral", replace_original=False)
        elif slack is not None and user and channel and not ephemeral_source:
            await slack.ephemeral(channel=channel, user=user, text=text, thread_ts=thread_ts)
        elif has_url:
            await respond(text=text, response_type="ephemeral", replace_original=False)
        elif slack is not None and user:
            await slack.post(channel=user, text=text)  # a direct message
    except Exception as e:
        log.warning("could not tell %s that a %s failed: %s", user, kind, e)


Listener = Callable[..., Awaitable[None]]


def answered(listener: Listener) -> Listener:
    """The listener as registered: whatever it raises is told to the person (see the module's docstring)."""
    names = set(inspect.signature(listener).parameters)

    async def run(  # every argument our listeners take; Bolt injects them by these names
        ack: Any,
        body: dict[str, Any],
        respond: Any,
        context: dict[str, Any],
        command: Any,
        event: Any,
        view: Any,
    ) -> None:
        given = {"ack": ack, "body": body, "respond": respond, "context": context}
        given |= {"command": command, "event": event, "view": view}
        try:
            await listener(**{name: value for name, value in given.items() if name in names})
        except Exception as e:
            deps = context.get("deps")
            await tell(e, body, respond, deps.slack if deps is not None else None)

    run.__name__ = run.__qualname__ = listener.__name__
    run.__doc__ = listener.__doc__
    return run


def register(app: AsyncApp) -> None:
    """Every listener's failure goes through `tell`."""

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], respond: Any, context: dict[str, Any]) -> None:
        deps = context.get("deps")
        await tell(error, body, respond, deps.slack if deps is not None else None)
