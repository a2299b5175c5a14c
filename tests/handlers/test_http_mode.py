"""HTTP mode: the bot serves /slack/events and takes only requests signed as Slack signs them."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import aiohttp
import pytest

from bot.sandbox.people import DeliveryError, People, sign
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import make_settings, running_bot


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_signed_events_are_taken_and_unsigned_stale_or_forged_refused(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    port = free_port()
    settings = make_settings(
        tmp_path,
        fake_slack,
        slack_mode="http",
        slack_signing_secret=fake_slack.signing_secret,
        http_port=port,
    )
    url = f"http://127.0.0.1:{port}/slack/events"
    async with running_bot(settings) as deps:
        await deps.ready.wait()
        people = People(fake_slack, http_url=url)
        card = fake_slack._m_chat_postMessage({"channel": "C0INBOX", "text": "a card"})
        # A properly signed thread message is acknowledged (200, through the registered message listener).
        event = {"type": "message", "channel": "C0INBOX", "user": "U0AGENT", "text": "internal note"}
        await people.send_event({**event, "ts": "1.000001", "thread_ts": card["ts"]})  # raises unless 200

        body = json.dumps({"type": "event_callback", "event": {"type": "message", "text": "x"}})
        async with aiohttp.ClientSession() as session:
            for headers in (
                {},  # unsigned
                sign("wrong-secret", body),  # forged
                sign(fake_slack.signing_secret, body, timestamp=int(time.time()) - 600),  # stale
            ):
                async with session.post(
                    url, data=body, headers={"content-type": "application/json", **headers}
                ) as response:
                    assert response.status == 401, headers

        fake_slack.signing_secret = "not-the-bots-secret"  # the stand-in now signs with another secret
        with pytest.raises(DeliveryError, match="401"):
            await people.send_event({**event, "ts": "1.000002"})
