"""The App Home tab through the whole bot: each person's dashboard is published when they open it."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.deps import Deps
from bot.mail.source import IncomingMail
from bot.sandbox.people import People
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail, make_settings, running_bot
from tests.support.clock import pinned_clock

# The whole-bot dashboard (queue, on call, numbers) is also checked in tests/handlers/test_commands.py
# (test_home_tab_dashboard) and within Block Kit limits for 500 conversations there.


@pytest.fixture
async def bot(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[Deps]:
    settings = make_settings(tmp_path, fake_slack, oncall_members="U0ONCALL,U0AGENT")
    async with running_bot(settings) as deps:
        await deps.ready.wait()
        await deps.intake.handle(IncomingMail(fixture_mail("de_invoice.eml"), "t1", pinned_clock().now()))
        await fake_slack.wait_for(lambda: len(fake_slack.posts()) == 1)
        yield deps


def home_of(slack: FakeSlack, user: str) -> str:
    return json.dumps(slack.home_views[user]["blocks"], ensure_ascii=False)


async def test_each_person_sees_their_own_home(bot: Deps, fake_slack: FakeSlack) -> None:
    people = People(fake_slack)
    [card] = fake_slack.posts()
    await people.click(
        user="U0AGENT", channel="C0INBOX", message_ts=card["ts"], action_id="claim", value="claim"
    )
    await eventually(lambda: bot.store.conversations()[0]["claimed_by"] == "U0AGENT", what="the claim")
    await people.open_home(user="U0AGENT")
    await people.open_home(user="U0LEAD")
    await fake_slack.wait_for(lambda: {"U0AGENT", "U0LEAD"} <= set(fake_slack.home_views))
    assert "Mine (1)" in home_of(fake_slack, "U0AGENT") and "Max Müller" in home_of(fake_slack, "U0AGENT")
    assert "Mine (0)" in home_of(fake_slack, "U0LEAD") and "Nothing claimed" in home_of(fake_slack, "U0LEAD")
    assert fake_slack.home_views["U0LEAD"]["type"] == "home"


async def test_opening_the_messages_tab_publishes_nothing(bot: Deps, fake_slack: FakeSlack) -> None:
    people = People(fake_slack)
    event = {"type": "app_home_opened", "user": "U0AGENT", "channel": "D0AGENT", "tab": "messages"}
    await people.send_event({**event, "event_ts": "1.000001"})
    await people.open_home(user="U0LEAD")  # handled after the first
    await fake_slack.wait_for(lambda: "U0LEAD" in fake_slack.home_views)
    await asyncio.sleep(0.2)
    assert [c["user_id"] for c in fake_slack.calls_of("views.publish")] == ["U0LEAD"]


async def test_a_home_slack_refuses_is_logged_and_the_next_opening_works(
    bot: Deps, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    fake_slack.fail("views.publish", status=200, error="not_enabled", retry_after=None)
    people = People(fake_slack)
    with caplog.at_level(logging.ERROR, logger="handlers.home"):
        await people.open_home(user="U0AGENT")
        await eventually(
            lambda: any("could not be published: not_enabled" in r.getMessage() for r in caplog.records),
            what="the error in the log",
        )
    assert "U0AGENT" not in fake_slack.home_views
    await people.open_home(user="U0AGENT")
    await fake_slack.wait_for(lambda: "U0AGENT" in fake_slack.home_views)
    assert "Queue by deadline (1 open)" in home_of(fake_slack, "U0AGENT")
    assert (
        fake_slack.ephemerals == [] and len(fake_slack.posts()) == 1
    )  # nothing else told: a Home is no reply
