"""The tracking refresh job: due packages are looked up again, one sweep at a time, and a failing sweep is logged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import build_deps
from bot.deps import Deps
from bot.sandbox.fake_services import FakeServices, Parcel, ParcelEvent
from bot.store.store import iso, parse_iso
from jobs.tracking import refresh_tracking
from tests.conftest import make_settings
from tests.support.clock import pinned_clock

ORDER = "302-1234567-1234567"
PARCEL = "00340434161094042557"


@pytest.fixture
async def deps(tmp_path: Path, fake_services: FakeServices) -> AsyncIterator[Deps]:
    """The bot's core with DHL's stand-in as the only tracking provider, and one DHL parcel on its way."""
    now = pinned_clock().now()
    fake_services.parcels[PARCEL] = Parcel(
        PARCEL,
        "dhl",
        now - timedelta(days=1),
        [
            ParcelEvent(0, "pre-transit", "Die Sendung wurde elektronisch angekündigt."),
            ParcelEvent(20, "transit", "Die Sendung wurde im Start-Paketzentrum bearbeitet.", "Hamburg, DE"),
        ],
        eta_hours=48,
    )
    urls = fake_services.urls(fake_services.base_url)
    settings = make_settings(tmp_path, dhl_api_url=urls["dhl_api_url"], dhl_api_key=urls["dhl_api_key"])
    deps = build_deps(settings, clock=pinned_clock())
    yield deps
    await deps.enricher.close()
    await deps.http.aclose()
    deps.store.close()


def due_parcel(deps: Deps) -> int:
    return deps.store.upsert_package(
        order_id=ORDER,
        tracking_number=PARCEL,
        carrier="dhl",
        status="label_created",
        next_check_at=iso(deps.clock.now() - timedelta(minutes=1)),
    )


async def test_a_due_package_is_looked_up_and_planned_again(
    deps: Deps, fake_services: FakeServices, caplog: pytest.LogCaptureFixture
) -> None:
    package = due_parcel(deps)
    with caplog.at_level(logging.INFO, logger="jobs.tracking"):
        assert await refresh_tracking(deps) == 1
    assert "tracking refresh: 1 lookup(s)" in caplog.text
    row = deps.store.package(package_id=package)
    assert row is not None and row["status"] == "in_transit" and row["error"] is None
    next_check = parse_iso(row["next_check_at"])
    assert next_check is not None and next_check > deps.clock.now()
    assert [service for service, _ in fake_services.calls] == ["dhl"]
    assert await refresh_tracking(deps) == 0  # nothing due any more
    assert len(fake_services.calls) == 1


async def test_two_sweeps_at_once_look_each_package_up_once(deps: Deps, fake_services: FakeServices) -> None:
    due_parcel(deps)
    fake_services.delays["dhl"] = 0.3  # the first sweep is still waiting for DHL when the second starts
    counts = await asyncio.gather(refresh_tracking(deps), refresh_tracking(deps))
    assert sorted(counts) == [0, 1]
    assert [service for service, _ in fake_services.calls] == ["dhl"]


async def test_a_failing_sweep_is_logged_and_counts_nothing(
    deps: Deps, fake_services: FakeServices, caplog: pytest.LogCaptureFixture
) -> None:
    due_parcel(deps)
    deps.store.close()  # the database is gone: the sweep cannot even read what is due
    with caplog.at_level(logging.ERROR, logger="jobs.tracking"):
        assert await refresh_tracking(deps) == 0
    assert "tracking refresh sweep failed" in caplog.text
    assert fake_services.calls == []
