"""On-call rotation: handoffs (across DST), overrides, the upcoming schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock.oncall import Override, Rotation, on_call, schedule

BERLIN = ZoneInfo("Europe/Berlin")
ROTA = Rotation.parse(["UA", "UB", "UC"], "mon 09:00", 7, BERLIN)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def test_handoff_happens_on_the_weekday_at_local_time() -> None:
    assert on_call(ROTA, [], at("2026-11-23T08:59")).user == "UA"  # type: ignore[union-attr]
    assert on_call(ROTA, [], at("2026-11-23T09:00")).user == "UB"  # type: ignore[union-attr]
    assert on_call(ROTA, [], at("2026-11-29T23:59")).user == "UB"  # type: ignore[union-attr]
    assert on_call(ROTA, [], at("2026-11-30T09:00")).user == "UC"  # type: ignore[union-attr]
    assert on_call(ROTA, [], at("2026-12-07T09:00")).user == "UA"  # type: ignore[union-attr]


def test_handoff_stays_at_9_local_across_daylight_saving() -> None:
    shift = on_call(ROTA, [], at("2026-03-30T10:00"))  # the Monday after spring forward
    assert (
        shift is not None
        and shift.start == at("2026-03-30T09:00")
        and shift.start.utcoffset() == timedelta(hours=2)
    )
    before = on_call(ROTA, [], at("2026-03-29T12:00"))
    assert (
        before is not None
        and before.end == shift.start
        and before.end.astimezone(UTC) - before.start.astimezone(UTC)
        == timedelta(days=7, hours=-1)  # 1 h short
    )


def test_overrides_win_and_the_latest_wins() -> None:
    sunday = Override("UC", at("2026-11-29T00:00"), at("2026-11-30T00:00"))
    afternoon = Override("UA", at("2026-11-29T12:00"), at("2026-11-29T18:00"))
    assert on_call(ROTA, [sunday], at("2026-11-29T10:00")).user == "UC"  # type: ignore[union-attr]
    assert on_call(ROTA, [sunday, afternoon], at("2026-11-29T13:00")).user == "UA"  # type: ignore[union-attr]
    assert on_call(ROTA, [sunday, afternoon], at("2026-11-28T13:00")).user == "UB"  # type: ignore[union-attr]
    assert on_call(None, [], at("2026-11-28T13:00")) is None


def test_schedule_lists_the_next_shifts_with_overrides() -> None:
    sunday = Override("UC", at("2026-11-29T00:00"), at("2026-11-30T00:00"))
    shifts = schedule(ROTA, [sunday], at("2026-11-25T12:00"), 4)
    assert [(s.user, s.override) for s in shifts] == [
        ("UB", False),
        ("UC", True),
        ("UB", False),
        ("UC", False),
    ]


def test_bad_settings_are_explained() -> None:
    with pytest.raises(ValueError, match="mon 09:00"):
        Rotation.parse(["UA"], "monday", 7, BERLIN)
