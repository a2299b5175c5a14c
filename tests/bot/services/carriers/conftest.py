"""Shared by the carrier tests: parcels on the stand-ins' pinned clock, an HTTP client, and a Tracker that never waits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, timedelta

import httpx
import pytest

from bot.sandbox.fake_services import FakeServices, Parcel, ParcelEvent
from bot.services.carriers.tracker import Tracker, providers_from
from bot.settings_sources import settings_from
from tests.support.clock import TEAM_TIME

NOW = TEAM_TIME.astimezone(UTC)  # the stand-ins run on the pinned clock
DHL_NUMBER = "00340434161094042557"
UPS_NUMBER = "1Z999AA10123456784"
WAITS: list[float] = []  # what no_wait was asked to sleep, in order (clear it before counting)


def parcel(number: str, carrier: str, *events: ParcelEvent, eta: float | None = 48) -> Parcel:
    """A parcel the stand-ins know, shipped 30 hours before NOW, with these scans."""
    return Parcel(number, carrier, NOW - timedelta(hours=30), list(events), eta_hours=eta)


async def no_wait(seconds: float) -> None:
    """A sleep that only notes in WAITS how long it was asked to wait."""
    WAITS.append(seconds)


def tracker(services: FakeServices, http: httpx.AsyncClient, **extra: object) -> Tracker:
    """A Tracker over every stand-in (three attempts, no real waits); `extra` settings override theirs."""
    settings = settings_from(**{**services.urls(services.base_url), **extra})
    return Tracker(settings, providers_from(settings, http), attempts=3, sleep=no_wait)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=2.0) as client:
        yield client
