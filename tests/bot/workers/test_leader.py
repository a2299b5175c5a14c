"""Who works: the file lock on SQLite (a second instance refused), the lease on PostgreSQL (a standby waits, takes
over when the leader goes, and a leader whose lease is gone stops with LeaseLost)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.clock.clocks import FakeClock
from bot.store.base import LeaseLost
from bot.store.lock import AlreadyRunning, InstanceLock
from bot.store.store import Store
from bot.workers.leader import FileLeadership, PostgresLease, leadership_for
from tests.conftest import make_settings
from tests.support.postgres import Postgres


def test_the_engine_chooses_the_kind_of_leadership(tmp_path: Path) -> None:
    assert isinstance(leadership_for(make_settings(tmp_path)), FileLeadership)
    lease = leadership_for(
        make_settings(tmp_path, database_url="postgresql://bot@db/inbox", lease_seconds=12)
    )
    assert isinstance(lease, PostgresLease) and lease.lease_seconds == 12
    assert lease.poll <= 12 / 10  # a standby looks often enough to take over well within the lease
    in_memory = leadership_for(make_settings(tmp_path, database_path=Path(":memory:")))
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
    leader = PostgresLease(url, lease_seconds=0.9, holder="a:1")
    standby = PostgresLease(url, lease_seconds=0.9, holder="b:2")
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
    await asyncio.sleep(1.0)  # renewals go on meanwhile
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
