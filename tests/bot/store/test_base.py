"""The store's foundation: opening (owner-only, WAL), migrations, transactions, queries, audit log, mailbox state."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock.clocks import FakeClock
from bot.ops.logs import current, log_context
from bot.store.base import LeaseLost
from bot.store.schema import MIGRATIONS
from bot.store.store import Store, iso, parse_iso
from tests.support.clock import TEAM_TIME
from tests.support.postgres import Postgres


def test_open_creates_owner_only_wal_database_at_current_schema(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "x" / "bot.db", clock=FakeClock())
    assert stat.S_IMODE(os.stat(tmp_path / "x" / "bot.db").st_mode) == 0o600
    assert store.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.schema_version == len(MIGRATIONS) >= 10  # suspicion, large mail, drafts (issue 18)
    assert {"conversations", "messages", "slack_posts", "outbox", "audit", "mailbox_state"} <= set(
        store.db.table_names()
    )
    store.close()
    again = Store.open(tmp_path / "x" / "bot.db", clock=FakeClock())  # re-opening migrates nothing twice
    assert again.schema_version == len(MIGRATIONS)
    assert again.integrity_ok()


def test_transaction_rolls_back_everything_on_error(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "bot.db", clock=FakeClock())
    try:
        with store.transaction():
            store.create_conversation(key="k", kind="buyer")
            store.enqueue(kind="post_card", dedupe_key="x", due_by=None)
            raise RuntimeError("crash")
    except RuntimeError:
        pass
    assert store.conversation_by_key(key="k") is None
    assert store.pending_outbox_count() == 0


def test_mailbox_state_round_trip(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "bot.db", clock=FakeClock())
    assert store.mailbox_state(source="imap:x") == (None, 0)
    store.set_mailbox_state(source="imap:x", uidvalidity=7, last_uid=42)
    assert store.mailbox_state(source="imap:x") == (7, 42)


def test_an_older_database_is_migrated_at_start_and_keeps_its_rows(tmp_path: Path) -> None:
    import sqlite3

    import sqlite_utils

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    MIGRATIONS[0](db)
    conn.execute("PRAGMA user_version=1")
    conn.execute(
        "INSERT INTO conversations (key, kind, state, created_at, updated_at) VALUES ('k', 'buyer', 'open', 'x', 'x')"
    )
    conn.close()
    store = Store.open(path, clock=FakeClock())
    assert store.schema_version == len(MIGRATIONS)
    assert [c["key"] for c in store.conversations()] == ["k"]
    store.upsert_package(
        order_id="302-1234567-1234567", tracking_number="00340434161094042557", status="unknown"
    )
    assert store.packages(order_id="302-1234567-1234567")[0]["status"] == "unknown"


def test_times_are_stored_as_sortable_utc_text_and_naive_ones_refused() -> None:
    assert iso(TEAM_TIME) == "2026-11-26T09:00:00.000000+00:00"  # 10:00 in Berlin
    assert parse_iso(iso(TEAM_TIME)) == TEAM_TIME
    assert parse_iso(None) is None and parse_iso("") is None
    with pytest.raises(ValueError, match="naive"):
        iso(datetime(2026, 11, 26, 10, 0))


def test_a_nested_transaction_joins_the_outer_one(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "bot.db", clock=FakeClock(TEAM_TIME))
    with pytest.raises(RuntimeError), store.transaction():
        store.create_conversation(key="outer", kind="buyer")
        with store.transaction():
            store.create_conversation(key="inner", kind="buyer")
        assert store.db.conn.in_transaction  # the inner block did not commit on its own
        raise RuntimeError("crash after the inner block")
    assert store.conversations() == []


def test_the_audit_log_keeps_who_did_what_when_with_details(tmp_path: Path) -> None:
    clock = FakeClock(TEAM_TIME)
    store = Store.open(tmp_path / "bot.db", clock=clock)
    cid = store.create_conversation(key="k", kind="buyer")
    clock.advance(minutes=5)
    store.audit(actor="U0AGENT", action="claimed", conversation_id=cid, buyer="Max Müller", at=TEAM_TIME)
    [row] = store.query("SELECT * FROM audit")
    assert (row["actor"], row["action"], row["conversation_id"]) == ("U0AGENT", "claimed", cid)
    assert parse_iso(row["at"]) == datetime(2026, 11, 26, 9, 5, tzinfo=UTC)
    assert "Max Müller" in row["detail"]  # readable, not \u-escaped
    assert json.loads(row["detail"]) == {"buyer": "Max Müller", "at": str(TEAM_TIME)}


def test_query_gives_rows_as_dicts_and_query_one_the_first_or_none(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "bot.db", clock=FakeClock(TEAM_TIME))
    store.create_conversation(key="b", kind="buyer")
    store.create_conversation(key="a", kind="notice")
    sql = "SELECT key, kind FROM conversations ORDER BY key"
    assert store.query(sql) == [{"key": "a", "kind": "notice"}, {"key": "b", "kind": "buyer"}]
    assert store.query_one(sql) == {"key": "a", "kind": "notice"}
    assert store.query_one("SELECT key FROM conversations WHERE key = ?", ["c"]) is None


def test_a_write_probe_says_why_the_database_takes_no_write(tmp_path: Path) -> None:
    import sqlite3

    store = Store.open(tmp_path / "db.sqlite", clock=FakeClock())
    assert store.write_problem() is None
    other = sqlite3.connect(tmp_path / "db.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        assert store.write_problem(wait_ms=50) == "OperationalError: database is locked"
    finally:
        other.execute("ROLLBACK")
        other.close()
    with store.transaction():
        assert store.write_problem() is None  # our own write under way
    store.db.execute("INSERT INTO audit (at, actor, action) VALUES ('t', 'a', 'b')")  # the usual wait is back
    assert store.db.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 30_000
    store.close()
    assert store.write_problem() is not None  # a closed connection is a problem too, never an exception


async def test_store_work_runs_whole_with_the_callers_log_context_and_its_errors(store: Store) -> None:
    """Store.run on both engines: SQLite in the caller's thread, PostgreSQL in the store's own (always the same one,
    in the order asked); the result, the caller's log context and what the work raises come back."""
    loop_thread = threading.get_ident()

    def work(n: int, *, key: str) -> tuple[int, int, dict[str, str | int]]:
        store.enqueue(kind="post_card", dedupe_key=key, due_by=None)
        return n * 2, threading.get_ident(), current()

    with log_context(order_id="302-1234567-1234567"):
        results = await asyncio.gather(*(store.run(work, n, key=f"k{n}") for n in range(5)))
    assert [r[0] for r in results] == [0, 2, 4, 6, 8]
    assert all(r[2] == {"order_id": "302-1234567-1234567"} for r in results)
    threads = {r[1] for r in results}
    if store.dialect == "sqlite":
        assert threads == {loop_thread}
    else:
        assert len(threads) == 1 and loop_thread not in threads
    ids = [row["dedupe_key"] for row in store.query("SELECT dedupe_key FROM outbox ORDER BY id")]
    assert ids == ["k0", "k1", "k2", "k3", "k4"]  # in the order asked

    def refuse() -> None:
        raise LeaseLost("deposed")  # a BaseException reaches the caller as it is

    with pytest.raises(LeaseLost):
        await store.run(refuse)


