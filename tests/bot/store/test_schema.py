"""The schema's migrations: the tables and columns they make, the rules the database enforces, the data fixes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from bot.clock.clocks import FakeClock
from bot.store.engine import is_integrity_error
from bot.store.schema import MIGRATIONS
from bot.store.store import Store
from tests.support.postgres import Postgres

NOW = "2026-11-26T09:00:00.000000+00:00"


def database(steps: int = len(MIGRATIONS)) -> sqlite_utils.Database:
    """An in-memory database with the first `steps` migrations applied and foreign keys enforced."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    db = sqlite_utils.Database(conn)
    for step in MIGRATIONS[:steps]:
        step(db)
    return db


def conversation(db: sqlite_utils.Database, key: str = "k") -> int:
    cur = db.conn.execute(
        "INSERT INTO conversations (key, kind, state, created_at, updated_at) VALUES (?, 'buyer', 'open', ?, ?)",
        [key, NOW, NOW],
    )
    return int(cur.lastrowid or 0)


def send(
    db: sqlite_utils.Database, key: str, conversation_id: int, reply_to_row: int | None, state: str
) -> None:
    db.conn.execute(
        "INSERT INTO sends (key, conversation_id, reply_to_row, text, by_user, state, created_at) "
        "VALUES (?, ?, ?, 'Hallo', 'U0AGENT', ?, ?)",
        [key, conversation_id, reply_to_row, state, NOW],
    )


def test_all_migrations_make_every_table() -> None:
    assert set(database().table_names()) == {
        "conversations",
        "messages",
        "slack_posts",
        "outbox",
        "audit",
        "mailbox_state",
        "orders",
        "packages",
        "sends",
        "notifications",
        "oncall_overrides",
        "cases",
        "drafts",
        "evidence",
        "meta",
        "leader",
    }
    assert {"size", "location"} <= set(database().table("messages").columns_dict)
    assert "account" in database().table("conversations").columns_dict


def test_later_migrations_add_their_columns_to_earlier_tables() -> None:
    assert "claimed_by" not in database(2)["conversations"].columns_dict
    db = database()
    conversations = db["conversations"].columns_dict
    assert {"claimed_by", "answered_at", "closed_at", "sla_stage", "next_sla_at", "purged_at"} <= set(
        conversations
    )
    assert {"intent", "purged_at"} <= set(db["messages"].columns_dict)
    assert "auto" in db["sends"].columns_dict
    assert "channels" in db["drafts"].columns_dict
    db.conn.execute(
        "INSERT INTO conversations (key, kind, state, created_at, updated_at) VALUES ('c', 'buyer', 'open', 'x', 'x')"
    )
    send(db, "old", 1, None, "sent")  # a send made before channels existed goes by e-mail
    assert db.execute("SELECT channel FROM sends WHERE key = 'old'").fetchone() == ("email",)


@pytest.mark.parametrize(
    ("table", "row"),
    [
        (
            "conversations",
            {"key": "k", "kind": "buyer", "state": "open", "created_at": NOW, "updated_at": NOW},
        ),
        (
            "messages",
            {
                "message_id": "<m@x>",
                "direction": "in",
                "kind": "buyer_message",
                "received_at": NOW,
                "created_at": NOW,
            },
        ),
        ("outbox", {"kind": "post_card", "dedupe_key": "card:1", "state": "pending", "created_at": NOW}),
        ("slack_posts", {"channel": "C1", "ts": "1.1", "role": "card", "created_at": NOW}),
        (
            "cases",
            {"case_id": "1234", "owner": "U1", "opened_at": NOW, "last_update_at": NOW, "state": "open"},
        ),
    ],
)
def test_the_natural_keys_are_unique(table: str, row: dict[str, object]) -> None:
    db = database()
    db.table(table).insert(row)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.table(table).insert(row)


def test_a_package_is_stored_once_per_order_and_number() -> None:
    db = database()
    db.table("packages").insert({"order_id": "302-1234567-1234567", "tracking_number": "N1"})
    db.table("packages").insert({"order_id": "303-1234567-1234567", "tracking_number": "N1"})
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.table("packages").insert({"order_id": "302-1234567-1234567", "tracking_number": "N1"})


def test_a_notification_is_sent_once_per_clock_and_stage() -> None:
    db = database()
    row = {"conversation_id": 1, "clock": NOW, "key": "warn:0", "sent_at": NOW}
    db.table("notifications").insert(row)
    new_clock = "2026-11-27T09:00:00.000000+00:00"  # a new buyer message starts a new clock
    db.table("notifications").insert({**row, "clock": new_clock})
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        db.table("notifications").insert(row)


