"""The clock's jobs: the sweep, the timer for the next notification, the on-call group, the daily purge."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.app import build_deps
from bot.clock.clocks import Clock, FakeClock, ScaledClock
from bot.deps import Deps
from bot.sandbox.slack_api import FakeSlack
from bot.store.store import iso
from jobs.sla import NEXT_JOB, purge_daily, refresh_rotation, schedule_next, sla_job, sla_tick
from tests.conftest import make_settings
from tests.support.clock import TEAM_TIME, pinned_clock

Build = Callable[..., Deps]


@pytest.fixture
async def build(tmp_path: Path) -> AsyncIterator[Build]:
    """Deps on a clock (the pinned one by default), closed after the test."""
    built: list[Deps] = []

    def make(*, clock: Clock | None = None, slack: FakeSlack | None = None, **overrides: Any) -> Deps:
        deps = build_deps(make_settings(tmp_path, slack, **overrides), clock=clock or pinned_clock())
        built.append(deps)
        return deps

    yield make
    for deps in built:
        await deps.enricher.close()
        await deps.http.aclose()
        deps.store.close()


@pytest.fixture
async def scheduler() -> AsyncIterator[AsyncIOScheduler]:
    """The bot's kind of scheduler, started paused: jobs are planned but never run."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.start(paused=True)
    yield scheduler
    scheduler.shutdown(wait=False)


def open_conversation(deps: Deps, key: str, deadline: datetime) -> int:
    return deps.store.create_conversation(
        key=key,
        kind="buyer",
        buyer_name="Max Müller",
        opened_at=iso(deadline - timedelta(hours=24)),
        deadline=iso(deadline),
    )


def recorded(deps: Deps, prefix: str) -> list[str]:
    rows = deps.store.conn.execute(
        "SELECT key FROM notifications WHERE key LIKE ? ORDER BY key", [prefix + "%"]
    ).fetchall()
    return [r[0] for r in rows]


def timer(scheduler: AsyncIOScheduler) -> datetime | None:
    job = scheduler.get_job(NEXT_JOB)
    return None if job is None else job.trigger.run_date


async def test_a_sweep_queues_what_is_due_once_and_sets_the_timer_for_the_next(
    build: Build, scheduler: AsyncIOScheduler
) -> None:
    deps = build()
    now = deps.clock.now()
    open_conversation(deps, "k1", now + timedelta(hours=5))  # due soon (6 h before) has begun
    assert sla_tick(deps, scheduler) == 1
    assert deps.store.pending_outbox_count() == 2  # the card's new colour and the reminder in its thread
    # The next notification, urgent at 2 h before the deadline, is 3 h away: the timer fires then, in real time.
    expected = datetime.now(UTC) + timedelta(hours=3)
    run_at = timer(scheduler)
    assert run_at is not None and abs((run_at - expected).total_seconds()) < 5
    assert sla_tick(deps, scheduler) == 0  # each notification once
    assert await sla_job(deps, scheduler) == 0
    assert deps.store.pending_outbox_count() == 2
    assert [j.id for j in scheduler.get_jobs()] == [NEXT_JOB]  # the timer is replaced, never doubled


async def test_the_timer_follows_the_clocks_speed(build: Build, scheduler: AsyncIOScheduler) -> None:
    fast = build(clock=ScaledClock(60.0, start=TEAM_TIME))  # a minute of clock time per real second
    open_conversation(fast, "k1", fast.clock.now() + timedelta(hours=3))
    sla_tick(fast)  # plans the conversation: urgent (2 h before the deadline) is 60 clock minutes away
    schedule_next(fast, scheduler)  # one real minute
    run_at = timer(scheduler)
    assert run_at is not None
    assert abs((run_at - datetime.now(UTC)).total_seconds() - 60) < 5


async def test_nothing_open_sets_no_timer(build: Build, scheduler: AsyncIOScheduler) -> None:
    deps = build()
    assert sla_tick(deps, scheduler) == 0
    assert scheduler.get_jobs() == []


