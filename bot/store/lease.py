"""The lease's SQL on PostgreSQL (bot/workers/leader.py runs it): a session advisory lock on a connection of its own,
and the `leader` row whose epoch each takeover counts up (the store's fencing reads it, base.check_lease)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.store.base import LeaseLost
from bot.store.engine import Engine, connect

log = logging.getLogger(__name__)

LEASE_KEY = "inbox-bot-leader:"  # + the schema: one lease per store, several stores may share a server
# the server's time as ISO 8601 in UTC, which ::timestamptz reads back whatever a session's DateStyle
NOW = "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')"


def leader_of(engine: Engine) -> str:
    """Who holds the lease, as `check` shows it."""
    if "leader" not in engine.tables():
        return "no instance has led yet"
    row = engine.execute("SELECT holder, epoch FROM leader WHERE name = 'leader'").fetchone()
    return f"leader {row[0]} (lease epoch {row[1]})" if row else "no instance has led yet"


@dataclass
class LeaseConnection:
    """The lease's own connection: the lock lives as long as this session."""

    conn: Any
    holder: str
    lease_seconds: float

    @classmethod
    def open(cls, url: str, *, lease_seconds: float, holder: str) -> LeaseConnection:
        """Connect with keepalives so both ends notice a dead peer within the lease."""
        idle = max(1, int(lease_seconds / 3))
        conn = connect(
            url,
            connect_timeout=max(2, idle),
            application_name=f"inbox-bot lease {holder}",
            keepalives=1,
            keepalives_idle=idle,
            keepalives_interval=max(1, idle // 2),
            keepalives_count=2,
        )
        for name, value in (  # the server's side of the same, and no statement of the lease waits for ever
            ("tcp_keepalives_idle", idle),
            ("tcp_keepalives_interval", max(1, idle // 2)),
            ("tcp_keepalives_count", 2),
            ("statement_timeout", int(lease_seconds * 1000 / 3)),
        ):
            conn.execute(f"SET {name} = {int(value)}")
        return cls(conn, holder, lease_seconds)

    def try_lead(self) -> tuple[int | None, str]:
        """One attempt: (the new epoch, '') when this instance leads now, else (None, who leads). A leader alive to
        the server but silent for a whole lease (hung, stopped) has its session ended, so the next attempt wins."""
        conn = self.conn
        got = conn.execute(
            "SELECT pg_try_advisory_lock(hashtext(%s || current_schema()))", [LEASE_KEY]
        ).fetchone()
        if got and got[0]:
            self._end_sessions_of_previous()  # a claim it left open would hold the row: it leads no more
            with conn.transaction():
                row = conn.execute(
                    "INSERT INTO leader (name, epoch, holder, pid, since, renewed_at) "
                    f"VALUES ('leader', 1, %s, pg_backend_pid(), {NOW}, {NOW}) "
                    "ON CONFLICT (name) DO UPDATE SET epoch = leader.epoch + 1, holder = excluded.holder, "
                    "pid = excluded.pid, since = excluded.since, renewed_at = excluded.renewed_at RETURNING epoch",
                    [self.holder],
                ).fetchone()
            return int(row[0]), ""
        row = conn.execute(
            "SELECT holder, now() - renewed_at::timestamptz > make_interval(secs => %s) "
            "FROM leader WHERE name = 'leader'",
            [self.lease_seconds],
        ).fetchone()
        if row is None:
            return None, "another instance (starting)"
        holder, stale = str(row[0]), row[1]
        if stale:  # its lease's session and its store's: a transaction it left open would hold the row
            log.warning(
                "the leader %s has not renewed its lease for %.0f s: ending its sessions",
                holder,
                self.lease_seconds,
            )
            self._end_sessions_of(holder)
        return None, holder

    def _end_sessions_of_previous(self) -> None:
        row = self.conn.execute("SELECT holder FROM leader WHERE name = 'leader'").fetchone()
        if row is not None and row[0] != self.holder:
            self._end_sessions_of(str(row[0]))

    def _end_sessions_of(self, holder: str) -> None:
        """End an instance's sessions, its lease's and its store's (named after it, bot/store/engine.connect)."""
        self.conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            "AND application_name IN (left(%s, 63), left(%s, 63))",
            [f"inbox-bot {holder}", f"inbox-bot lease {holder}"],
        )

    def renew(self, epoch: int) -> None:
        """Mark the lease alive; LeaseLost if it is no longer this session's."""
        row = self.conn.execute(
            f"UPDATE leader SET renewed_at = {NOW} WHERE name = 'leader' AND epoch = %s "
            "AND pid = pg_backend_pid() RETURNING epoch",
            [epoch],
        ).fetchone()
        if row is None:
            raise LeaseLost(f"the lease is no longer this instance's (epoch {epoch})")

    def close(self) -> None:
        """Close the session: the lock goes with it."""
        self.conn.close()
