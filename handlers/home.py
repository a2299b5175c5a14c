"""The App Home tab: a dashboard per person, drawn when they open it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp

from bot.deps import Deps
from bot.services.slack import SlackError
from handlers.errors import answered

log = logging.getLogger(__name__)


async def home_opened(event: dict[str, Any], context: dict[str, Any]) -> None:
    """Publish the person's Home: their conversations, the queue, on call, the numbers."""
    if event.get("tab") not in (None, "home"):
        return
    deps: Deps = context["deps"]
    user = str(event.get("user"))
    try:
        await deps.slack.publish_home(user=user, view=await deps.store.run(deps.desk.home, user))
    except SlackError as e:
        log.error("the Home tab of %s could not be published: %s", user, e.code)


def register(app: AsyncApp) -> None:
    """Listen to app_home_opened."""
    app.event("app_home_opened")(answered(home_opened))