async def test_a_failing_sweep_is_logged_and_the_purge_and_timer_still_happen(
    build: Build,
    scheduler: AsyncIOScheduler,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    deps = build()
    open_conversation(deps, "k1", deps.clock.now() + timedelta(hours=10))
    assert sla_tick(deps) == 0  # planned: due soon in 4 h
    last = deps.metrics.last_sweep
    assert last is not None

    def broken() -> int:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(deps.escalator, "tick", broken)
    with caplog.at_level(logging.ERROR, logger="jobs.sla"):
        assert sla_tick(deps, scheduler) == 0
    assert "SLA sweep failed; the next one tries again" in caplog.text
    assert (
        deps.metrics.last_sweep == last
    )  # a failed sweep is not a fresh one: /readyz goes stale and says so
    assert recorded(deps, "purge:") == ["purge:2026-11-26"]
    run_at = timer(scheduler)
    assert run_at is not None and abs((run_at - datetime.now(UTC) - timedelta(hours=4)).total_seconds()) < 5


class BrokenAutoReplies:
    """An auto-reply pass that fails every time."""

    def run(self) -> int:
        raise RuntimeError("template missing")


async def test_a_failing_auto_reply_pass_does_not_stop_the_sweep(
    build: Build, scheduler: AsyncIOScheduler, caplog: pytest.LogCaptureFixture
) -> None:
    deps = build()
    deps.autoreplier = BrokenAutoReplies()
    open_conversation(deps, "k1", deps.clock.now() + timedelta(hours=5))
    with caplog.at_level(logging.ERROR, logger="jobs.sla"):
        assert sla_tick(deps, scheduler) == 1
    assert "auto-reply pass failed" in caplog.text
    assert timer(scheduler) is not None


def settled(deps: Deps, key: str, ago: timedelta) -> int:
    answered = deps.clock.now() - ago
    conv = deps.store.create_conversation(key=key, kind="buyer", buyer_name="Max Müller")
    deps.store.insert_message(
        message_id=f"<{key}@x>",
        conversation_id=conv,
        direction="in",
        kind="buyer_message",
        received_at=iso(answered - timedelta(hours=1)),
        text="Hallo",
    )
    deps.store.answer(conversation_id=conv, by="U0AGENT", at=answered)
    return conv


def text_of(deps: Deps, conv: int) -> str | None:
    [message] = deps.store.conversation_messages(conversation_id=conv)
    return None if message["text"] is None else str(message["text"])


async def test_the_purge_runs_once_a_day_in_the_teams_timezone(build: Build) -> None:
    clock = FakeClock(TEAM_TIME.astimezone(UTC))  # Thursday 26 Nov 10:00 in Berlin
    deps = build(clock=clock, raw_retention_days=30, timezone="Europe/Berlin")
    old = settled(deps, "old", timedelta(days=31))
    recent = settled(deps, "recent", timedelta(days=30) - timedelta(hours=5))  # past the period at 15:00
    purge_daily(deps)
    assert text_of(deps, old) is None and text_of(deps, recent) == "Hallo"
    clock.advance(hours=11)  # 21:00: past the period now, but today's purge has run
    purge_daily(deps)
    assert text_of(deps, recent) == "Hallo"
    clock.advance(hours=3, minutes=30)  # 23:30 UTC, Friday 00:30 in Berlin: a new day
    purge_daily(deps)
    assert text_of(deps, recent) is None
    assert recorded(deps, "purge:") == ["purge:2026-11-26", "purge:2026-11-27"]


async def test_a_team_on_utc_purges_on_the_utc_day(build: Build) -> None:
    deps = build(clock=FakeClock(datetime(2026, 11, 26, 23, 30, tzinfo=UTC)), timezone="UTC")
    purge_daily(deps)
    assert recorded(deps, "purge:") == ["purge:2026-11-26"]


async def test_the_rotation_comes_from_the_slack_user_group(build: Build, fake_slack: FakeSlack) -> None:
    fake_slack.usergroups["S0ONCALL"] = ["U0AGENT", "U0LEAD"]
    deps = build(slack=fake_slack, oncall_usergroup="S0ONCALL", oncall_members="U0ONCALL")
    assert deps.escalator.members == ["U0ONCALL"]
    await refresh_rotation(deps)
    assert deps.escalator.members == ["U0AGENT", "U0LEAD"]
    assert deps.escalator.on_call() in {"U0AGENT", "U0LEAD"}


async def test_an_unreadable_user_group_keeps_the_rotation(
    build: Build, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    deps = build(slack=fake_slack, oncall_usergroup="S0GONE", oncall_members="U0ONCALL")
    with caplog.at_level(logging.ERROR, logger="jobs.sla"):
        await refresh_rotation(deps)
    assert deps.escalator.members == ["U0ONCALL"]
    assert "S0GONE cannot be read (no_such_subteam): keeping ['U0ONCALL']" in caplog.text


async def test_without_a_user_group_slack_is_not_asked(build: Build, fake_slack: FakeSlack) -> None:
    deps = build(slack=fake_slack, oncall_members="U0ONCALL")
    await refresh_rotation(deps)
    assert deps.escalator.members == ["U0ONCALL"]
    assert fake_slack.calls == []


async def test_the_sweep_runs_the_daily_purge(build: Build) -> None:
    clock = FakeClock(TEAM_TIME.astimezone(UTC))
    deps = build(clock=clock, raw_retention_days=30)
    old = settled(deps, "old", timedelta(days=31))
    recent = settled(deps, "recent", timedelta(days=29))
    sla_tick(deps)
    purged = deps.store.conversation(conversation_id=old)
    assert purged is not None and purged["purged_at"] == iso(clock.now()) and purged["buyer_name"] is None
    assert text_of(deps, old) is None
    kept = deps.store.conversation(conversation_id=recent)
    assert kept is not None and kept["purged_at"] is None and text_of(deps, recent) == "Hallo"
    clock.advance(days=2)  # the next day's first sweep: the recent answer is 31 days old now
    sla_tick(deps)
    assert (deps.store.conversation(conversation_id=recent) or {})["purged_at"] == iso(clock.now())


async def test_the_timer_waits_for_a_claims_next_window_and_the_sweep_tells_it_once(
    build: Build, scheduler: AsyncIOScheduler
) -> None:
    deps = build()

    def claim(key: str, opened: datetime) -> None:
        deps.store.create_conversation(
            key=key,
            kind="notice",
            notice_type="a_to_z_claim",
            opened_at=iso(opened),
            deadline=iso(opened + timedelta(hours=72)),
        )

    claim("soon", deps.clock.now() - timedelta(hours=47))  # "contact the buyer" (2 days) comes in an hour
    assert sla_tick(deps, scheduler) == 0 and deps.store.pending_outbox_count() == 0
    run_at = timer(scheduler)  # the claim's window, before the notice's own clock (due soon in 19 h)
    assert run_at is not None and abs((run_at - datetime.now(UTC)).total_seconds() - 3600) < 5
    claim("reached", deps.clock.now() - timedelta(hours=49))
    sla_tick(deps, scheduler)
    assert (
        recorded(deps, "contact") == ["contact"] and deps.store.pending_outbox_count() == 2
    )  # note + redraw
    sla_tick(deps, scheduler)
    assert deps.store.pending_outbox_count() == 2
