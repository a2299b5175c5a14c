"""Exactly one working instance: the file lock on SQLite; on PostgreSQL a lease that a standby takes over.

On PostgreSQL the leader holds a session advisory lock on a connection of its own: when its process dies the server
drops the session and the lock with it, and a standby waiting for it takes over within a poll. A leader that hangs
with its connection open stops renewing `leader.renewed_at`; after INBOX_BOT_LEASE_SECONDS a standby ends that
session (pg_terminate_backend) and takes over. Each takeover counts `leader.epoch` up; the store checks the epoch in
every outbox claim and send (fencing), so an old leader that wakes up claims nothing more. A leader that cannot
confirm its lease stops (LeaseLost): its supervisor starts it again, as a standby.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.store.base import LeaseLost
from bot.store.engine import instance_name
from bot.store.lease import LeaseConnection
from bot.store.lock import InstanceLock

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)


def leadership_for(settings: Settings) -> Leadership:
    """The file lock for SQLite (none in memory), the lease for PostgreSQL."""
    database = settings.database
    if database.engine == "postgresql":
        return PostgresLease(database.url, lease_seconds=settings.lease_seconds)
    path = database.path
    return FileLeadership(InstanceLock(path) if path is not None and str(path) != ":memory:" else None)


class Leadership:
    """Whether this instance may work; `state` says which role it has, for /readyz and the logs."""

    epoch: int | None = None  # the lease's epoch while leading (PostgreSQL), for the store's fencing
    state = "starting"
    leading = False

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Wait until this instance leads (True) or `stop` is set first (False)."""
        raise NotImplementedError

    async def hold(self, renewed: Callable[[float], None] | None = None) -> None:
        """Keep the lease while leading (telling `renewed` until when, in time.monotonic(), it surely holds); raise
        LeaseLost the moment it cannot be confirmed."""
        await asyncio.Event().wait()

    def release(self) -> None:
        """Let go (at shutdown)."""


class FileLeadership(Leadership):
    """SQLite: the database file's lock; a second instance is refused (AlreadyRunning), never kept waiting."""

    def __init__(self, lock: InstanceLock | None) -> None:
        self.lock = lock

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Take the file lock or raise AlreadyRunning."""
        if self.lock is not None:
            self.lock.acquire()
        self.leading, self.state = True, "leader (the database file's lock)"
        return True

    def release(self) -> None:
        """Release the file lock."""
        if self.lock is not None:
            self.lock.release()
        self.leading = False


class PostgresLease(Leadership):
    """The PostgreSQL lease: an advisory lock, the `leader` row's epoch, renewed every third of the lease."""

    def __init__(self, url: str, *, lease_seconds: float, holder: str | None = None) -> None:
        self.url = url
        self.lease_seconds = lease_seconds
        self.holder = holder or instance_name()
        self.poll = max(
            0.1, min(1.0, lease_seconds / 30)
        )  # how often a standby tries (once a second by default)
        self._conn: LeaseConnection | None = None
        self.acquired_at = 0.0  # time.monotonic() of the attempt that won the lease
        self.state = "standby: connecting"

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Wait as a standby until the lease is free, then take it (a new epoch)."""
        said = ""
        while not stop.is_set():
            started = time.monotonic()
            try:
                if self._conn is None:
                    self._conn = await asyncio.to_thread(
                        LeaseConnection.open, self.url, lease_seconds=self.lease_seconds, holder=self.holder
                    )
                epoch, holder = await asyncio.to_thread(self._conn.try_lead)
            except Exception as e:  # the database is away: stay standby and try again
                self.state = f"standby: the database does not answer ({type(e).__name__}: {e})"
                log.warning("%s", self.state)
                self._drop()
                epoch, holder = None, ""
            if epoch is not None:
                self.epoch, self.leading, self.acquired_at = epoch, True, started
                self.state = f"leader (lease epoch {epoch}, {self.holder})"
                log.info("this instance leads now: %s", self.state)
                return True
            if holder and holder != said:
                self.state = f"standby: {holder} leads; taking over when its lease ends"
                log.info("%s", self.state)
                said = holder
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.poll)
        return False

    async def hold(self, renewed: Callable[[float], None] | None = None) -> None:
        """Renew every third of the lease; LeaseLost when a renewal fails or does not come back in time. After each
        renewal `renewed` learns until when the lease surely holds: its start plus half a lease (a standby ends a
        silent leader's session only after a whole lease; the server drops a vanished one's after two thirds)."""
        assert self._conn is not None and self.epoch is not None, "hold() after acquire()"
        margin = self.lease_seconds / 2  # the server may notice a vanished peer after two thirds of a lease
        if renewed is not None:
            renewed(self.acquired_at + self.lease_seconds - margin)
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            started = time.monotonic()
            try:
                await asyncio.wait_for(
                    asyncio.to_thread(self._conn.renew, self.epoch), timeout=self.lease_seconds / 3
                )
            except LeaseLost:
                raise
            except Exception as e:
                self.leading = False
                raise LeaseLost(f"the lease could not be renewed ({type(e).__name__}: {e}): stopping") from e
            if renewed is not None:
                renewed(started + self.lease_seconds - margin)

    def _drop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None

    def release(self) -> None:
        """Close the lease's connection: the lock goes with it, a standby takes over at once."""
        self._drop()
        self.leading = False
        self.state = "stopped"
