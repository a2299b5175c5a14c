"""Moving a store from SQLite to PostgreSQL: every row of a real release's database copied with its ids, the counts
compared, new rows numbered after the copied ones; a target with rows, or a source of another schema, refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.clock.clocks import FakeClock
from bot.store.lease import LeaseConnection
from bot.store.migrate import MigrationRefused, copy_store, nonempty_tables
from bot.store.schema import MIGRATIONS
from bot.store.store import Store
from tests.support.postgres import Postgres

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "db"


def release_database(tmp_path: Path) -> Store:
    """This release's fixture database (every kind of row the bot keeps), read-only like the command opens it."""
    path = tmp_path / "inbox-bot.db"
    shutil.copy(FIXTURES / f"schema_v{len(MIGRATIONS)}.db", path)
    return Store.open_read_only(path, clock=FakeClock())


def test_every_row_is_copied_with_its_id_and_new_rows_come_after(
    tmp_path: Path, postgres_server: Postgres
) -> None:
    source = release_database(tmp_path)
    target = Store.connect(postgres_server.fresh_url(), clock=FakeClock())
    try:
        copied = copy_store(source, target)
        assert copied.tables == nonempty_tables(source) | {
            t: 0 for t in copied.tables if t not in nonempty_tables(source)
        }
        assert copied.total > 30 and {"conversations", "messages", "sends", "outbox", "meta"} <= set(
            copied.tables
        )
        for table in ("conversations", "messages", "sends", "slack_posts", "drafts", "evidence", "audit"):
            expected = [
                {k: v.replace("\x00", "\ufffd") if isinstance(v, str) else v for k, v in row.items()}
                for row in source.query(f"SELECT * FROM {table} ORDER BY id")
            ]  # PostgreSQL's text holds no NUL: the unreadable mail's text shows it as U+FFFD, its raw bytes stay
            assert target.query(f"SELECT * FROM {table} ORDER BY id") == expected, table
        raw = "SELECT raw FROM messages WHERE parse_error IS NOT NULL"
        assert target.query(raw) == source.query(raw) and b"\x00" in source.query(raw)[0]["raw"]
        assert target.meta("first_account") == source.meta("first_account") == "Brand EU"
        newest = max(r["id"] for r in source.query("SELECT id FROM conversations"))
        assert target.create_conversation(key="after the move", kind="buyer") == newest + 1
        # the bot works on the copy: the conversations, their messages and their raw mails are all there
        conv = source.query("SELECT id FROM conversations ORDER BY id")[0]["id"]
        assert target.conversation_messages(conversation_id=conv) == source.conversation_messages(
            conversation_id=conv
        )
    finally:
        source.close()
        target.close()


def test_a_target_with_rows_is_refused_and_left_as_it_was(tmp_path: Path, postgres_server: Postgres) -> None:
    source = release_database(tmp_path)
    target = Store.connect(postgres_server.fresh_url(), clock=FakeClock())
    try:
        target.create_conversation(key="already here", kind="buyer")
        with pytest.raises(MigrationRefused, match=r"not empty: conversations \(1\)"):
            copy_store(source, target)
        assert nonempty_tables(target) == {"conversations": 1}
    finally:
        source.close()
        target.close()


def test_a_source_of_another_schema_is_refused(tmp_path: Path, postgres_server: Postgres) -> None:
    source = Store(conn=Store.open(":memory:", clock=FakeClock()).conn, clock=FakeClock())
    source.conn.set_schema_version(15)
    target = Store.connect(postgres_server.fresh_url(), clock=FakeClock())
    try:
        with pytest.raises(MigrationRefused, match="schema version 15"):
            copy_store(source, target)
        assert nonempty_tables(target) == {}
    finally:
        source.close()
        target.close()


def test_a_table_the_bot_does_not_make_is_named_and_nothing_is_copied(
    tmp_path: Path, postgres_server: Postgres
) -> None:
    path = tmp_path / "inbox-bot.db"
    shutil.copy(FIXTURES / f"schema_v{len(MIGRATIONS)}.db", path)
    extra = Store.open(path, clock=FakeClock())
    extra.conn.execute(
        "CREATE TABLE _litestream_seq (id INTEGER PRIMARY KEY, seq INTEGER)"
    )  # a replication tool's
    extra.close()
    source = Store.open_read_only(path, clock=FakeClock())
    target = Store.connect(postgres_server.fresh_url(), clock=FakeClock())
    try:
        with pytest.raises(MigrationRefused, match="tables the bot does not make: _litestream_seq"):
            copy_store(source, target)
        assert nonempty_tables(target) == {}
    finally:
        source.close()
        target.close()


def test_a_target_a_bot_has_led_is_refused(tmp_path: Path, postgres_server: Postgres) -> None:
    source = release_database(tmp_path)
    url = postgres_server.fresh_url()
    target = Store.connect(url, clock=FakeClock())
    lease = LeaseConnection.open(url, lease_seconds=30, holder="running:1")
    try:
        assert lease.try_lead() == (1, "")  # a bot started on the empty database and leads
        with pytest.raises(MigrationRefused, match=r"not empty: leader \(1\)"):
            copy_store(source, target)
    finally:
        lease.close()
        source.close()
        target.close()
