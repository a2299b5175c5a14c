"""The SQLite store: migrations, WAL, permissions, the outbox."""

from __future__ import annotations

import os
import stat
from datetime import timedelta
from pathlib import Path

from bot.clock.clocks import FakeClock
from bot.store.schema import MIGRATIONS
from bot.store.store import Store, iso


def test_open_creates_owner_only_wal_database_at_current_schema(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "x" / "bot.db", clock=FakeClock())
    assert stat.S_IMODE(os.stat(tmp_path / "x" / "bot.db").st_mode) == 0o600
    assert store.db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.schema_version == len(MIGRATIONS) == 7
    assert {"conversations", "messages", "slack_posts", "outbox", "audit", "mailbox_state"} <= set(
        store.db.table_names()
    )
    store.close()
    again = Store.open(tmp_path / "x" / "bot.db", clock=FakeClock())  # re-opening migrates nothing twice
    assert again.schema_version == 7
    assert again.integrity_ok()


def test_enqueue_is_idempotent_and_due_items_come_earliest_deadline_first(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store.open(tmp_path / "bot.db", clock=clock)
    now = clock.now()
    assert store.enqueue(kind="post_card", dedupe_key="a", due_by=iso(now + timedelta(hours=20)))
    assert not store.enqueue(kind="post_card", dedupe_key="a", due_by=iso(now))
    store.enqueue(kind="post_card", dedupe_key="b", due_by=iso(now + timedelta(hours=2)))
    store.enqueue(kind="post_card", dedupe_key="c", due_by=iso(now + timedelta(hours=9)))
    assert [i["dedupe_key"] for i in store.due_outbox()] == ["b", "c", "a"]


def test_deferred_items_wait_and_in_flight_attempts_are_counted(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store.open(tmp_path / "bot.db", clock=clock)
    store.enqueue(kind="post_card", dedupe_key="a", due_by=None)
    item = store.due_outbox()[0]
    assert store.mark_in_flight(outbox_id=item["id"]) == 1
    store.defer_outbox(outbox_id=item["id"], until=clock.now() + timedelta(seconds=30), error="boom")
    assert store.due_outbox() == []
    assert store.next_outbox_time() == clock.now() + timedelta(seconds=30)
    clock.advance(seconds=31)
    assert store.due_outbox()[0]["attempts"] == 1
    store.defer_outbox(outbox_id=item["id"], until=clock.now(), error="429", not_sent=True)
    assert store.due_outbox()[0]["attempts"] == 0


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
    assert store.schema_version == 7
    assert [c["key"] for c in store.conversations()] == ["k"]
    store.upsert_package(
        order_id="302-1234567-1234567", tracking_number="00340434161094042557", status="unknown"
    )
    assert store.packages(order_id="302-1234567-1234567")[0]["status"] == "unknown"
