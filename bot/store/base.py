"""The store's foundation: one SQLite connection (WAL), migrations, transactions, plain queries, the audit log."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

import sqlite_utils

from bot.clock.clocks import Clock
from bot.store.schema import MIGRATIONS

log = logging.getLogger(__name__)

Row = dict[str, Any]

# Who answered when the seller replied in Seller Central (Amazon's copy of the reply arrived), not from Slack.
ANSWERED_OUTSIDE_SLACK = "seller_central"
BUSY_TIMEOUT_MS = 30_000  # how long a write waits for another connection's lock


class ConversationState(StrEnum):
    """Where a conversation stands; only the store's transitions (bot/store/conversations.py) change it."""

    OPEN = "open"  # waiting for an answer: the 24-hour clock runs
    ANSWERED = "answered"  # a reply went out: the clock stops
    CLOSED = "closed"  # no response needed, or a notice handled in Seller Central


def iso(when: datetime) -> str:
    """A UTC timestamp as sortable ISO 8601 text."""
    if when.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def parse_iso(text: str | None) -> datetime | None:
    """The inverse of iso()."""
    return datetime.fromisoformat(text) if text else None


class StaleSchema(Exception):
    """A database opened read-only whose schema is not this release's."""


@dataclass
class StoreBase:
    """Small keyword-only functions over one SQLite database; the record mixins build on these."""

    db: sqlite_utils.Database
    clock: Clock
    _message_columns: str | None = field(
        default=None, init=False, repr=False
    )  # every column but the raw mail

    @classmethod
    def open(cls, path: Path | str, *, clock: Clock) -> Self:
        """Open (creating with owner-only permissions) and migrate the database."""
        if str(path) != ":memory:":
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        store = cls(db=db, clock=clock)
        store.migrate()
        return store

    @classmethod
    def open_read_only(cls, path: Path, *, clock: Clock) -> Self:
        """Open an existing database only to read it (an export while the bot runs): nothing is created or migrated;
        a schema other than this release's is refused with what to do."""
        conn = sqlite3.connect(
            f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=30, check_same_thread=False
        )
        store = cls(db=sqlite_utils.Database(conn), clock=clock)
        version, expected = store.schema_version, len(MIGRATIONS)
        if version != expected:
            conn.close()
            raise StaleSchema(
                f"{path} has schema version {version}, this release reads version {expected}: "
                + (
                    "start the bot once so it migrates the database"
                    if version < expected
                    else "use a newer release"
                )
            )
        return store

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()

    @property
    def schema_version(self) -> int:
        """The number of migrations applied."""
        return int(self.db.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Apply the migrations this database lacks, each in its own transaction."""
        for version, step in enumerate(MIGRATIONS, start=1):
            if self.schema_version >= version:
                continue
            with self.transaction():
                step(self.db)
                self.db.conn.execute(f"PRAGMA user_version={version}")
            log.info("database migrated to schema version %d", version)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of work; nested use joins the outer transaction."""
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def now(self) -> str:
        """The clock's time as stored text."""
        return iso(self.clock.now())

    def integrity_ok(self) -> bool:
        """SQLite's own integrity check."""
        return bool(self.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")

    def write_problem(self, *, wait_ms: int = 500) -> str | None:
        """None if the database takes a write now (a write transaction begun and rolled back, waiting at most
        `wait_ms` for another process's lock), else why not. A file database is tried on a connection of its own,
        so this may run in a worker thread (`asyncio.to_thread`) and never holds up the event loop."""
        try:
            if self.db.conn.in_transaction:
                return None  # a write of ours is under way
            rows = self.db.conn.execute("PRAGMA database_list").fetchall()
            path = next((row[2] for row in rows if row[1] == "main"), "")
            if not path:  # in memory: only this connection writes to it
                return None
            conn = sqlite3.connect(path, timeout=wait_ms / 1000, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
            finally:
                conn.close()
        except sqlite3.Error as e:
            return f"{type(e).__name__}: {e}"
        return None

    def meta(self, key: str) -> str | None:
        """A fact about the database itself (the meta table), None if never set."""
        row = self.db.conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a fact about the database itself."""
        self.db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])

    def query(self, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> list[Row]:
        """Rows of a plain query as dicts (the hot paths: no per-call schema look-ups)."""
        cur = self.db.conn.execute(sql, args)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, values, strict=True)) for values in cur.fetchall()]

    def query_one(self, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> Row | None:
        """The first row of a plain query, or None."""
        rows = self.query(sql, args)
        return rows[0] if rows else None

    def _update(self, table: str, row_id: int, fields: dict[str, Any]) -> None:
        """A plain UPDATE of one row by id."""
        if not fields:
            return
        sets = ", ".join(f"{name} = ?" for name in fields)
        self.db.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", [*fields.values(), row_id])

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        """A plain INSERT of one row (the hot paths: no per-call schema look-ups); returns its rowid."""
        names = ", ".join(row)
        cur = self.db.conn.execute(
            f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(row))})", list(row.values())
        )
        return int(cur.lastrowid or 0)

    def audit(self, *, actor: str, action: str, conversation_id: int | None = None, **detail: Any) -> None:
        """Append one line to the audit log."""
        self._insert(
            "audit",
            {
                "at": self.now(),
                "actor": actor,
                "action": action,
                "conversation_id": conversation_id,
                "detail": json.dumps(detail, ensure_ascii=False, default=str),
            },
        )

    def mailbox_state(self, *, source: str) -> tuple[int | None, int]:
        """(UIDVALIDITY, last UID read) of one mailbox."""
        row = self.db.conn.execute(
            "SELECT uidvalidity, last_uid FROM mailbox_state WHERE source = ?", [source]
        ).fetchone()
        return (row[0], row[1] or 0) if row else (None, 0)

    def set_mailbox_state(self, *, source: str, uidvalidity: int, last_uid: int) -> None:
        """Remember how far a mailbox was read."""
        self.db.table("mailbox_state").upsert(
            {"source": source, "uidvalidity": uidvalidity, "last_uid": last_uid, "updated_at": self.now()},
            pk="source",
        )
