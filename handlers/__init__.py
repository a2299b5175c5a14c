"""Slack listeners, one module per surface, each with `register(app)`."""

from __future__ import annotations

from slack_bolt.app.async_app import AsyncApp

from handlers import actions, messages, replies


def register_all(app: AsyncApp) -> None:
    """Register every surface's listeners on the app."""
    actions.register(app)
    messages.register(app)
    replies.register(app)
