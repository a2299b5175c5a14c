"""Who works: the file lock on SQLite (a second instance refused), the lease on PostgreSQL (a standby waits, takes
over when the leader goes, and a leader whose lease is gone stops with LeaseLost)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_deps, create_app, run_bot
from bot.clock.clocks import FakeClock
from bot.mail.source import IncomingMail
from bot.sandbox.slack_api import FakeSlack
from bot.store.base import LeaseLost
from bot.store.lock import AlreadyRunning, InstanceLock
from bot.store.store import Store
from bot.workers.leader import FileLeadership, PostgresLease, leadership_for
from tests.conftest import fixture_mail, make_settings
from tests.support.clock import pinned_clock
from tests.support.postgres import Postgres
from tests.support.smtp import SmtpServer


def test_the_engine_chooses_the_kind_of_leadership(tmp_path: Path) -> None:
    assert isinstance(leadership_for(make_settings(tmp_path, database_url="")), FileLeadership)
    lease = leadership_for(
        make_settings(tmp_path, database_url="postgresql://bot@db/inbox", lease_seconds=12)
    )
    assert isinstance(lease, PostgresLease) and lease.lease_seconds == 12
    assert lease.poll <= 12 / 10  # a standby looks often enough to take over well within the lease
    in_memory = leadership_for(make_settings(tmp_path, database_path=Path(":memory:"), database_url=""))
    assert isinstance(in_memory, FileLeadership) and in_memory.lock is None


async def test_on_sqlite_a_second_instance_is_refused_not_kept_waiting(tmp_path: Path) -> None:
    first = FileLeadership(InstanceLock(tmp_path / "db.sqlite"))
    assert await first.acquire(asyncio.Event()) and first.leading
    with pytest.raises(AlreadyRunning):
        await FileLeadership(InstanceLock(tmp_path / "db.sqlite")).acquire(asyncio.Event())
    first.release()
    again = FileLeadership(InstanceLock(tmp_path / "db.sqlite"))
    assert await again.acquire(asyncio.Event())
    again.release()


async def test_a_standby_waits_then_takes_over_and_the_old_leader_stops(postgres_server: Postgres) -> None:
    url = postgres_server.fresh_url()
    Store.connect(url, clock=FakeClock()).close()  # migrated, as the bot does before it takes the lead
    leader = PostgresLease(
        url, lease_seconds=3, holder="a:1"
    )  # renewed each second, each renewal given a second
    standby = PostgresLease(url, lease_seconds=3, holder="b:2")
    stop = asyncio.Event()
    assert await leader.acquire(stop) and leader.epoch == 1
    holding = asyncio.create_task(leader.hold())
    waiting = asyncio.create_task(standby.acquire(stop))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if standby.state.startswith("standby: a:1 leads"):
            break
    assert not waiting.done() and not standby.leading
    assert standby.state == "standby: a:1 leads; taking over when its lease ends"
    await asyncio.sleep(1.2)  # a renewal goes through meanwhile
    assert not holding.done()
    leader._conn.conn.close()  # type: ignore[union-attr]  # its session ends as if its process had died
    assert await asyncio.wait_for(waiting, timeout=10) is True
    assert standby.epoch == 2 and standby.state.startswith("leader (lease epoch 2")
    with pytest.raises(LeaseLost):
        await asyncio.wait_for(holding, timeout=10)  # the old one's next renewal fails: it stops
    leader.release()
    standby.release()


async def test_a_standby_asked_to_stop_stops_without_leading(postgres_server: Postgres) -> None:
    url = postgres_server.fresh_url()
    Store.connect(url, clock=FakeClock()).close()
    leader = PostgresLease(url, lease_seconds=3, holder="a:1")
    assert await leader.acquire(asyncio.Event())
    standby = PostgresLease(url, lease_seconds=3, holder="b:2")
    stop = asyncio.Event()
    waiting = asyncio.create_task(standby.acquire(stop))
    await asyncio.sleep(0.3)
    stop.set()
    assert await asyncio.wait_for(waiting, timeout=10) is False and standby.epoch is None
    standby.release()
    leader.release()


async def test_a_database_that_does_not_answer_keeps_the_instance_standby(tmp_path: Path) -> None:
    from tests.support.dovecot import free_port

    standby = PostgresLease(f"postgresql://bot@127.0.0.1:{free_port()}/inbox", lease_seconds=3, holder="b:2")
    stop = asyncio.Event()
    waiting = asyncio.create_task(standby.acquire(stop))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if "does not answer" in standby.state:
            break
    assert standby.state.startswith("standby: the database does not answer")
    stop.set()
    assert await asyncio.wait_for(waiting, timeout=10) is False


async def _run_on(
    url: str, tmp_path: Path, slack: FakeSlack, **more: Any
) -> tuple[Any, asyncio.Task[None], asyncio.Event]:
    settings = make_settings(tmp_path, slack, database_url=url, lease_seconds=30, **more)
    deps = build_deps(settings, clock=pinned_clock())
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(deps, create_app(settings, deps), stop=stop))
    await asyncio.wait_for(deps.ready.wait(), 20)
    return deps, task, stop


async def test_a_leader_whose_lease_moved_sends_nothing_and_stops_leaving_the_send_to_the_new_leader(
    tmp_path: Path, fake_slack: FakeSlack, postgres_server: Postgres, smtp: SmtpServer
) -> None:
    url = postgres_server.fresh_url()
    relay = {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_tls": "plain",
        "smtp_from": "s@example-shop.de",
    }
    deps, task, stop = await _run_on(url, tmp_path, fake_slack, **relay)
    try:
        result = await deps.intake.handle(IncomingMail(fixture_mail("de_invoice.eml"), "1", None))
        cid = int(result.conversation_id or 0)
        await fake_slack.wait_for(lambda: len(fake_slack.posts("C0INBOX", top_level=True)) == 1, timeout=20)
        buyer = deps.store.latest_buyer_message(conversation_id=cid) or {}
        deps.store.conn.execute("UPDATE leader SET epoch = epoch + 1")  # another instance took over meanwhile
        send, _ = deps.store.create_send(
            key="s1", conversation_id=cid, reply_to_row=int(buyer["id"]), text="Hallo", by_user="U1"
        )
        deps.mailer.wake.set()
        with pytest.raises(LeaseLost, match="the lease moved to epoch 2"):
            await asyncio.wait_for(task, 20)  # the whole bot stops, not just the send
        row = deps.store.send(send_id=send["id"]) or {}
        assert (row["state"], row["error"], row["attempts"]) == (
            "queued",
            None,
            0,
        )  # untouched: the new leader's
        assert smtp.messages == []
        notes = deps.store.query("SELECT * FROM outbox WHERE kind NOT IN ('post_card', 'update_card')")
        assert notes == []  # no "failed" note queued either
    finally:
        stop.set()
        if not task.done():
            await asyncio.wait_for(task, 20)
        deps.store.close()


async def test_a_leader_whose_lease_moved_posts_no_card(
    tmp_path: Path, fake_slack: FakeSlack, postgres_server: Postgres
) -> None:
    url = postgres_server.fresh_url()
    deps, task, stop = await _run_on(url, tmp_path, fake_slack)
    try:
        deps.store.conn.execute("UPDATE leader SET epoch = epoch + 1")
        (tmp_path / "mail").mkdir(exist_ok=True)
        (tmp_path / "mail" / "1.eml").write_bytes(fixture_mail("de_invoice.eml"))
        with pytest.raises(LeaseLost):
            await asyncio.wait_for(task, 30)
        assert fake_slack.posts("C0INBOX") == []
        [item] = deps.store.query("SELECT state, attempts FROM outbox")
        assert item == {"state": "pending", "attempts": 0}  # the new leader posts it
    finally:
        stop.set()
        if not task.done():
            await asyncio.wait_for(task, 20)
        deps.store.close()


async def test_each_renewal_tells_until_when_the_lease_surely_holds(postgres_server: Postgres) -> None:
    url = postgres_server.fresh_url()
    Store.connect(url, clock=FakeClock()).close()
    lease = PostgresLease(url, lease_seconds=3, holder="a:1")
    assert await lease.acquire(asyncio.Event())
    told: list[tuple[float, float]] = []  # (when told, until when)
    three = asyncio.Event()

    def renewed(until: float) -> None:
        told.append((time.monotonic(), until))
        if len(told) == 3:
            three.set()

    holding = asyncio.create_task(lease.hold(renewed))
    await asyncio.wait_for(three.wait(), 30)
    holding.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await holding
    lease.release()
    assert told[0][1] == pytest.approx(lease.acquired_at + 1.5)  # won, plus half the lease
    for (when, until), (_later, next_until) in itertools.pairwise(told):
        assert when < until < next_until  # each renewal moves the deadline on, ahead of the moment it is told
