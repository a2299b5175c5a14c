"""Slack listeners, one module per surface, each with `register(app)`."""

from __future__ import annotations

from slack_bolt.app.async_app import AsyncApp

from bot.settings import Settings
from handlers import actions, claims, commands, errors, followups, home, messages, proactive, replies


def register_all(app: AsyncApp, settings: Settings) -> None:
    """Register every surface's listeners on the app, and the one error handler that tells people."""
    errors.register(app)
    actions.register(app)
    commands.register(app, settings)
    followups.register(app)
    claims.register(app)
    home.register(app)
    messages.register(app)
    replies.register(app)
    proactive.register(app)
