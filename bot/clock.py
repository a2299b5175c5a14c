"""Injected time: every part of the bot asks a Clock, never datetime.now()."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

log = logging.getLogger(__name__)


class Clock(Protocol):
    """What the bot needs to know about time."""

    def now(self) -> datetime:
        """The current time, timezone-aware in UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait for the given number of clock seconds."""
        ...

    def real_seconds(self, clock_seconds: float) -> float:
        """How many wall-clock seconds pass while this clock moves `clock_seconds` (for real timers)."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        """Sleep in real time."""
        await asyncio.sleep(seconds)

    def real_seconds(self, clock_seconds: float) -> float:
        """Real time is clock time."""
        return clock_seconds


class ScaledClock:
    """A clock that runs `speed` times faster than real time from a start point (the demo's --speed)."""

    def __init__(self, speed: float, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._origin_wall = time.monotonic()
        self._origin = start or datetime.now(UTC)

    def now(self) -> datetime:
        """Scaled time since the start point."""
        return self._origin + timedelta(seconds=(time.monotonic() - self._origin_wall) * self.speed)

    async def sleep(self, seconds: float) -> None:
        """Sleep `seconds` of scaled time."""
        await asyncio.sleep(seconds / self.speed)

    def real_seconds(self, clock_seconds: float) -> float:
        """Scaled time passes `speed` times faster."""
        return clock_seconds / self.speed


class FakeClock:
    """A clock for tests: it moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        """The fake current time."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to a point in time."""
        if when.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware datetime")
        self._now = when.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        """Move forward by a timedelta given as keyword arguments."""
        self._now += timedelta(**delta)
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Advance by `seconds` and yield to the loop once."""
        self._now += timedelta(seconds=seconds)
        await asyncio.sleep(0)

    def real_seconds(self, clock_seconds: float) -> float:
        """A fake clock only moves when told: real timers should check back soon."""
        return min(clock_seconds, 0.05)
