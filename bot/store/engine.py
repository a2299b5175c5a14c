"""The store's two engines: SQLite (one file in WAL mode, the default) and PostgreSQL (psycopg 3).

The store writes one SQL (`?` placeholders, `ON CONFLICT`, plain types); an engine runs it on its connection and
says what differs: the greatest of several values, how a new row's id comes back, where the schema version lives.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import sqlite3
import threading
from contextlib import AbstractContextManager, nullcontext
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from bot.store.url import DatabaseUrl

if TYPE_CHECKING:  # psycopg is needed only for PostgreSQL (the `postgresql` extra)
    import psycopg

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000  # how long a write waits for another connection's lock
IDLE_IN_TRANSACTION_MS = (
    60_000  # PostgreSQL ends a session left in a transaction this long (a stopped process)
)
SERVER_KEEPALIVES = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 5, "tcp_keepalives_count": 3}
CONNECTION = {  # libpq: a peer that vanished is noticed within about half a minute
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}
MIGRATION_LOCK = (
    0x1B0C_5EED  # the advisory lock two instances starting at once migrate under, one after the other
)


class Cursor(Protocol):
    """What a statement gives back, on either engine (DB-API)."""

    @property
    def description(self) -> Any: ...

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def fetchmany(self, size: int = ...) -> list[Any]: ...


class Engine:
    """One connection to the database and what its SQL dialect needs."""

    dialect = ""
    greatest = "max"  # the function giving the greatest of several values
    # store work in the store's own thread (StoreBase.run)? SQLite: no (a local call); PostgreSQL: yes (round trips)
    threaded = False
    # held by whoever uses the connection: each statement, and a transaction from BEGIN to COMMIT (PostgreSQL)
    lock: AbstractContextManager[Any] = nullcontext()

    def execute(self, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> Cursor:
        """Run one statement (with `?` placeholders)."""
        raise NotImplementedError

    def insert(self, sql: str, args: list[Any] | tuple[Any, ...], *, returning_id: bool) -> int:
        """Run an INSERT; the new row's id when the table has one."""
        raise NotImplementedError

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Run one statement for each row (a bulk copy)."""
        raise NotImplementedError

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open on this connection."""
        raise NotImplementedError

    def begin(self) -> None:
        """Begin a write transaction."""
        self.execute("BEGIN")

    def schema_version(self) -> int:
        """The number of migrations applied."""
        raise NotImplementedError

    def set_schema_version(self, version: int) -> None:
        """Record the number of migrations applied (inside the migration's transaction)."""
        raise NotImplementedError

    def columns(self, table: str) -> list[str]:
        """A table's columns in order."""
        raise NotImplementedError

    def tables(self) -> list[str]:
        """The tables of the store."""
        raise NotImplementedError

    def integrity_ok(self) -> bool:
        """The engine's own check of the database."""
        return True

    def ping(self) -> None:
        """Make sure the connection works now."""

    def write_problem(self, *, wait_ms: int) -> str | None:
        """None if the database takes a write now, else why not."""
        raise NotImplementedError

    def close(self) -> None:
        """Close the connection."""
        raise NotImplementedError


