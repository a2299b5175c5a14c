"""The stand-in's modals: trigger ids, views.open/push/update with Slack's stack and hash rules."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.slack_api import FakeSlack
from tests.bot.sandbox.conftest import MODAL
from tests.bot.sandbox.test_slack_api import client_of


async def test_a_trigger_id_works_once_and_expires(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url)
    trigger = fake_slack.new_trigger("U0AGENT")
    assert (await client.views_open(trigger_id=trigger, view=MODAL))["ok"]
    with pytest.raises(Exception, match="invalid_trigger_id"):
        await client.views_open(trigger_id=trigger, view=MODAL)
    old = fake_slack.new_trigger("U0AGENT")
    user, created = fake_slack._triggers[old]
    fake_slack._triggers[old] = (user, created - 4)
    with pytest.raises(Exception, match="expired_trigger_id"):
        await client.views_open(trigger_id=old, view=MODAL)


async def test_modals_stack_up_to_three_and_updates_check_the_hash(fake_slack: FakeSlack) -> None:
    client = client_of(fake_slack)
    opened = (await client.views_open(trigger_id=fake_slack.new_trigger("U0AGENT"), view=MODAL))["view"]
    for _ in range(2):
        await client.views_push(trigger_id=fake_slack.new_trigger("U0AGENT"), view=MODAL)
    with pytest.raises(SlackApiError) as e:
        await client.views_push(trigger_id=fake_slack.new_trigger("U0AGENT"), view=MODAL)
    assert e.value.response["error"] == "push_limit_reached"
    assert len(fake_slack.view_stacks["U0AGENT"]) == 3

    changed = {**MODAL, "title": {"type": "plain_text", "text": "Changed"}}
    with pytest.raises(SlackApiError) as e:
        await client.views_update(view_id=opened["id"], hash="stale", view=changed)
    assert e.value.response["error"] == "hash_conflict"
    updated = (await client.views_update(view_id=opened["id"], hash=opened["hash"], view=changed))["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert fake_slack.views[opened["id"]]["title"]["text"] == "Changed"

    fake_slack.close_views("U0AGENT", all_views=False)
    assert len(fake_slack.view_stacks["U0AGENT"]) == 2
    fake_slack.close_views("U0AGENT")
    assert fake_slack.open_view("U0AGENT") is None
