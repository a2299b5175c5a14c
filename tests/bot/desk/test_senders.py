"""Who may send replies: everyone by default, named people, and Slack user groups expanded through Slack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.desk.senders import Senders
from bot.sandbox.slack_api import FakeSlack
from bot.services.slack import SlackGateway
from tests.conftest import make_settings

Make = Callable[..., Senders]


@pytest.fixture
def make(tmp_path: Path, fake_slack: FakeSlack) -> Make:
    """Senders for the given settings, asking the Slack stand-in."""

    def build(**overrides: Any) -> Senders:
        client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url)
        return Senders(make_settings(tmp_path, fake_slack, **overrides), SlackGateway(client))

    return build


async def test_without_the_setting_everyone_may_send(make: Make, fake_slack: FakeSlack) -> None:
    senders = make()
    await senders.refresh()
    assert senders.may_send("U0AGENT") and senders.may_send("U0ANYONE")
    assert senders.text() == "everyone"
    assert fake_slack.calls == []  # nothing to expand


async def test_named_people_may_send_before_and_after_a_refresh(make: Make) -> None:
    senders = make(reply_senders="U0LEAD, U0ONCALL")
    assert senders.may_send("U0LEAD") and not senders.may_send("U0AGENT")  # before the first refresh
    await senders.refresh()
    assert senders.may_send("U0ONCALL") and not senders.may_send("U0AGENT")
    assert senders.text() == "<@U0LEAD>, <@U0ONCALL>"


async def test_user_groups_are_expanded_through_slack(make: Make, fake_slack: FakeSlack) -> None:
    fake_slack.usergroups["S0SUPPORT"] = ["U0AGENT", "U0ONCALL"]
    senders = make(reply_senders="U0LEAD,S0SUPPORT")
    assert not senders.may_send("U0AGENT") and not senders.may_send("S0SUPPORT")  # not expanded yet
    await senders.refresh()
    assert all(senders.may_send(u) for u in ("U0LEAD", "U0AGENT", "U0ONCALL"))
    assert not senders.may_send("S0SUPPORT") and not senders.may_send("U0OTHER")
    assert [c["usergroup"] for c in fake_slack.calls_of("usergroups.users.list")] == ["S0SUPPORT"]
    assert senders.text() == "<@U0LEAD>, <!subteam^S0SUPPORT>"


async def test_a_group_leaving_is_seen_at_the_next_refresh(make: Make, fake_slack: FakeSlack) -> None:
    fake_slack.usergroups["S0SUPPORT"] = ["U0AGENT"]
    senders = make(reply_senders="S0SUPPORT")
    await senders.refresh()
    assert senders.may_send("U0AGENT")
    fake_slack.usergroups["S0SUPPORT"] = ["U0ONCALL"]
    await senders.refresh()
    assert not senders.may_send("U0AGENT") and senders.may_send("U0ONCALL")


async def test_a_group_that_cannot_be_read_allows_nobody_extra_and_says_so(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    senders = make(reply_senders="U0LEAD,S0GONE")
    with caplog.at_level(logging.ERROR, logger="bot.desk.senders"):
        await senders.refresh()
    assert senders.may_send("U0LEAD") and not senders.may_send("U0AGENT")
    assert (
        "reply senders: user group S0GONE cannot be read" in caplog.text and "no_such_subteam" in caplog.text
    )
