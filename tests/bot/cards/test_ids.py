"""Every action id and modal id the cards use has a listener: a click on any of the bot's buttons is handled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.app import build_deps, create_app
from bot.cards.ids import ActionId, ViewId
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import make_settings
from tests.support.clock import pinned_clock

SUFFIXED = {
    ActionId.TEMPLATE: ":invoice_request",
    ActionId.OPEN_TRACKING: ":0",
    ActionId.FOLLOW_UP_SNOOZE: ":4",
}


def _click(action_id: str, slack: FakeSlack) -> dict[str, Any]:
    return {
        "response_url": slack.response_url("U0AGENT", "C0INBOX"),
        "type": "block_actions",
        "user": {"id": "U0AGENT"},
        "team": {"id": "T0TEAM"},
        "channel": {"id": "C0INBOX"},
        "message": {"ts": "1700000000.000100"},
        "container": {"type": "message", "channel_id": "C0INBOX", "message_ts": "1700000000.000100"},
        "trigger_id": "1.2.3",
        "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": "1"}],
    }


@pytest.mark.slack_refusals  # the listeners answer a click on an unknown card; only the routing matters here
@pytest.mark.parametrize("action", list(ActionId), ids=lambda a: a.value)
async def test_every_action_id_reaches_a_listener(
    tmp_path: Path, fake_slack: FakeSlack, action: ActionId
) -> None:
    deps = build_deps(make_settings(tmp_path, fake_slack), clock=pinned_clock())
    app = create_app(deps.settings, deps)
    body = _click(action.value + SUFFIXED.get(action, ""), fake_slack)
    response = await app.async_dispatch(AsyncBoltRequest(body="payload=" + json.dumps(body), mode="http"))
    assert response.status != 404, f"no listener for {action.value}"
    unknown = await app.async_dispatch(
        AsyncBoltRequest(body="payload=" + json.dumps(_click("no_such_button", fake_slack)), mode="http")
    )
    assert unknown.status == 404  # the check above can fail: an id nobody listens for is not handled
    await deps.http.aclose()


@pytest.mark.slack_refusals
@pytest.mark.parametrize("view", list(ViewId), ids=lambda v: v.value)
async def test_every_modal_id_reaches_a_listener(tmp_path: Path, fake_slack: FakeSlack, view: ViewId) -> None:
    deps = build_deps(make_settings(tmp_path, fake_slack), clock=pinned_clock())
    app = create_app(deps.settings, deps)
    body = {
        "type": "view_submission",
        "user": {"id": "U0AGENT"},
        "team": {"id": "T0TEAM"},
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": view.value,
            "private_metadata": "{}",
            "state": {"values": {}},
        },
    }
    response = await app.async_dispatch(AsyncBoltRequest(body="payload=" + json.dumps(body), mode="http"))
    assert response.status != 404, f"no listener for {view.value}"
    await deps.http.aclose()
