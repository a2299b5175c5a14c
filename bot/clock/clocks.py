"""Injected time: every part of the bot asks a Clock, never datetime.now()."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.settings import Settings

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
    """A clock that starts at a given moment and runs `speed` times as fast as real time.

    The demo's `--start`/`--speed`, and tests that run the whole bot pinned to a fixed team time. `origin` is the
    `time.monotonic()` reading at which the clock shows `start` (default: now); on Linux that reading is shared by
    every process, so a bot restarted in another process continues the same clock instead of starting over.
    """

    def __init__(
        self, speed: float = 1.0, start: datetime | None = None, origin: float | None = None
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        if start is not None and start.tzinfo is None:
            raise ValueError("the clock's start needs a timezone")
        self.speed = speed
        self.origin = time.monotonic() if origin is None else origin
        self.start = (start or datetime.now(UTC)).astimezone(UTC)

    def now(self) -> datetime:
        """Scaled time since the start point."""
        return self.start + timedelta(seconds=(time.monotonic() - self.origin) * self.speed)

    async def sleep(self, seconds: float) -> None:
        """Sleep `seconds` of scaled time."""
        await asyncio.sleep(seconds / self.speed)

    def real_seconds(self, clock_seconds: float) -> float:
        """Scaled time passes `speed` times faster."""
        return clock_seconds / self.speed


class FakeClock:
    """A clock for tests: it moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
        if start is not None:
            self.set(start)

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


def clock_from(settings: Settings) -> Clock:
    """The real clock, or one pinned to INBOX_BOT_CLOCK_START (tests and demos) with a warning in the log."""
    if settings.clock_start is None:
        return SystemClock()
    log.warning(
        "the clock is pinned: it showed %s at start and runs from there (INBOX_BOT_CLOCK_START is for tests "
        "and demos only)",
        settings.clock_start.isoformat(),
    )
    return ScaledClock(1.0, start=settings.clock_start, origin=settings.clock_origin)
