"""Fixtures of the sandbox's tests: the Amazon and carrier stand-ins on a clock the test moves, and a modal to open."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.sandbox.fake_services import FakeServices
from tests.bot.sandbox.test_fake_services import Now

# a reply modal with one text field, for the tests of opening, pushing and submitting views
MODAL = {
    "type": "modal",
    "callback_id": "reply",
    "title": {"type": "plain_text", "text": "Reply"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "body",
            "label": {"type": "plain_text", "text": "Text"},
            "element": {"type": "plain_text_input", "action_id": "text", "initial_value": "Hello"},
        }
    ],
}


@pytest.fixture
def now() -> Now:
    return Now()


@pytest.fixture
async def services(now: Now) -> AsyncIterator[FakeServices]:
    served = await FakeServices(clock=now).start()
    yield served
    await served.stop()


@pytest.fixture
async def http(services: FakeServices) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=services.base_url, timeout=5) as client:
        yield client
