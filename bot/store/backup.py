"""Backups: a copy of the live database by SQLite's online backup API, safe while the bot runs and writes, which is
restored by stopping the bot and copying the file back.

The copy is the database at one moment (one read snapshot of the WAL database, so every transaction is in it whole
or not at all), with one change that makes restoring it safe: what was still on its way out at that moment may have
gone out afterwards, so a bot started on the copy must not simply do it again. Slack posts not yet made are marked as
attempted (the poster then looks for them in the channel before posting, as after a crash), and replies queued or
being sent are marked as being sent (the mailer then asks a person in the card's thread whether the reply went out,
as after a crash, and never sends it again by itself). The copy's audit log says so.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.store.base import iso
from bot.store.engine import BUSY_TIMEOUT_MS

log = logging.getLogger(__name__)

# What `inbox-bot backup` counts in the copy, as (label, SQL): enough to see the copy holds what the team expects.
# A table an older schema lacks (a backup before an upgrade) is left out.
COUNTS = (
    ("conversations", "conversations", ""),
    ("open conversations", "conversations", "WHERE state = 'open'"),
    ("messages", "messages", ""),
    ("replies", "sends", ""),
    ("drafts", "drafts", ""),
    ("claim evidence", "evidence", ""),
    ("Slack posts", "slack_posts", ""),
)
HELD_SENDS = "UPDATE sends SET state = 'sending', error = ? WHERE state IN ('queued', 'sending')"
PENDING_POSTS = "UPDATE outbox SET attempts = 1 WHERE state IN ('pending', 'in_flight') AND attempts < 1"


class BackupError(Exception):
    """The backup could not be made; the message says why and what to do. No partial file is left behind."""


@dataclass(frozen=True)
class Backup:
    """What was written: where, how large, the schema version, counts, and what a restore will ask about."""

    path: Path
    size: int
    schema_version: int
    taken_at: datetime
    counts: dict[str, int]
    # what a bot restored from the copy asks about: replies queued or being sent (a person decides whether they went
    # out), and Slack posts not yet made (looked for in the channel first)
    held_sends: int
    pending_posts: int


def backup(database: Path, target: Path, *, taken_at: datetime, force: bool = False) -> Backup:
    """Copy `database` to `target` while the bot may be running and writing; refuses an existing `target` unless
    `force`, and never the database's own files."""
    database, target = Path(database), Path(target)
    if not database.is_file():
        raise BackupError(f"no database at {database}: check INBOX_BOT_DATABASE_PATH")
    _check_target(database, target, force=force)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # personal data: owner only
    except OSError as e:
        raise BackupError(f"cannot write in {target.parent}: {e.strerror or e}") from e
    try:
        result = _copy(database, temporary, target, taken_at)
        _durable_rename(temporary, target)
    except BaseException:
        for leftover in (temporary, *(Path(f"{temporary}{s}") for s in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        raise
    log.info(
        "backup of %s written to %s: %d bytes, schema version %d, %s; %d replies and %d Slack posts marked for a "
        "careful restore",
        database,
        target,
        result.size,
        result.schema_version,
        ", ".join(f"{n} {label}" for label, n in result.counts.items()),
        result.held_sends,
        result.pending_posts,
    )
    return result


def _check_target(database: Path, target: Path, *, force: bool) -> None:
    live = {
        database.resolve(),
        *(Path(f"{database.resolve()}{s}") for s in ("-wal", "-shm", "-journal", ".lock")),
    }
    if target.resolve() in live:
        raise BackupError(
            f"{target} is the live database or one of its files: write the backup somewhere else"
        )
    if target.is_dir():
        raise BackupError(f"{target} is a folder: name the backup file, e.g. {target / 'inbox-bot.db'}")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist: create it first")
    if target.exists() and not force:
        raise BackupError(f"{target} exists already: choose another name, or --force to replace it")


def _copy(database: Path, temporary: Path, target: Path, taken_at: datetime) -> Backup:
    """The online backup into `temporary`, made restore-safe, checked and counted."""
    # Never a write to the live database (query_only). Not a read-only open: that would leave -wal and -shm files
    # behind when the bot is stopped, owned by whoever ran the backup, which a bot running as another user cannot open.
    source = sqlite3.connect(str(database), timeout=30, isolation_level=None)
    copy = sqlite3.connect(str(temporary), isolation_level=None)
    try:
        source.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        source.execute("PRAGMA query_only=ON")
        source.backup(
            copy, pages=-1
        )  # one step: one read snapshot, so the copy is one moment of the database
        copy.execute(
            "PRAGMA journal_mode=DELETE"
        )  # one self-contained file; the bot sets WAL again when it opens
        held, pending = _made_safe(copy, database, taken_at)
        check = copy.execute("PRAGMA integrity_check").fetchall()
        if [tuple(row) for row in check] != [("ok",)]:
            problems = "; ".join(str(row[0]) for row in check[:5])
            raise BackupError(
                f"the copy fails SQLite's integrity check ({problems}): is the database damaged?"
            )
        counts = {
            label: int(copy.execute(f"SELECT count(*) FROM {table} {where}").fetchone()[0])
            for label, table, where in COUNTS
            if _has_tables(copy, table)
        }
        version = int(copy.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error as e:
        raise BackupError(f"cannot back up {database}: {type(e).__name__}: {e}") from e
    finally:
        copy.close()
        source.close()
    with open(temporary, "rb") as f:
        os.fsync(f.fileno())
    return Backup(
        path=target,
        size=temporary.stat().st_size,
        schema_version=version,
        taken_at=taken_at,
        counts=counts,
        held_sends=held,
        pending_posts=pending,
    )


def _made_safe(copy: sqlite3.Connection, database: Path, taken_at: datetime) -> tuple[int, int]:
    """Mark in the copy what may go out after this moment (see the module's docstring); returns (replies, posts)."""
    if not _has_tables(copy, "sends", "outbox", "audit"):
        return 0, 0  # an empty or foreign database: nothing of the bot's to make safe
    when = iso(taken_at)
    copy.execute("BEGIN IMMEDIATE")
    held = copy.execute(
        HELD_SENDS,
        [f"queued or being sent when the backup of {when} was taken: it may have gone out after it"],
    ).rowcount
    pending = copy.execute(PENDING_POSTS).rowcount
    detail = {"source": str(database), "held_sends": held, "pending_posts": pending}
    copy.execute(
        "INSERT INTO audit (at, actor, action, detail) VALUES (?, 'backup', 'backup_taken', ?)",
        [when, json.dumps(detail)],
    )
    copy.execute("COMMIT")
    return held, pending


def _has_tables(conn: sqlite3.Connection, *names: str) -> bool:
    marks = ", ".join("?" for _ in names)
    sql = f"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ({marks})"
    return int(conn.execute(sql, names).fetchone()[0]) == len(names)


def _durable_rename(temporary: Path, target: Path) -> None:
    """Put the finished copy in place in one step (never a half-written backup under its name), and make it last."""
    os.replace(temporary, target)
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
