"""A throwaway PostgreSQL cluster on loopback for tests (Debian's `postgresql`: initdb in a temp dir, pg_ctl).

Each test gets a schema of its own in the one cluster (`Postgres.fresh_url()`), so tests never see each other's rows
and need no CREATE DATABASE.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tests.support.dovecot import free_port


def pg_bin(name: str) -> str | None:
    """A PostgreSQL server program (Debian keeps them in /usr/lib/postgresql/<version>/bin), newest version."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else shutil.which(name)


def available() -> bool:
    """Whether initdb and pg_ctl are installed."""
    return pg_bin("initdb") is not None and pg_bin("pg_ctl") is not None


@dataclass
class Postgres:
    """One running PostgreSQL with trust authentication on 127.0.0.1, data in a temp dir."""

    port: int = 0
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="inbox-bot-pg-")))
    database: str = "inbox"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if os.geteuid() == 0:  # initdb refuses root: the server runs as Debian's postgres user
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)

    def start(self) -> Postgres:
        """initdb, start, create the test database; raise with the log if it does not come up."""
        initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError(
                "PostgreSQL is not installed: run `bash tests/run.sh` (it installs postgresql)"
            )
        data = self.root / "data"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        done = self._run(initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr or done.stdout}")
        self.port = self.port or free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        done = self._run(
            pg_ctl, "-D", str(data), "-l", str(self.root / "log"), "-o", options, "-w", "-t", "60", "start"
        )
        if done.returncode:
            raise RuntimeError(f"PostgreSQL did not start: {done.stderr}\n{self.log()}")
        import psycopg

        with psycopg.connect(self.admin_url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {self.database}")
        return self

    def admin_url(self, database: str | None = None) -> str:
        """The superuser's URL to a database of the cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database or self.database}"

    def fresh_url(self) -> str:
        """A URL whose tables live in a new, empty schema (one per test)."""
        import psycopg

        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        return f"{self.admin_url()}?options={quote(f'-csearch_path={schema}')}"

    def log(self) -> str:
        """The server's log."""
        path = self.root / "log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stop the server at once and remove its files."""
        pg_ctl = pg_bin("pg_ctl")
        if pg_ctl and (self.root / "data" / "postmaster.pid").exists():
            self._run(pg_ctl, "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


ENGINE = os.environ.get(
    "INBOX_BOT_TEST_DATABASE", "sqlite"
)  # "postgresql": the whole bot on PostgreSQL in tests
if ENGINE not in ("sqlite", "postgresql"):
    raise RuntimeError(f"INBOX_BOT_TEST_DATABASE is sqlite or postgresql, not {ENGINE!r}")


@cache
def shared() -> Postgres:
    """This test process's cluster, started on first use and stopped when the process ends."""
    server = Postgres().start()
    atexit.register(server.stop)
    return server


@cache
def url_for(key: str) -> str:
    """One fresh schema per key (a test's tmp_path): the bot and its restarts in one test share it."""
    return shared().fresh_url()


def database_of(tmp_path: Path) -> Path | str:
    """Where a test's bot keeps its store: tmp_path/bot.db, or with INBOX_BOT_TEST_DATABASE=postgresql a schema."""
    return url_for(str(tmp_path)) if ENGINE == "postgresql" else tmp_path / "bot.db"


def database_url_of(tmp_path: Path) -> str:
    """database_of() as a URL for Store.connect."""
    database = database_of(tmp_path)
    return database if isinstance(database, str) else f"sqlite:///{database}"


def rows(database: Path | str, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
    """Query a bot's store from outside (between runs or beside a running bot), on either engine."""
    if isinstance(database, Path):
        import sqlite3

        db = sqlite3.connect(database)
        try:
            return db.execute(sql, list(params)).fetchall()
        finally:
            db.close()
    import psycopg

    from bot.store.engine import to_pyformat

    if sql.strip().upper() == "PRAGMA INTEGRITY_CHECK":
        sql = "SELECT 'ok'"  # PostgreSQL checks its own pages; the query still proves the store answers
    with psycopg.connect(database, autocommit=True) as conn:
        return [tuple(r) for r in conn.execute(to_pyformat(sql), list(params)).fetchall()]
