"""Shared by the listeners' tests: the whole bot running with a buyer's card in the channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox.slack_api import FakeSlack
from tests.support.desk import Desk, open_desk
from tests.support.smtp import SmtpServer


@pytest.fixture
async def desk(tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer) -> AsyncIterator[Desk]:
    async with open_desk(tmp_path, fake_slack, smtp) as d:
        yield d
