"""Backups: the online copy under write load is one consistent moment, made safe to restore; what it refuses."""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from bot.clock.clocks import FakeClock
from bot.store.backup import BackupError, backup
from bot.store.schema import MIGRATIONS
from bot.store.store import Store
from tests.bot.store.conftest import conversation_with_message
from tests.support.clock import TEAM_TIME


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A backup copies the SQLite file (PostgreSQL is backed up with its own tools, docs/operations.md)."""
    return f"sqlite:///{tmp_path / 'db.sqlite'}"


def rows(path: Path, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [tuple(r) for r in conn.execute(sql, args).fetchall()]
    finally:
        conn.close()


def write_until_stopped(path: str, stop: Any, committed: Any) -> None:
    """A writer in its own process, as the bot writes: each transaction stores a conversation with its message,
    a queued reply and a card to post, and marks the previous reply sent and the previous card posted."""
    store = Store.open(path, clock=FakeClock(TEAM_TIME))
    i = 0
    while not stop.is_set():
        with store.transaction():
            cid = store.create_conversation(key=f"c{i}", kind="buyer", order_id=f"302-0000000-{i:07d}")
            row = store.insert_message(
                message_id=f"<m{i}@marketplace.amazon.de>",
                conversation_id=cid,
                direction="in",
                kind="buyer_message",
                received_at=store.now(),
                text=f"message {i} " + "x" * 4000,
            )
            store.create_send(
                key=f"s{i}", conversation_id=cid, reply_to_row=row, text=f"reply {i}", by_user="U1"
            )
            store.enqueue(
                kind="post_card",
                dedupe_key=f"card:{i}",
                due_by=None,
                conversation_id=cid,
                message_row=row,
                channel="C1",
            )
            if i:
                previous = store.send_by_key(key=f"s{i - 1}")
                assert previous is not None
                store.update_send(send_id=int(previous["id"]), state="sent", sent_at=store.now())
                item = store.query_one("SELECT id FROM outbox WHERE dedupe_key = ?", [f"card:{i - 1}"])
                assert item is not None
                store.complete_outbox(outbox_id=int(item["id"]), channel="C1", ts=f"1.{i - 1}", role="card")
        i += 1
        committed.value = i
    store.close()


def assert_one_whole_moment(copy: Path) -> int:
    """The copy holds transactions 0..k-1 whole, each once, and k is returned; what was on its way out is marked."""
    keys = [r[0] for r in rows(copy, "SELECT key FROM conversations ORDER BY id")]
    k = len(keys)
    assert keys == [f"c{i}" for i in range(k)] and k > 0
    assert rows(copy, "SELECT count(*), count(DISTINCT message_id) FROM messages") == [(k, k)]
    sends = rows(copy, "SELECT key, state FROM sends ORDER BY id")
    assert sends == [(f"s{i}", "sent") for i in range(k - 1)] + [
        (f"s{k - 1}", "sending")
    ]  # the queued one: held
    outbox = rows(copy, "SELECT dedupe_key, state, attempts FROM outbox ORDER BY id")
    assert outbox == [(f"card:{i}", "done", 0) for i in range(k - 1)] + [(f"card:{k - 1}", "pending", 1)]
    assert rows(copy, "SELECT count(*) FROM slack_posts") == [(k - 1,)]
    assert rows(copy, "SELECT action FROM audit WHERE actor = 'backup'") == [("backup_taken",)]
    assert rows(copy, "PRAGMA integrity_check") == [("ok",)]
    return k


def test_a_backup_under_write_load_is_one_moment_and_restores_without_loss(tmp_path: Path) -> None:
    live = tmp_path / "live" / "bot.db"
    Store.open(live, clock=FakeClock(TEAM_TIME)).close()
    spawn = multiprocessing.get_context("spawn")
    stop, committed = spawn.Event(), spawn.Value("i", 0)
    writer = spawn.Process(target=write_until_stopped, args=(str(live), stop, committed))
    writer.start()
    copies: list[tuple[Path, int]] = []
    try:
        overlapped = False
        for n in range(
            200
        ):  # until one backup was taken while the writer committed (in practice the first ones)
            while committed.value < 20 * (n + 1) and writer.is_alive():
                time.sleep(0.001)
            assert writer.is_alive(), "the writer stopped: see its traceback above"
            before = committed.value
            made = backup(live, tmp_path / f"copy{n}.db", taken_at=TEAM_TIME)
            overlapped = overlapped or committed.value > before
            copies.append((made.path, assert_one_whole_moment(made.path)))
            if overlapped and len(copies) >= 3:
                break
        assert overlapped
    finally:
        stop.set()
        writer.join(30)
    assert writer.exitcode == 0  # the backups never made the writer fail or give up (no "database is locked")

    path, k = copies[-1]
    for i in range(
        k
    ):  # nothing lost: every row of the moment as the live database has it (later states aside)
        query = "SELECT message_id, received_at, text FROM messages WHERE message_id = ?"
        assert rows(path, query, (f"<m{i}@marketplace.amazon.de>",)) == rows(
            live, query, (f"<m{i}@marketplace.amazon.de>",)
        )
    restored = tmp_path / "restored" / "bot.db"
    restored.parent.mkdir()
    shutil.copyfile(path, restored)  # the restore: the bot stopped, the file copied back
    store = Store.open(restored, clock=FakeClock(TEAM_TIME))
    try:
        assert store.integrity_ok() and store.schema_version == len(MIGRATIONS)
        assert len(store.conversations()) == k and len(store.sends(state="sent")) == k - 1
        assert [s["key"] for s in store.sends(state="sending")] == [
            f"s{k - 1}"
        ]  # the mailer will ask a person
        assert [(i["dedupe_key"], i["attempts"]) for i in store.due_outbox()] == [(f"card:{k - 1}", 1)]
        assert rows(live, "SELECT state FROM sends WHERE key = ?", (f"s{k - 1}",)) == [("sent",)]
    finally:
        store.close()


def test_the_copy_marks_what_was_on_its_way_out_and_the_live_database_is_untouched(
    tmp_path: Path, store: Store
) -> None:
    cid, row = conversation_with_message(store)
    other, other_row = conversation_with_message(store, 2)
    sent, _ = store.create_send(key="sent", conversation_id=cid, reply_to_row=row, text="a", by_user="U1")
    store.update_send(send_id=int(sent["id"]), state="sent")
    failed, _ = store.create_send(
        key="failed", conversation_id=other, reply_to_row=None, text="b", by_user="U1"
    )
    store.update_send(send_id=int(failed["id"]), state="failed")
    store.create_send(key="queued", conversation_id=other, reply_to_row=other_row, text="c", by_user="U1")
    store.enqueue(kind="post_card", dedupe_key="card:1", due_by=None, conversation_id=cid, channel="C1")
    store.enqueue(kind="post_card", dedupe_key="card:2", due_by=None, conversation_id=other, channel="C1")
    done = store.due_outbox()[0]
    store.complete_outbox(outbox_id=int(done["id"]), channel="C1", ts="1.1", role="card")
    live = tmp_path / "db.sqlite"

    made = backup(live, tmp_path / "copy.db", taken_at=TEAM_TIME)

    assert (made.held_sends, made.pending_posts) == (1, 1)
    assert made.schema_version == len(MIGRATIONS) and made.size == (tmp_path / "copy.db").stat().st_size
    assert (
        made.counts["conversations"] == 2 and made.counts["replies"] == 3 and made.counts["Slack posts"] == 1
    )
    copy = tmp_path / "copy.db"
    assert dict(rows(copy, "SELECT key, state FROM sends")) == {
        "sent": "sent",
        "failed": "failed",
        "queued": "sending",
    }
    assert rows(copy, "SELECT dedupe_key, state, attempts FROM outbox ORDER BY id") == [
        ("card:1", "done", 0),
        ("card:2", "pending", 1),
    ]
    [(detail,)] = rows(copy, "SELECT detail FROM audit WHERE action = 'backup_taken'")
    assert '"held_sends": 1' in detail and '"pending_posts": 1' in detail
    assert store.send_by_key(key="queued")["state"] == "queued"  # type: ignore[index]
    assert [i["attempts"] for i in store.due_outbox()] == [0]
    assert rows(copy, "PRAGMA journal_mode") == [("delete",)]  # one self-contained file, no -wal beside it
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600  # buyers' personal data: owner only


def test_it_refuses_to_overwrite_unless_forced_and_never_the_live_files(tmp_path: Path, store: Store) -> None:
    live = tmp_path / "db.sqlite"
    target = tmp_path / "copy.db"
    target.write_text("an older backup")
    with pytest.raises(BackupError, match=r"exists already.*--force"):
        backup(live, target, taken_at=TEAM_TIME)
    assert target.read_text() == "an older backup"
    backup(live, target, taken_at=TEAM_TIME, force=True)
    assert rows(target, "PRAGMA integrity_check") == [("ok",)]
    for own in (live, Path(f"{live}-wal"), Path(f"{live}-shm")):
        with pytest.raises(BackupError, match="live database"):
            backup(live, own, taken_at=TEAM_TIME, force=True)
    with pytest.raises(BackupError, match="is a folder"):
        backup(live, tmp_path, taken_at=TEAM_TIME)
    with pytest.raises(BackupError, match="does not exist: create it"):
        backup(live, tmp_path / "nowhere" / "copy.db", taken_at=TEAM_TIME)
    with pytest.raises(BackupError, match="no database at"):
        backup(tmp_path / "missing.db", tmp_path / "x.db", taken_at=TEAM_TIME)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")) == []


def test_a_damaged_database_leaves_no_backup_behind(tmp_path: Path) -> None:
    broken = tmp_path / "bot.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    with pytest.raises(BackupError, match="cannot back up"):
        backup(broken, tmp_path / "copy.db", taken_at=TEAM_TIME)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.db"]


def test_a_database_of_an_older_schema_is_backed_up_before_an_upgrade(tmp_path: Path) -> None:
    old = tmp_path / "v2.db"
    conn = sqlite3.connect(old, isolation_level=None)
    db = sqlite_utils.Database(conn)
    for step in MIGRATIONS[:2]:
        step(db)
    conn.execute("PRAGMA user_version=2")
    conn.execute(
        "INSERT INTO conversations (key, kind, state, created_at, updated_at) VALUES ('k', 'buyer', 'open', 'x', 'x')"
    )
    conn.close()
    made = backup(old, tmp_path / "copy.db", taken_at=TEAM_TIME)
    assert made.schema_version == 2 and made.counts["conversations"] == 1
    assert "replies" not in made.counts and "drafts" not in made.counts  # tables that schema did not have yet
    assert (made.held_sends, made.pending_posts) == (0, 0)
