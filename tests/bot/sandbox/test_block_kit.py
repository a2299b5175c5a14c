"""Slack's Block Kit limits as the stand-in checks them: what Slack would refuse is named and refused."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.block_kit import block_problem
from bot.sandbox.slack_api import FakeSlack


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(label: str) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": "a"}


@pytest.mark.parametrize(
    ("block", "why"),
    [
        (section("x" * 3001), "3000"),
        ({"type": "section"}, "text or fields"),
        ({"type": "actions", "elements": [button("y" * 76)]}, "75"),
        ({"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}, "150"),
        ({"type": "bogus"}, "unknown block type"),
        ({"type": "context", "elements": []}, "1 to 10"),
        (section(""), "1 to 3000"),
        ({"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}, "2,000"),
    ],
)
def test_blocks_slack_would_refuse_are_named(block: dict[str, Any], why: str) -> None:
    assert why in (block_problem(block) or "")


def test_good_blocks_pass() -> None:
    assert block_problem(section("Hello")) is None
    assert block_problem({"type": "actions", "elements": [button("Send")]}) is None


@pytest.mark.slack_refusals
async def test_the_stand_in_answers_as_slack_does(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url)
    with pytest.raises(SlackApiError) as e:
        await client.chat_postMessage(channel="C0INBOX", text="t", blocks=[section("x" * 3001)])
    assert e.value.response["error"] == "invalid_blocks"
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "A title longer than 24 chars"},
        "blocks": [section("x")],
    }
    with pytest.raises(SlackApiError) as e:
        await client.views_open(trigger_id=fake_slack.new_trigger("U0AGENT"), view=modal)
    assert e.value.response["error"] == "invalid_arguments"
    home = {"type": "home", "blocks": [section("x")] * 101}
    with pytest.raises(SlackApiError) as e:
        await client.views_publish(user_id="U0AGENT", view=home)
    assert e.value.response["error"] == "invalid_blocks"
    assert len(fake_slack.refused) == 3 and "title" in fake_slack.refused[1]
    with pytest.raises(SlackApiError) as e:
        await client.chat_postMessage(channel="C0INBOX", text="t", blocks=[section("x")] * 51)
    assert e.value.response["error"] == "invalid_blocks"
    posted = await client.chat_postMessage(channel="C0INBOX", text="t", blocks=[section("x")])
    with pytest.raises(SlackApiError) as e:  # a card's redraw is checked like its first post
        await client.chat_update(channel="C0INBOX", ts=posted["ts"], text="t", blocks=[section("x" * 3001)])
    assert e.value.response["error"] == "invalid_blocks"