def test_required_fields_cannot_be_left_out() -> None:
    db = database()
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        db.conn.execute(
            "INSERT INTO conversations (kind, state, created_at, updated_at) VALUES ('buyer', 'open', ?, ?)",
            [NOW, NOW],
        )
    with pytest.raises(sqlite3.IntegrityError, match="NOT NULL"):
        db.conn.execute("INSERT INTO audit (at, actor) VALUES (?, 'intake')", [NOW])


def test_counters_and_states_start_at_their_defaults() -> None:
    db = database()
    cid = conversation(db)
    db.conn.execute("INSERT INTO outbox (kind, dedupe_key, created_at) VALUES ('post_card', 'd', ?)", [NOW])
    send(db, "s1", cid, None, "queued")
    db.conn.execute("INSERT INTO packages (order_id, tracking_number) VALUES ('o', 'n')")
    assert db.conn.execute("SELECT message_count FROM conversations").fetchone() == (0,)
    assert db.conn.execute("SELECT state, attempts FROM outbox").fetchone() == ("pending", 0)
    assert db.conn.execute("SELECT attempts, edited, auto FROM sends").fetchone() == (0, 0, 0)
    assert db.conn.execute("SELECT failures FROM packages").fetchone() == (0,)


def test_messages_and_sends_must_belong_to_a_conversation_that_exists() -> None:
    db = database()
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        db.conn.execute(
            "INSERT INTO messages (message_id, conversation_id, direction, kind, received_at, created_at) "
            "VALUES ('<m@x>', 99, 'in', 'buyer_message', ?, ?)",
            [NOW, NOW],
        )
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        send(db, "s1", 99, None, "queued")


@pytest.mark.parametrize("live", ["queued", "sending", "sent", "uncertain"])
def test_a_buyer_message_has_at_most_one_live_reply(live: str) -> None:
    db = database()
    cid = conversation(db)
    send(db, "first", cid, 7, live)
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        send(db, "second", cid, 7, "queued")


def test_failed_replies_and_replies_to_no_message_do_not_count_as_live() -> None:
    db = database()
    cid = conversation(db)
    send(db, "failed", cid, 7, "failed")
    send(db, "again", cid, 7, "queued")  # a failed reply may be sent again
    send(db, "free-1", cid, None, "queued")
    send(db, "free-2", cid, None, "queued")  # replies not tied to a buyer message are not limited
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        send(db, "again", cid, 8, "queued")  # the idempotency key itself is unique


def test_the_package_fix_leaves_checked_and_scheduled_packages_alone() -> None:
    db = database(6)
    db.conn.execute(
        "INSERT INTO packages (order_id, tracking_number, checked_at) VALUES ('o', 'checked', ?)", [NOW]
    )
    db.conn.execute(
        "INSERT INTO packages (order_id, tracking_number, next_check_at) VALUES ('o', 'planned', ?)", [NOW]
    )
    db.conn.execute("INSERT INTO packages (order_id, tracking_number) VALUES ('o', 'forgotten')")
    MIGRATIONS[6](db)
    rows = dict(db.conn.execute("SELECT tracking_number, next_check_at FROM packages").fetchall())
    assert rows == {"checked": None, "planned": NOW, "forgotten": "1970-01-01T00:00:00+00:00"}


def test_packages_a_stop_left_unchecked_become_due_when_the_database_is_upgraded(tmp_path: Path) -> None:
    import sqlite3

    import sqlite_utils

    path = tmp_path / "v6.db"
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    for step in MIGRATIONS[:6]:
        step(db)
    conn.execute("PRAGMA user_version=6")
    conn.execute(
        "INSERT INTO packages (order_id, tracking_number, status) VALUES ('302-1234567-1234567', 'N1', 'unknown')"
    )
    conn.close()
    store = Store.open(path, clock=FakeClock())
    assert [p["tracking_number"] for p in store.due_packages()] == ["N1"]


# ---- upgrades: a database made by each release opens with today's code, nothing lost ----

RELEASES = (
    Path(__file__).resolve().parents[2] / "fixtures" / "db"
)  # schema_v<N>.db, made by tests/fixtures/db/make.py
# Columns a later migration changes on purpose in existing rows ("table.column": why); nothing so far.
CHANGED_BY_MIGRATIONS: dict[str, str] = {}


def release_databases() -> list[Path]:
    return sorted(RELEASES.glob("schema_v*.db"), key=lambda p: int(p.stem.removeprefix("schema_v")))


