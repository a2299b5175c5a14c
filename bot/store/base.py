"""The store's foundation: one connection (SQLite or PostgreSQL), migrations, transactions, plain queries, the audit log."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, ParamSpec, Self, TypeVar

import sqlite_utils

from bot.clock.clocks import Clock
from bot.store.ddl import PostgresSchema, SchemaDb
from bot.store.engine import (
    MIGRATION_LOCK,
    Engine,
    PostgresEngine,
    SqliteEngine,
    database_errors,
    open_engine,
)
from bot.store.schema import MIGRATIONS
from bot.store.url import DatabaseUrl

log = logging.getLogger(__name__)

Row = dict[str, Any]
P = ParamSpec("P")
T = TypeVar("T")

# Who answered when the seller replied in Seller Central (Amazon's copy of the reply arrived), not from Slack.
ANSWERED_OUTSIDE_SLACK = "seller_central"
KEYED_BY_NAME = frozenset(
    {"orders", "mailbox_state", "meta", "leader"}
)  # tables whose key is not an integer id


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


class LeaseLost(BaseException):
    """This instance is no longer the leader (another took over): it must stop acting at once. A BaseException, as
    SystemExit is: the workers' `except Exception` (a failed pass retried, a send marked failed) must not catch it."""


class StaleSchema(Exception):
    """A database opened read-only whose schema is not this release's."""


def open_errors() -> tuple[type[BaseException], ...]:
    """What opening a store may raise for a command to report: an engine's error, or a schema this release does not
    read (for `except`)."""
    return (StaleSchema, *database_errors())


