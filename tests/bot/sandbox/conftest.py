"""Fixtures of the sandbox's tests: the Amazon and carrier stand-ins on a clock the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.sandbox.fake_services import FakeServices
from tests.bot.sandbox.test_fake_services import Now


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