def contents(path: Path) -> dict[str, dict[int, dict[str, object]]]:
    """Every row of every table of a database file, by table and rowid."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    out = {
        t: {int(r["_row"]): dict(r) for r in conn.execute(f"SELECT rowid AS _row, * FROM {t}")}
        for t in tables
    }
    conn.close()
    for rows in out.values():
        for row in rows.values():
            row.pop("_row")
    return out


def test_the_current_schema_has_a_release_database() -> None:
    """A release that adds a migration commits the database its code makes (tests/fixtures/db/README.md)."""
    current = RELEASES / f"schema_v{len(MIGRATIONS)}.db"
    assert current.exists(), f"run: .venv/bin/python tests/fixtures/db/make.py (writes {current.name})"
    for path in release_databases():
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == int(path.stem.removeprefix("schema_v"))
        conn.close()


@pytest.mark.parametrize("release", release_databases(), ids=lambda p: p.stem)
def test_a_release_database_migrates_without_loss(release: Path, tmp_path: Path) -> None:
    before = contents(release)
    assert before["conversations"] and before["messages"] and before["sends"]  # a fixture worth its name
    path = tmp_path / "bot.db"
    path.write_bytes(release.read_bytes())  # the fixture itself never changes

    store = Store.open(path, clock=FakeClock())
    assert store.schema_version == len(MIGRATIONS) and store.integrity_ok()
    store.close()
    after = contents(path)
    for table, rows in before.items():
        assert set(after[table]) == set(rows), f"{table}: rows lost or added"
        for rowid, row in rows.items():
            kept = {k: v for k, v in after[table][rowid].items() if k in row}
            changed = {k for k in row if row[k] != kept[k] and f"{table}.{k}" not in CHANGED_BY_MIGRATIONS}
            assert not changed, f"{table} row {rowid}: {sorted(changed)} changed"

    store = Store.open(path, clock=FakeClock())  # and today's code reads them through its own functions
    try:
        assert {c["id"] for c in store.conversations()} == set(before["conversations"])
        for rowid, send in before["sends"].items():
            found = store.send_by_key(key=str(send["key"]))
            assert found is not None and found["id"] == rowid and found["state"] == send["state"]
        for draft in before.get("drafts", {}).values():
            found = store.draft(key=str(draft["key"]))
            assert found is not None and found["text"] == draft["text"]
        for evidence in before.get("evidence", {}).values():
            latest = store.latest_evidence(conversation_id=int(str(evidence["conversation_id"])))
            assert latest is not None and latest["text"] == evidence["text"]
        for message in before["messages"].values():
            if message["conversation_id"] is not None:
                texts = [
                    m["text"]
                    for m in store.conversation_messages(conversation_id=int(str(message["conversation_id"])))
                ]
                assert message["text"] in texts
        for box in before["mailbox_state"].values():
            assert store.mailbox_state(source=str(box["source"])) == (box["uidvalidity"], box["last_uid"])
    finally:
        store.close()


def test_postgresql_gets_the_same_tables_and_columns_from_the_same_migrations(
    tmp_path: Path, postgres_server: Postgres
) -> None:
    clock = FakeClock()
    lite = Store.connect(f"sqlite:///{tmp_path / 'db.sqlite'}", clock=clock)
    pg = Store.connect(postgres_server.fresh_url(), clock=clock)
    try:
        assert pg.schema_version == lite.schema_version == len(MIGRATIONS)
        assert set(pg.conn.tables()) == set(lite.conn.tables()) | {"inbox_bot_schema"}
        for table in lite.conn.tables():
            assert pg.conn.columns(table) == lite.conn.columns(table), table
        pg.migrate()  # a second start migrates nothing
        assert pg.schema_version == len(MIGRATIONS)
    finally:
        lite.close()
        pg.close()


def test_postgresql_enforces_the_same_rules(postgres_server: Postgres) -> None:
    store = Store.connect(postgres_server.fresh_url(), clock=FakeClock())
    try:
        cid = store.create_conversation(key="k", kind="buyer")
        store.conn.execute(
            "INSERT INTO sends (key, conversation_id, reply_to_row, text, by_user, state, created_at) "
            "VALUES ('a', ?, 7, 'Hallo', 'U0AGENT', 'sent', ?)",
            [cid, NOW],
        )
        with pytest.raises(
            Exception
        ) as second_live_send:  # one live reply per buyer message (a partial index)
            store.conn.execute(
                "INSERT INTO sends (key, conversation_id, reply_to_row, text, by_user, state, created_at) "
                "VALUES ('b', ?, 7, 'Hallo', 'U0AGENT', 'queued', ?)",
                [cid, NOW],
            )
        assert is_integrity_error(second_live_send.value)
        assert store.conn.execute("SELECT channel, auto FROM sends").fetchone() == (
            "email",
            0,
        )  # the defaults
    finally:
        store.close()
