"""The dependencies listeners and jobs receive (through Bolt's context, or as arguments)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock.clocks import Clock
from bot.clock.escalation import Escalator
from bot.mail.intake import Intake
from bot.mail.source import MailSource
from bot.replies.library import Library
from bot.replies.service import Replies
from bot.services.amazon import SpApi
from bot.services.carriers.tracker import Tracker
from bot.services.slack import SlackGateway
from bot.settings import Settings
from bot.store.store import Store
from bot.workers.enricher import Enricher
from bot.workers.mailer import Mailer
from bot.workers.poster import Poster


@dataclass
class Deps:
    """Everything listeners and jobs work with; handed to listeners through Bolt's context."""

    settings: Settings
    clock: Clock
    store: Store
    client: AsyncWebClient
    slack: SlackGateway
    intake: Intake
    poster: Poster
    source: MailSource
    http: httpx.AsyncClient
    tracker: Tracker
    enricher: Enricher
    library: Library
    replies: Replies
    mailer: Mailer
    escalator: Escalator
    amazon: SpApi | None = None
    desk: Any = None  # bot.desk.Desk: commands, mentions and the Home tab (built on these deps)
    autoreplier: Any = None  # bot.replies.autoreply.AutoReplier (opt-in)
    bot_user_id: str | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)  # set once Slack can reach the bot
    extras: dict[str, Any] = field(default_factory=dict)