class SqliteEngine(Engine):
    """SQLite in WAL mode, one connection shared by the loop and its worker threads."""

    dialect = "sqlite"
    greatest = "max"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.raw = conn

    @classmethod
    def open(cls, path: Path | str) -> SqliteEngine:
        """Open (creating with owner-only permissions) a database file, or `:memory:`."""
        if str(path) != ":memory:":
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return cls(conn)

    @classmethod
    def open_read_only(cls, path: Path) -> SqliteEngine:
        """Open an existing file only to read it."""
        uri = f"{Path(path).resolve().as_uri()}?mode=ro"
        return cls(sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False))

    def execute(self, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> Cursor:
        """Run one statement."""
        return self.raw.execute(sql, args)

    def insert(self, sql: str, args: list[Any] | tuple[Any, ...], *, returning_id: bool) -> int:
        """Run an INSERT; the new rowid."""
        return int(self.raw.execute(sql, args).lastrowid or 0)

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """sqlite3's executemany."""
        self.raw.executemany(sql, rows)

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open."""
        return self.raw.in_transaction

    def begin(self) -> None:
        """Take the write lock at once (no upgrade deadlocks between two writers)."""
        self.raw.execute("BEGIN IMMEDIATE")

    def schema_version(self) -> int:
        """PRAGMA user_version."""
        return int(self.raw.execute("PRAGMA user_version").fetchone()[0])

    def set_schema_version(self, version: int) -> None:
        """PRAGMA user_version = version."""
        self.raw.execute(f"PRAGMA user_version={int(version)}")

    def columns(self, table: str) -> list[str]:
        """PRAGMA table_info."""
        return [row[1] for row in self.raw.execute(f"PRAGMA table_info({table})").fetchall()]

    def tables(self) -> list[str]:
        """The tables in sqlite_master."""
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        return [row[0] for row in self.raw.execute(sql).fetchall()]

    def integrity_ok(self) -> bool:
        """PRAGMA integrity_check."""
        return bool(self.raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok")

    def write_problem(self, *, wait_ms: int) -> str | None:
        """A write transaction begun and rolled back on a connection of its own (so it may run in a worker
        thread), waiting at most `wait_ms` for another process's lock."""
        try:
            if self.raw.in_transaction:
                return None  # a write of ours is under way
            rows = self.raw.execute("PRAGMA database_list").fetchall()
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

    def close(self) -> None:
        """Close the connection."""
        self.raw.close()


_QUOTED_OR_MARK = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|[?%]")


@lru_cache(maxsize=2048)
def to_pyformat(sql: str) -> str:
    """The store's SQL with psycopg's placeholders: `?` becomes `%s` (not inside quotes); every literal `%` becomes
    `%%` (psycopg reads placeholders inside quotes too)."""

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        return "%s" if token == "?" else token.replace("%", "%%")

    return _QUOTED_OR_MARK.sub(swap, sql)


def _plain(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)  # the schema keeps flags as integers, as in SQLite
    if isinstance(value, str) and "\x00" in value:
        return value.replace(
            "\x00", "\ufffd"
        )  # PostgreSQL's text holds no NUL (a hostile mail may): shown as �
    return value


class PostgresEngine(Engine):
    """PostgreSQL through psycopg 3: one connection in autocommit mode, transactions begun explicitly."""

    dialect = "postgresql"
    greatest = "greatest"

    threaded = True

    def __init__(self, conn: psycopg.Connection[Any], url: str, *, read_only: bool = False) -> None:
        # the loop's thread and the store's thread share the connection: one at a time, a transaction whole
        self.lock = threading.RLock()
        self.raw = conn
        self.url = url
        self.read_only = read_only
        self.closed = False  # closed by the store: never connected again

    @classmethod
    def open(cls, url: str, *, read_only: bool = False, connect_timeout: int = 10) -> PostgresEngine:
        """Connect (numbers come back as int or float, as from SQLite)."""
        engine = cls(connect(url, connect_timeout=connect_timeout), url, read_only=read_only)
        engine._session(engine.raw)
        return engine

    def _session(self, conn: psycopg.Connection[Any]) -> None:
        """What every connection of the store sets, again after a reconnect: a transaction left open by a stopped
        process ends (its row locks would hold a takeover up), and a read-only engine stays read-only."""
        conn.execute(f"SET idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION_MS}")
        for name, value in SERVER_KEEPALIVES.items():
            conn.execute(f"SET {name} = {int(value)}")
        # every unqualified name in the current schema only: an installation in a schema of its own never reads
        # another's tables further along the search path (public)
        row = conn.execute("SELECT current_schema()").fetchone()
        if row is None or row[0] is None:
            raise ValueError("the database URL's search_path names no schema that exists: create it first")
        conn.execute("SELECT set_config('search_path', quote_ident(%s), false)", [row[0]])
        if self.read_only:
            conn.execute("SET default_transaction_read_only = on")

    def execute(self, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> Cursor:
        """Run one statement (its rows are fetched with it: the cursor is read after the lock is let go)."""
        with self.lock:
            return self._live().execute(to_pyformat(sql), [_plain(a) for a in args])

    def executemany(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """psycopg's executemany (pipelined)."""
        with self.lock, self._live().cursor() as cur:
            cur.executemany(to_pyformat(sql), [[_plain(v) for v in row] for row in rows])

    def _live(self) -> psycopg.Connection[Any]:
        """The connection, made again if the last one was lost (a restart of the server, a failover, a proxy that
        dropped it): the statement that met the loss failed, with its transaction; the next one goes through."""
        if self.raw.closed and not self.closed:
            log.warning("the PostgreSQL connection was lost: connecting again")
            self.raw = connect(self.url)
            self._session(self.raw)
        return self.raw

    def ping(self) -> None:
        """Make sure the connection works now (a standby's may have idled for days), connecting again if not."""
        import psycopg

        with self.lock:
            try:
                self._live().execute("SELECT 1")
            except psycopg.OperationalError:
                self._live().execute("SELECT 1")  # the failed statement closed the lost connection: a new one

    def insert(self, sql: str, args: list[Any] | tuple[Any, ...], *, returning_id: bool) -> int:
        """Run an INSERT … RETURNING id."""
        if not returning_id:
            self.execute(sql, args)
            return 0
        row = self.execute(f"{sql} RETURNING id", args).fetchone()
        return int(row[0]) if row else 0

    @property
    def in_transaction(self) -> bool:
        """Whether the connection is inside a transaction."""
        from psycopg import pq

        if self.raw.closed:  # a lost connection holds no transaction: the next statement connects again
            return False
        return self.raw.info.transaction_status != pq.TransactionStatus.IDLE

    def schema_version(self) -> int:
        """The version in `inbox_bot_schema` (0 for a database the bot never migrated; nothing is created)."""
        found = (
            self._live()
            .execute("SELECT to_regclass(format('%%I.inbox_bot_schema', current_schema()))", [])
            .fetchone()
        )
        if found is None or found[0] is None:
            return 0
        row = self._live().execute("SELECT max(version) FROM inbox_bot_schema").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def set_schema_version(self, version: int) -> None:
        """Record the version (inside the migration's transaction)."""
        self._live().execute("CREATE TABLE IF NOT EXISTS inbox_bot_schema (version INTEGER NOT NULL)")
        self._live().execute("DELETE FROM inbox_bot_schema")
        self._live().execute("INSERT INTO inbox_bot_schema (version) VALUES (%s)", [version])

    def columns(self, table: str) -> list[str]:
        """information_schema's columns, in order."""
        sql = (
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s ORDER BY ordinal_position"
        )
        return [row[0] for row in self._live().execute(sql, [table]).fetchall()]

    def tables(self) -> list[str]:
        """The tables of the current schema."""
        sql = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        return [row[0] for row in self._live().execute(sql).fetchall()]

    def write_problem(self, *, wait_ms: int) -> str | None:
        """None if the server answers on a new connection and takes writes (not a read-only standby)."""
        import psycopg

        try:
            with connect(self.url, connect_timeout=max(1, wait_ms // 1000)) as conn:
                row = conn.execute("SHOW transaction_read_only").fetchone()
                if row and row[0] == "on":
                    return "the PostgreSQL server is read-only (a standby, or in recovery)"
        except psycopg.Error as e:
            return f"{type(e).__name__}: {e}".strip()
        return None

    def close(self) -> None:
        """Close the connection for good."""
        self.closed = True
        self.raw.close()


def instance_name() -> str:
    """This process among the bot's instances (host:pid): the lease's holder, the sessions' application_name."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}"  # "inbox-bot lease " + this fits application_name


def connect(url: str, *, connect_timeout: int = 10, **params: Any) -> psycopg.Connection[Any]:
    """A connection in autocommit mode whose numbers come back as from SQLite, named after this instance, with
    keepalives and a TCP timeout so a connection to a vanished host fails in seconds instead of hanging the loop
    (`params`: libpq's, overriding these). A driver's error is raised with the URL's password masked."""
    import psycopg

    params = {**CONNECTION, "application_name": f"inbox-bot {instance_name()}", **params}
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout, **params)
    except psycopg.Error as e:
        masked = DatabaseUrl("postgresql", url=url)
        raise type(e)(masked.redact(str(e))) from None
    _numbers_as_sqlite(conn)
    return conn


def _numbers_as_sqlite(conn: psycopg.Connection[Any]) -> None:
    """numeric (sums, averages) loaded as int when whole, else float: what the same query gives on SQLite."""
    from psycopg.adapt import Loader

    class NumberLoader(Loader):
        def load(self, data: Any) -> int | float:
            text = bytes(data).decode()
            return float(text) if any(c in text for c in ".eEnN") else int(text)

    conn.adapters.register_loader("numeric", NumberLoader)


def is_integrity_error(error: BaseException) -> bool:
    """Whether a constraint (unique, foreign key, not null) refused a write, on either engine."""
    if isinstance(error, sqlite3.IntegrityError):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - without the postgresql extra
        return False
    return isinstance(error, psycopg.errors.IntegrityError)


def database_errors() -> tuple[type[BaseException], ...]:
    """The errors a database may raise, on either engine (for `except`)."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - without the postgresql extra
        return (sqlite3.Error,)
    return (sqlite3.Error, psycopg.Error)


def open_engine(url: DatabaseUrl, *, read_only: bool = False) -> Engine:
    """Connect to the database a URL names."""
    if url.engine == "postgresql":
        return PostgresEngine.open(url.url, read_only=read_only)
    assert url.path is not None
    return SqliteEngine.open_read_only(url.path) if read_only else SqliteEngine.open(url.path)
