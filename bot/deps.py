"""The dependencies listeners and jobs receive (through Bolt's context, or as arguments)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import httpx
from slack_sdk.web.async_client import AsyncWebClient

from bot.accounts import Accounts
from bot.clock.claims import ClaimWatch
from bot.clock.clocks import Clock
from bot.clock.escalation import Escalator
from bot.clock.followups import FollowUps
from bot.clock.parcels import ParcelWatch
from bot.clock.watchdog import MailboxWatch
from bot.desk.desk import Desk
from bot.desk.roles import Roles
from bot.mail.intake import Intake
from bot.mail.source import MailSource
from bot.ops.metrics import Metrics
from bot.replies.autoreply import AutoReplier
from bot.replies.library import Library
from bot.replies.proactive import Proactive
from bot.replies.service import Replies
from bot.services.amazon import SpApi
from bot.services.amazon_accounts import AccountsSpApi
from bot.services.amazon_search import OrderSearch
from bot.services.carriers.tracker import Tracker
from bot.services.slack import SlackGateway
from bot.settings import Settings
from bot.store.store import Store
from bot.workers.enricher import Enricher
from bot.workers.evidence import Evidence
from bot.workers.leader import Leadership
from bot.workers.mailer import Mailer
from bot.workers.outbox import Outbox
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
    proactive: Proactive
    mailer: Mailer
    escalator: Escalator
    followups: FollowUps
    claims: ClaimWatch
    evidence: Evidence
    parcels: ParcelWatch
    mailwatch: MailboxWatch
    outbox: Outbox
    roles: Roles
    desk: Desk
    autoreplier: AutoReplier
    metrics: Metrics  # the counters /metrics shows (bot/ops/metrics.py)
    accounts: Accounts  # the Amazon accounts served (bot/accounts.py): one unless [[accounts]] lists several
    amazon: SpApi | None = None  # the first account's (the weekly report, `check`)
    account_sources: dict[str, MailSource] = field(default_factory=dict)  # the other accounts' own mailboxes
    orders: AccountsSpApi | None = None  # SP-API of every account, when there are several
    order_search: OrderSearch | None = None  # the weekly report's orders (searchOrders)
    ready: asyncio.Event = field(default_factory=asyncio.Event)  # set once Slack can reach the bot
    leadership: Leadership | None = (
        None  # whether this instance works or waits as a standby (bot/workers/leader.py)
    )

    @property
    def bot_user_id(self) -> str | None:
        """The bot's own Slack user (known once Slack answered auth.test)."""
        return self.slack.bot_user_id