@dataclass
class StoreBase:
    """Small keyword-only functions over one database (bot/store/engine.py); the record mixins build on these."""

    conn: Engine
    clock: Clock
    _message_columns: str | None = field(
        default=None, init=False, repr=False
    )  # every column but the raw mail
    # the leader's lease epoch (PostgreSQL; None: no lease), and until when (time.monotonic()) the lease surely holds
    fence_epoch: int | None = field(default=None, init=False)
    fence_deadline: float | None = field(default=None, init=False)
    _thread: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)  # see run()

    @classmethod
    def open(cls, path: Path | str, *, clock: Clock) -> Self:
        """Open (creating with owner-only permissions) and migrate an SQLite file, or `:memory:`."""
        store = cls(conn=SqliteEngine.open(path), clock=clock)
        store.migrate()
        return store

    @classmethod
    def connect(cls, url: DatabaseUrl | str, *, clock: Clock) -> Self:
        """Open and migrate the database a URL names (`sqlite:///…`, a path, or `postgresql://…`)."""
        url = DatabaseUrl.parse(url) if isinstance(url, str) else url
        store = cls(conn=open_engine(url), clock=clock)
        store.migrate()
        return store

    @classmethod
    def open_read_only(cls, path: Path | DatabaseUrl, *, clock: Clock) -> Self:
        """Open an existing database only to read it (an export while the bot runs): nothing is created or migrated;
        a schema other than this release's is refused with what to do."""
        url = path if isinstance(path, DatabaseUrl) else DatabaseUrl("sqlite", path=Path(path))
        store = cls(conn=open_engine(url, read_only=True), clock=clock)
        version, expected = store.schema_version, len(MIGRATIONS)
        if version != expected:
            store.close()
            raise StaleSchema(
                f"{url.path or url.shown} has schema version {version}, this release reads version {expected}: "
                + (
                    "start the bot once so it migrates the database"
                    if version < expected
                    else "use a newer release"
                )
            )
        return store

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the SQLite connection (tools and tests of the SQLite file only)."""
        if not isinstance(self.conn, SqliteEngine):
            raise TypeError(f"sqlite-utils reads SQLite only, this store is on {self.conn.dialect}")
        return sqlite_utils.Database(self.conn.raw)

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.conn.dialect

    def close(self) -> None:
        """Close the connection (and the store's thread, once its work is done)."""
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None
        self.conn.close()

    def finish(self) -> None:
        """Wait until the store work asked for so far (Store.run) is done: a stopping leader lets its lease go only
        after it. The thread stays for work asked for later (a listener still under way); close() ends it."""
        if self._thread is not None:
            self._thread.submit(lambda: None).result()  # one thread, in order: all before it is done

    async def run(self, work: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """`work(*args, **kwargs)`, synchronous store work, without holding the event loop on PostgreSQL.

        On PostgreSQL each statement is a round trip to the server: the work runs in the store's own thread, holding
        the connection's lock throughout (its transactions are whole; a statement from the loop meanwhile waits), in
        the order it was asked for, with the caller's log context, and to its end even when the caller is cancelled.
        On SQLite (a local file, a connection bound to the loop's thread) it runs here and now, as before. `work` must
        not touch the loop but through what may be used from another thread (bot/workers/wake.py): no task, no await."""
        if not self.conn.threaded:
            return work(*args, **kwargs)
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        context = contextvars.copy_context()

        def locked() -> T:
            with self.conn.lock:
                return context.run(work, *args, **kwargs)

        done = asyncio.get_running_loop().run_in_executor(self._thread, locked)
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            # as a synchronous call cannot be stopped half-way, asked-for work is done whole (a task stopping at
            # shutdown leaves no mail unstored or send unrecorded behind it), then the caller stops: cancelled
            # again meanwhile (bot.app cancels a stopping task every few seconds), it still waits
            while not done.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait([done])
            raise

    @property
    def schema_version(self) -> int:
        """The number of migrations applied."""
        return self.conn.schema_version()

    def migrate(self) -> None:
        """Apply the migrations this database lacks, each in its own transaction (on PostgreSQL under an advisory
        lock: two instances starting at once migrate one after the other)."""
        if isinstance(self.conn, PostgresEngine):
            self.conn.execute("SELECT pg_advisory_lock(?)", [MIGRATION_LOCK])
        try:
            for version, step in enumerate(MIGRATIONS, start=1):
                if self.schema_version >= version:
                    continue
                with self.transaction():
                    step(self._schema_db())
                    self.conn.set_schema_version(version)
                log.info("database migrated to schema version %d", version)
        finally:
            if isinstance(self.conn, PostgresEngine):
                self.conn.execute("SELECT pg_advisory_unlock(?)", [MIGRATION_LOCK])

    def _schema_db(self) -> SchemaDb:
        if isinstance(self.conn, SqliteEngine):
            return sqlite_utils.Database(self.conn.raw)
        return PostgresSchema(self.conn.execute)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of work; nested use joins the outer transaction. The connection is held from BEGIN to
        COMMIT (PostgreSQL: no statement of another thread can fall into it)."""
        conn = self.conn
        with conn.lock:
            if conn.in_transaction:
                yield
                return
            conn.begin()
            try:
                yield
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def ping(self) -> None:
        """Make sure the connection works now, connecting again if it was lost (PostgreSQL)."""
        self.conn.ping()

    def lease_renewed(self, until: float) -> None:
        """The lease surely holds until `until` (time.monotonic()): nothing leaves after it unless renewed again."""
        self.fence_deadline = until

    def assert_leading(self) -> None:
        """Right before anything leaves (a Slack post, an e-mail, an upload): raise LeaseLost if the lease was not
        renewed in time. A standby takes over a silent leader only after a whole lease, so a leader that was paused
        (stopped, swapping, its loop blocked) stops here before it acts on a claim a new leader may now hold."""
        if self.fence_deadline is not None and time.monotonic() > self.fence_deadline:
            raise LeaseLost(f"the lease (epoch {self.fence_epoch}) was not renewed in time: stopping")

    def check_lease(self) -> None:
        """Inside a claim's transaction: raise LeaseLost unless this instance still holds the lease it was given
        (the row is share-locked, so a takeover waits for this claim and every later claim sees the new epoch)."""
        if self.fence_epoch is None:
            return
        self.assert_leading()
        row = self.conn.execute("SELECT epoch FROM leader WHERE name = 'leader' FOR SHARE").fetchone()
        if row is None or int(row[0]) != self.fence_epoch:
            raise LeaseLost(
                f"the lease moved to epoch {row[0] if row else '?'} (this instance had {self.fence_epoch}): stopping"
            )

    def now(self) -> str:
        """The clock's time as stored text."""
        return iso(self.clock.now())

    def integrity_ok(self) -> bool:
        """The engine's own check (SQLite's integrity_check)."""
        return self.conn.integrity_ok()

    def write_problem(self, *, wait_ms: int = 500) -> str | None:
        """None if the database takes a write now (tried on a connection of its own, waiting at most `wait_ms`, so
        this may run in a worker thread and never holds up the event loop), else why not."""
        return self.conn.write_problem(wait_ms=wait_ms)

    def meta(self, key: str) -> str | None:
        """A fact about the database itself (the meta table), None if never set."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a fact about the database itself."""
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )

    def query(self, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> list[Row]:
        """Rows of a plain query as dicts (the hot paths: no per-call schema look-ups)."""
        cur = self.conn.execute(sql, args)
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
        sets = ", ".join(f'"{name}" = ?' for name in fields)
        self.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", [*fields.values(), row_id])

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        """A plain INSERT of one row (the hot paths: no per-call schema look-ups); returns its rowid."""
        names = ", ".join(f'"{name}"' for name in row)
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(row))})"
        return self.conn.insert(sql, list(row.values()), returning_id=table not in KEYED_BY_NAME)

    def _upsert(self, table: str, row: dict[str, Any], *, key: str) -> None:
        """Insert a row or update the one with the same `key` (only the given columns)."""
        names = ", ".join(f'"{name}"' for name in row)
        sets = ", ".join(f'"{name}" = excluded."{name}"' for name in row if name != key)
        self.conn.execute(
            f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(row))}) "
            f"ON CONFLICT ({key}) DO UPDATE SET {sets}",
            list(row.values()),
        )

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
        row = self.conn.execute(
            "SELECT uidvalidity, last_uid FROM mailbox_state WHERE source = ?", [source]
        ).fetchone()
        return (row[0], row[1] or 0) if row else (None, 0)

    def set_mailbox_state(self, *, source: str, uidvalidity: int, last_uid: int) -> None:
        """Remember how far a mailbox was read."""
        self._upsert(
            "mailbox_state",
            {"source": source, "uidvalidity": uidvalidity, "last_uid": last_uid, "updated_at": self.now()},
            key="source",
        )
