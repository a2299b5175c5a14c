"""The clocks: real time, a scaled clock pinned to a start, a fake clock, and which one the settings choose."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock.clocks import FakeClock, ScaledClock, SystemClock, clock_from
from bot.settings_sources import settings_from
from tests.support.clock import BERLIN, TEAM_TIME


@pytest.mark.wall_clock  # the test is about the system clock itself
def test_the_system_clock_shows_real_time_in_utc() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    after = datetime.now(UTC)
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= after


async def test_the_system_clock_sleeps_in_real_time() -> None:
    clock = SystemClock()
    assert clock.real_seconds(90.0) == 90.0
    started = time.monotonic()
    await clock.sleep(0.05)
    assert time.monotonic() - started >= 0.05


def test_a_scaled_clock_needs_a_positive_speed_and_an_aware_start() -> None:
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(0)
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(-2.0, start=TEAM_TIME)
    with pytest.raises(ValueError, match="timezone"):
        ScaledClock(1.0, start=datetime(2026, 11, 26, 10, 0))


def test_a_scaled_clock_shows_its_start_in_utc_then_runs_speed_times_as_fast() -> None:
    clock = ScaledClock(30.0, start=TEAM_TIME, origin=time.monotonic() - 2.0)
    assert clock.start == TEAM_TIME and clock.start.tzinfo == UTC
    elapsed = (clock.now() - TEAM_TIME).total_seconds()
    assert 60.0 <= elapsed < 60.0 + 30.0 * 5  # two real seconds are a clock minute (plus this test's time)
    assert clock.now().tzinfo == UTC
    assert clock.real_seconds(60.0) == 2.0


def test_a_scaled_clock_without_an_origin_starts_now() -> None:
    clock = ScaledClock(1.0, start=TEAM_TIME)
    assert timedelta(0) <= clock.now() - TEAM_TIME < timedelta(seconds=5)


def test_a_scaled_clock_without_a_start_starts_at_the_real_time() -> None:
    before = datetime.now(UTC)
    clock = ScaledClock(1.0)
    assert before <= clock.start <= datetime.now(UTC)


async def test_a_scaled_clock_sleeps_clock_seconds() -> None:
    clock = ScaledClock(600.0, start=TEAM_TIME)
    started = time.monotonic()
    await clock.sleep(60.0)  # a clock minute is a tenth of a real second
    assert 0.1 <= time.monotonic() - started < 2.0


def test_a_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    assert clock.now() == clock.now() == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert clock.advance(hours=1, minutes=30) == datetime(2026, 11, 26, 10, 30, tzinfo=UTC)
    clock.set(TEAM_TIME)
    assert clock.now() == TEAM_TIME and clock.now().tzinfo == UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set(datetime(2026, 11, 26, 10, 0))
    assert FakeClock().now().tzinfo == UTC


async def test_a_fake_clock_sleeps_without_waiting() -> None:
    clock = FakeClock(TEAM_TIME.astimezone(UTC))
    started = time.monotonic()
    await clock.sleep(3600)
    assert clock.now() == TEAM_TIME + timedelta(hours=1)
    assert time.monotonic() - started < 1.0
    assert clock.real_seconds(3600) == 0.05 and clock.real_seconds(0.01) == 0.01


async def test_a_fake_clock_sleep_lets_other_tasks_run() -> None:
    clock, ran = FakeClock(TEAM_TIME.astimezone(UTC)), []

    async def other() -> None:
        ran.append(True)

    task = asyncio.create_task(other())
    await clock.sleep(1)
    assert ran == [True]
    await task


def test_a_fake_clock_started_in_another_zone_still_shows_utc() -> None:
    clock = FakeClock(datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN))
    assert clock.now().tzinfo == UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        FakeClock(datetime(2026, 11, 26, 10, 0))


def test_without_a_pinned_start_the_bot_runs_on_real_time() -> None:
    assert isinstance(clock_from(settings_from()), SystemClock)


def test_a_pinned_start_gives_a_clock_that_continues_from_its_origin(
    caplog: pytest.LogCaptureFixture,
) -> None:
    origin = time.monotonic() - 90.0
    with caplog.at_level(logging.WARNING, logger="bot.clock.clocks"):
        clock = clock_from(settings_from(clock_start=TEAM_TIME.isoformat(), clock_origin=origin))
    assert isinstance(clock, ScaledClock)
    assert clock.speed == 1.0 and clock.start == TEAM_TIME and clock.origin == origin
    assert timedelta(seconds=90) <= clock.now() - TEAM_TIME < timedelta(seconds=120)
    [record] = [r for r in caplog.records if r.name == "bot.clock.clocks"]
    assert "the clock is pinned" in record.getMessage() and TEAM_TIME.isoformat() in record.getMessage()
