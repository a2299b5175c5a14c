"""The store's foundation: opening (owner-only, WAL), migrations, transactions, queries, audit log, mailbox state."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock.clocks import FakeClock
from bot.store.schema import MIGRATIONS
from bot.store.store import Store, iso, parse_iso
from tests.support.clock import TEAM_TIME


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
