"""Time is injected: the bot reads the wall clock only through a Clock, and tests pin that clock."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_deps
from bot.clock.clocks import ScaledClock, SystemClock, clock_from
from bot.settings_sources import settings_from
from tests.support.clock import TEAM_TIME, WallClockWatch, clock_env, pinned_clock

ROOT = Path(__file__).resolve().parents[1]
WALL_CLOCK = re.compile(
    r"\b(?:datetime\.now\(|datetime\.utcnow\(|date\.today\(|time\.time\(|time\.time_ns\()"
)
# Where production code may read real time, and why: anything else must ask its Clock.
ALLOWED = {
    "bot/clock/clocks.py": "the clocks themselves",
    "bot/app.py": "APScheduler's real-time triggers (the job asks the Clock what is due)",
    "jobs/sla.py": "APScheduler's real-time date trigger for the next due notification",
    "bot/services/carriers/direct.py": "a request id for the carrier's API",
    "bot/sandbox/slack_api.py": "Slack's side: message timestamps",
    "bot/sandbox/people.py": "Slack's side: request signatures and event times are real time",
    "bot/sandbox/world.py": "a unique Maildir file name",
    "bot/sandbox/fake_services.py": "the stand-ins' default clock when none is given",
    "bot/sandbox/mail_sink.py": "the relay stand-in's default clock when none is given",
}


def test_production_code_reads_real_time_only_where_allowed() -> None:
    found = {
        str(path.relative_to(ROOT))
        for folder in ("bot", "handlers", "jobs")
        for path in (ROOT / folder).rglob("*.py")
        if WALL_CLOCK.search(path.read_text(encoding="utf-8"))
    }
    assert found - set(ALLOWED) == set(), "read the time from the injected Clock instead"


@pytest.mark.wall_clock  # the watch under test is installed by the test itself
def test_the_watch_catches_a_bot_built_without_a_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = WallClockWatch().install(monkeypatch)
    assert watch.failure() is None
    deps = build_deps(settings_from(database_path=tmp_path / "b.db", slack_channel="C0INBOX"))
    try:
        deps.clock.now()
    finally:
        deps.store.close()
    failure = watch.failure()
    assert failure is not None and "wall_clock" in failure and "test_wall_clock.py" in failure


def test_the_pinned_clock_starts_at_team_time_and_moves() -> None:
    clock = pinned_clock()
    assert timedelta(0) <= clock.now() - TEAM_TIME < timedelta(minutes=10)
    assert (
        TEAM_TIME.weekday() == 3 and TEAM_TIME.hour == 10
    )  # a Thursday morning, away from handoffs and digests


def test_a_bot_in_another_process_continues_the_same_clock() -> None:
    clock = ScaledClock(1.0, start=datetime(2026, 11, 26, 9, tzinfo=UTC), origin=100.0)
    settings = settings_from(**{k.removeprefix("INBOX_BOT_").lower(): v for k, v in clock_env(clock).items()})
    again = clock_from(settings)
    assert isinstance(again, ScaledClock)
    assert abs((again.now() - clock.now()).total_seconds()) < 1


def test_a_start_without_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        settings_from(clock_start="2026-11-26T10:00:00")


@pytest.mark.wall_clock
def test_marked_tests_may_read_real_time() -> None:
    assert abs((SystemClock().now() - datetime.now(UTC)).total_seconds()) < 5


def test_a_wall_clock_run_really_moves_the_wall_clock(request: pytest.FixtureRequest) -> None:
    """Under `--wall-clock-at`, the real-world clock and the local timezone are those of the moment."""
    callspec = getattr(request.node, "callspec", None)
    moment = callspec.params.get("_wall_moment") if callspec else None
    if moment is None:
        pytest.skip("runs under --wall-clock-at (tests/run.sh runs it there)")
    import time

    assert timedelta(0) <= datetime.now(UTC) - moment < timedelta(minutes=5)
    assert time.localtime().tm_gmtoff == moment.utcoffset().total_seconds()
    assert abs((pinned_clock().now() - TEAM_TIME).total_seconds()) < 300  # the bot's clock stays pinned
