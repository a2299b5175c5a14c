"""The tests' pinned clock: the whole bot runs at a fixed team time unless a test is about the date.

TEAM_TIME is a Thursday 10:00 in Europe/Berlin: no on-call handoff (Monday 09:00), daily digest (08:00), weekly
report (Monday) or case reminder is near it, and every fixture mail (dated 23-24 November 2026) is more than a day
older, so the bot takes its arrival from the mailbox as it would for fresh mail. It lies in the past, so a mail
server's or file system's real timestamps are always after it, whatever day the tests run.
"""

from __future__ import annotations

import time
import traceback
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.clock.clocks import ScaledClock, SystemClock

BERLIN = ZoneInfo("Europe/Berlin")
TEAM_TIME = datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)

_origin: float | None = None


def start_pinned_clock() -> None:
    """Pin the clock of the test about to run: from now on it shows TEAM_TIME plus the time the test has taken."""
    global _origin
    _origin = time.monotonic()


def pinned_clock() -> ScaledClock:
    """The running test's clock: TEAM_TIME at the test's start, moving at real speed (one clock per test)."""
    return ScaledClock(1.0, start=TEAM_TIME, origin=time.monotonic() if _origin is None else _origin)


def clock_env(clock: ScaledClock) -> dict[str, str]:
    """The environment that pins a bot in another process to `clock` (a restart continues it)."""
    if clock.speed != 1.0:
        raise ValueError("a bot in another process runs at real speed")
    return {"INBOX_BOT_CLOCK_START": clock.start.isoformat(), "INBOX_BOT_CLOCK_ORIGIN": repr(clock.origin)}


class WallClockWatch:
    """Records every time the bot reads the wall clock through `SystemClock` while installed."""

    def __init__(self) -> None:
        self.reads: list[str] = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> WallClockWatch:
        """Watch `SystemClock.now` until the monkeypatch is undone (the read still returns the real time)."""
        real_now = SystemClock.now

        def watched(clock: SystemClock) -> Any:
            self.reads.append("".join(traceback.format_stack(limit=10)[:-1]))
            return real_now(clock)

        monkeypatch.setattr(SystemClock, "now", watched)
        return self

    def failure(self) -> str | None:
        """What to tell the test's author, or None when the wall clock was never read."""
        if not self.reads:
            return None
        return (
            f"the bot read the wall clock {len(self.reads)} time(s) (SystemClock.now): give it the test's pinned "
            f"clock (tests.support.clock.pinned_clock) or mark the test @pytest.mark.wall_clock if it is about "
            f"real time. First read:\n{self.reads[0]}"
        )


# Real-world moments the scenario tests are also run at (`pytest --wall-clock-at=all`, see tests/run.sh): time-machine
# moves the wall clock (and the local timezone) there while each test runs. Each starts a second before the boundary
# it is about, so a test is running when the boundary passes.
UTC_ZONE = ZoneInfo("UTC")
WALL_MOMENTS: dict[str, datetime] = {
    "berlin-monday-0759-digest-and-report": datetime(2026, 12, 7, 7, 59, 59, tzinfo=BERLIN),
    "berlin-monday-0859-handoff": datetime(2026, 12, 7, 8, 59, 59, tzinfo=BERLIN),
    "berlin-monday-0901": datetime(2026, 12, 7, 9, 1, tzinfo=BERLIN),
    "berlin-sunday-2359": datetime(2026, 12, 6, 23, 59, 59, tzinfo=BERLIN),
    "berlin-dst-spring-night": datetime(
        2027, 3, 28, 1, 59, 59, tzinfo=BERLIN
    ),  # 02:00 CET becomes 03:00 CEST
    "berlin-dst-autumn-night": datetime(
        2027, 10, 31, 2, 59, 59, tzinfo=BERLIN
    ),  # 03:00 CEST becomes 02:00 CET
    "berlin-new-year": datetime(2026, 12, 31, 23, 59, 59, tzinfo=BERLIN),
    "utc-monday-0859": datetime(2026, 12, 7, 8, 59, 59, tzinfo=UTC_ZONE),
    "utc-sunday-2359": datetime(2026, 12, 6, 23, 59, 59, tzinfo=UTC_ZONE),
    "utc-new-year": datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC_ZONE),
}


def wall_moments(spec: str) -> dict[str, datetime]:
    """The moments named by `--wall-clock-at`: 'all', names from WALL_MOMENTS, or ISO 8601 times, comma-separated."""
    out: dict[str, datetime] = {}
    for item in (s.strip() for s in spec.split(",") if s.strip()):
        if item == "all":
            out.update(WALL_MOMENTS)
        elif item in WALL_MOMENTS:
            out[item] = WALL_MOMENTS[item]
        else:
            when = datetime.fromisoformat(item)
            if when.tzinfo is None:
                raise ValueError(f"--wall-clock-at {item!r}: give an offset or use a name from WALL_MOMENTS")
            out[item] = when
    return out