async def test_on_postgresql_a_transaction_in_the_stores_thread_is_whole(postgres_server: Postgres) -> None:
    """A statement from another thread (the loop's) while store work holds a transaction waits for it and never
    falls into it: here the work's transaction rolls back and the other thread's row stays."""
    store = Store.connect(postgres_server.fresh_url(), clock=FakeClock(TEAM_TIME))
    inside, other_started = threading.Event(), threading.Event()

    def work() -> None:
        with store.transaction():
            store.enqueue(kind="post_card", dedupe_key="in-the-transaction", due_by=None)
            inside.set()
            other_started.wait(10)
            time.sleep(
                0.2
            )  # the other thread is at its statement by now (if it were not held, it would join)
            raise RuntimeError("rolled back")

    def other() -> None:
        inside.wait(10)
        other_started.set()
        store.enqueue(kind="post_card", dedupe_key="from-the-loop", due_by=None)

    beside = threading.Thread(target=other)
    beside.start()
    with pytest.raises(RuntimeError):
        await store.run(work)
    await asyncio.to_thread(beside.join, 10)
    assert [r["dedupe_key"] for r in store.query("SELECT dedupe_key FROM outbox")] == ["from-the-loop"]
    store.close()


async def test_store_work_asked_for_is_done_whole_when_its_caller_is_cancelled(store: Store) -> None:
    """A task stopped at shutdown while its store work waits or runs: the work is done (as a synchronous call could
    not be stopped half-way) before the task ends."""
    started = threading.Event()

    def slow(key: str) -> None:
        started.set()
        time.sleep(0.1)
        store.enqueue(kind="post_card", dedupe_key=key, due_by=None)

    first = asyncio.create_task(store.run(slow, "running"))
    queued = asyncio.create_task(store.run(slow, "queued behind it"))
    await asyncio.sleep(0)
    if store.dialect == "postgresql":
        await asyncio.to_thread(started.wait, 10)
    for task in (first, queued):
        task.cancel()
    await asyncio.gather(first, queued, return_exceptions=True)
    keys = [r["dedupe_key"] for r in store.query("SELECT dedupe_key FROM outbox ORDER BY id")]
    assert keys == ["running", "queued behind it"]


async def test_on_postgresql_a_caller_cancelled_again_still_waits_for_its_work(
    postgres_server: Postgres,
) -> None:
    """A stopping task is cancelled again every few seconds (bot.app): it still ends only after its store work."""
    store = Store.connect(postgres_server.fresh_url(), clock=FakeClock(TEAM_TIME))
    started, release = threading.Event(), threading.Event()
    finished: list[bool] = []

    def work() -> None:
        started.set()
        release.wait(10)
        store.enqueue(kind="post_card", dedupe_key="done", due_by=None)
        finished.append(True)

    task = asyncio.create_task(store.run(work))
    await asyncio.to_thread(started.wait, 10)
    task.cancel()
    await asyncio.sleep(0)
    task.cancel()  # again, while it waits for its work
    await asyncio.sleep(0)
    assert not task.done()  # still waiting: the work is not done
    release.set()
    await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled() and finished == [True]
    store.close()


async def test_finish_waits_for_the_work_asked_for_and_later_work_still_runs(store: Store) -> None:
    """A stopping leader lets its lease go after the store work asked for; a listener still under way may ask for
    more afterwards (it runs, no error)."""

    def slow(key: str) -> None:
        time.sleep(0.05)
        store.enqueue(kind="post_card", dedupe_key=key, due_by=None)

    asked = [asyncio.create_task(store.run(slow, f"k{n}")) for n in range(3)]
    await asyncio.sleep(0)
    await asyncio.to_thread(store.finish)
    assert len(store.query("SELECT id FROM outbox")) == 3
    await store.run(slow, "after")
    await asyncio.gather(*asked)
    assert len(store.query("SELECT id FROM outbox")) == 4
