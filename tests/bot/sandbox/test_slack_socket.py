"""The stand-in's Socket Mode: envelopes delivered to the real client and its acknowledgements returned."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from bot.sandbox.slack_api import FakeSlack
from tests.bot.sandbox.test_slack_api import client_of


async def test_socket_mode_delivers_envelopes_and_returns_the_acknowledgement(fake_slack: FakeSlack) -> None:
    url = (
        await client_of(fake_slack, fake_slack.app_token).apps_connections_open(
            app_token=fake_slack.app_token
        )
    )["url"]
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:

        async def app() -> dict[str, Any]:
            envelope: dict[str, Any] = await ws.receive_json()
            await ws.send_json({"envelope_id": envelope["envelope_id"], "payload": {"text": "got it"}})
            return envelope

        listener = asyncio.create_task(app())
        ack = await fake_slack.send_envelope("slash_commands", {"command": "/order"})
        envelope = await listener
        assert envelope["type"] == "slash_commands" and envelope["payload"] == {"command": "/order"}
        assert envelope["accepts_response_payload"] is True
        assert ack == {"envelope_id": envelope["envelope_id"], "payload": {"text": "got it"}}
        with pytest.raises(TimeoutError):  # nobody answers this one
            await fake_slack.send_envelope("events_api", {"event": {}}, timeout=0.3)
    await fake_slack.wait_for(lambda: not fake_slack.socket_connected.is_set(), timeout=5)
