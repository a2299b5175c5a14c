"""The 24-hour clock through the whole bot: the reminder lands in the card's thread, once, across a restart."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock.clocks import FakeClock
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail, make_settings, running_bot

RECEIVED = datetime(2026, 11, 24, 7, 12, 45, tzinfo=UTC)  # de_invoice.eml


async def test_urgent_reminder_mentions_on_call_once_even_after_a_restart(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "1.eml").write_bytes(fixture_mail("de_invoice.eml"))
    settings = make_settings(
        tmp_path,
        fake_slack,
        oncall_members="U0ONCALL",
        escalation_mention="S0LEADS",
        sla_sweep_seconds=0.2,
        digest_time="",
    )
    clock = FakeClock(RECEIVED + timedelta(hours=22, minutes=5))  # two hours minus five minutes left

    def reminders() -> list[dict]:  # type: ignore[type-arg]
        cards = fake_slack.posts("C0INBOX", top_level=True)
        return (
            [p for p in fake_slack.posts("C0INBOX", thread_ts=cards[0]["ts"]) if "to answer" in p["text"]]
            if cards
            else []
        )

    async with running_bot(settings, clock=clock):
        await fake_slack.wait_for(lambda: len(reminders()) == 2, timeout=10)  # due soon (late) and urgent
    due_soon, urgent = reminders()
    assert due_soon["text"].startswith("Due soon") and "Sent late" in json.dumps(due_soon["blocks"])
    assert urgent["text"].startswith("Urgent") and "<@U0ONCALL> please take it" in json.dumps(
        urgent["blocks"]
    )
    card = fake_slack.posts("C0INBOX", top_level=True)[0]
    assert ":large_orange_circle:" in json.dumps(card["blocks"])  # the card's colour follows the stage

    async with running_bot(settings, clock=clock) as deps:  # a restart: nothing is sent twice
        await deps.ready.wait()
        # the store, not Slack: the last post's outbox row is completed a moment after Slack shows it
        await eventually(lambda: deps.store.pending_outbox_count() == 0, timeout=10, what="an empty outbox")
    assert len(reminders()) == 2


async def test_the_clocks_sweep_runs_in_the_bots_event_loop(
    tmp_path: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """APScheduler would run a plain function in a worker thread of its own pool, beside the loop, on the store's
    connection: the sweep (and the daily jobs' transactions) must run in the loop's own thread on SQLite, and in the
    store's own thread on PostgreSQL (Store.run, holding the connection), never in APScheduler's pool."""
    import threading

    from bot.clock.escalation import Escalator

    threads: list[str] = []
    real_tick = Escalator.tick

    def watched(self: Escalator) -> int:
        threads.append(threading.current_thread().name)
        return real_tick(self)

    monkeypatch.setattr(Escalator, "tick", watched)
    settings = make_settings(tmp_path, fake_slack, sla_sweep_seconds=0.05)
    async with running_bot(settings) as deps:
        await eventually(lambda: len(threads) >= 3, what="three sweeps")
        threaded = deps.store.conn.threaded
    # the first sweep runs at start, in the loop's thread; the scheduled ones as the store's engine wants
    assert threads[0] == threading.current_thread().name
    expected = {"store_0"} if threaded else {threading.current_thread().name}
    assert set(threads[1:]) == expected
