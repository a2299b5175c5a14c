"""The clock's pure parts: deadlines over weekends and DST, stages, the notification plan, business hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock.sla import (
    AMAZON_RESPONSE_HOURS,
    Action,
    BusinessHours,
    Policy,
    Stage,
    deadline_for,
    next_after,
    plan,
    response_hours,
    stage_at,
)
from tests.conftest import make_settings

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("received", "expected_local"),
    [
        # Saturday night: Sunday counts, the deadline is Sunday night.
        (datetime(2026, 11, 21, 23, 30, tzinfo=BERLIN), datetime(2026, 11, 22, 23, 30, tzinfo=BERLIN)),
        # Spring forward in Berlin (29 Mar 2026, 02:00 → 03:00): 24 real hours end at 01:00+1h on the wall clock.
        (datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN), datetime(2026, 3, 29, 13, 0, tzinfo=BERLIN)),
        # Fall back in Berlin (25 Oct 2026): the wall clock shows one hour earlier.
        (datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN), datetime(2026, 10, 25, 11, 0, tzinfo=BERLIN)),
        # New York: spring forward 8 Mar 2026, fall back 1 Nov 2026.
        (datetime(2026, 3, 7, 9, 0, tzinfo=NEW_YORK), datetime(2026, 3, 8, 10, 0, tzinfo=NEW_YORK)),
        (datetime(2026, 10, 31, 9, 0, tzinfo=NEW_YORK), datetime(2026, 11, 1, 8, 0, tzinfo=NEW_YORK)),
    ],
)
def test_deadline_is_24_real_hours_whatever_the_calendar(
    received: datetime, expected_local: datetime
) -> None:
    deadline = deadline_for(received)
    assert deadline - received == timedelta(hours=24)
    assert deadline.astimezone(received.tzinfo) == expected_local
    assert deadline.astimezone(received.tzinfo).replace(tzinfo=None) == expected_local.replace(tzinfo=None)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        deadline_for(datetime(2026, 11, 24, 9, 0))


def test_stages_follow_the_time_left() -> None:
    policy = Policy()
    deadline = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert [
        stage_at(deadline, deadline - left, policy)
        for left in (
            timedelta(hours=7),
            timedelta(hours=6),
            timedelta(hours=2, minutes=1),
            timedelta(hours=2),
            timedelta(minutes=30),
            timedelta(seconds=1),
            timedelta(0),
            -timedelta(hours=5),
        )
    ] == [
        Stage.FRESH,
        Stage.DUE_SOON,
        Stage.DUE_SOON,
        Stage.URGENT,
        Stage.CRITICAL,
        Stage.CRITICAL,
        Stage.BREACHED,
        Stage.BREACHED,
    ]


def test_plan_with_repeats_until_the_next_stage() -> None:
    opened = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    deadline = deadline_for(opened)
    planned = plan(opened, deadline, Policy(), until=deadline + timedelta(minutes=90))
    assert [(p.at - opened, p.stage, p.seq) for p in planned] == [
        (timedelta(hours=18), Stage.DUE_SOON, 0),
        (timedelta(hours=22), Stage.URGENT, 0),
        (timedelta(hours=23), Stage.URGENT, 1),
        (timedelta(hours=23, minutes=30), Stage.CRITICAL, 0),
        (timedelta(hours=23, minutes=45), Stage.CRITICAL, 1),
        (timedelta(hours=24), Stage.BREACHED, 0),
        (timedelta(hours=25), Stage.BREACHED, 1),
    ]
    assert Action.CARD in planned[1].actions and Action.CARD not in planned[2].actions  # repeats only remind
    assert next_after(
        opened, deadline, Policy(), after=opened + timedelta(hours=22), horizon=timedelta(days=2)
    ) == opened + timedelta(hours=23)


def test_a_late_arrival_skips_stages_that_were_already_over() -> None:
    received = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    opened = received + timedelta(hours=23)  # the mail reached the bot with one hour left
    planned = plan(opened, deadline_for(received), Policy(), until=opened)
    assert [(p.stage, p.at) for p in planned] == [(Stage.URGENT, opened)]


def test_business_hours() -> None:
    hours = BusinessHours.parse("mon-fri 08:00-18:00", BERLIN)
    assert hours.open_at(datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN))  # Tuesday
    assert not hours.open_at(datetime(2026, 11, 24, 19, 0, tzinfo=BERLIN))
    assert not hours.open_at(datetime(2026, 11, 22, 10, 0, tzinfo=BERLIN))  # Sunday
    assert not hours.open_at(datetime(2026, 11, 24, 18, 0, tzinfo=BERLIN))  # the end is exclusive
    # The bot's clock is UTC: 17:30 UTC is 18:30 in Berlin (closed), 07:30 UTC is 08:30 (open).
    assert not hours.open_at(datetime(2026, 11, 24, 17, 30, tzinfo=UTC))
    assert hours.open_at(datetime(2026, 11, 24, 7, 30, tzinfo=UTC))
    weekend = BusinessHours.parse("sat-sun 10:00-14:00", BERLIN)
    assert weekend.open_at(datetime(2026, 11, 22, 11, 0, tzinfo=BERLIN))
    with pytest.raises(ValueError, match="mon-fri 08:00-18:00"):
        BusinessHours.parse("weekdays", BERLIN)


def test_one_rule_chooses_every_window(tmp_path: Path) -> None:
    """Buyer messages and unreadable mails run the team's window; a notice only its own; other mail none."""
    settings = make_settings(tmp_path, response_hours=12, notice_deadlines="a_to_z_claim=48")
    assert response_hours(settings, kind="buyer") == 12.0
    assert response_hours(settings, kind="raw") == 12.0
    assert response_hours(settings, kind="notice", notice_type="a_to_z_claim") == 48.0
    assert response_hours(settings, kind="notice", notice_type="refund_issued") is None
    assert response_hours(settings, kind="other") is None
    arrived = datetime(2027, 3, 27, 12, 0, tzinfo=UTC)  # the DST night in Berlin is inside the window
    assert deadline_for(arrived, 12.0) - arrived == timedelta(hours=12)
    assert deadline_for(arrived) - arrived == timedelta(hours=AMAZON_RESPONSE_HOURS)


def test_open_time_between_two_moments_counts_only_working_hours() -> None:
    from zoneinfo import ZoneInfo

    from bot.clock.sla import BusinessHours

    berlin = ZoneInfo("Europe/Berlin")
    hours = BusinessHours.parse("mon-fri 08:00-18:00", berlin)
    friday = datetime(2026, 11, 27, 17, 0, tzinfo=berlin)
    assert hours.open_between(friday, friday + timedelta(days=3, hours=15)) == timedelta(
        hours=11
    )  # Fri 1 + Mon 10
    assert hours.open_between(friday, friday) == timedelta(0)
    dst = datetime(2026, 3, 27, 17, 0, tzinfo=berlin)  # the weekend the clocks go forward
    monday_six = (dst.astimezone(UTC) + timedelta(hours=72)).astimezone(berlin)  # 72 elapsed hours: Mon 18:00
    assert monday_six.hour == 18 and hours.open_between(dst, monday_six) == timedelta(hours=11)
