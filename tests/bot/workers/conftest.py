"""Shared by the workers' tests: the intake, outbox and poster over one store, talking to the Slack stand-in."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import build_deps
from bot.clock.clocks import FakeClock
from bot.mail.intake import Intake
from bot.mail.source import IncomingMail
from bot.sandbox.slack_api import FakeSlack
from bot.store.store import Store
from bot.workers.outbox import Outbox
from bot.workers.poster import Poster
from tests.conftest import fixture_mail, make_settings

NOW = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)


class Rig:
    """Intake, outbox and poster over one store, talking to the stand-in."""

    outbox: Outbox

    def __init__(self, tmp_path: Path, slack: FakeSlack) -> None:
        self.clock = FakeClock(NOW)
        self.settings = make_settings(tmp_path, slack)
        self.store = Store.connect(self.settings.database, clock=self.clock)
        self.intake = Intake(self.settings, self.store)
        self.slack = slack
        self.poster = self.new_poster()

    def new_poster(self) -> Poster:
        """A poster (and its outbox) built as the bot builds them (a fresh one stands for the bot after a restart)."""
        client = AsyncWebClient(token=self.slack.bot_token, base_url=self.slack.base_url)
        deps = build_deps(self.settings, clock=self.clock, client=client, store=self.store)
        self.outbox = deps.outbox
        return deps.poster

    async def mail(self, name: str, raw: bytes | None = None) -> None:
        await self.intake.handle(IncomingMail(raw or fixture_mail(name), name, NOW))


@pytest.fixture
def rig(tmp_path: Path, fake_slack: FakeSlack) -> Rig:
    """The rig of the poster's and the outbox's tests (test_mailer.py has its own, around an SMTP server)."""
    return Rig(tmp_path, fake_slack)
