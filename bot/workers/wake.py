"""Waking a worker from store work that runs in the store's own thread (StoreBase.run on PostgreSQL).

An asyncio.Event may only be set on its loop's thread; the outbox's and the mailer's wakes are set by store work (a
card to redraw, a send queued) that on PostgreSQL runs in the store's thread. `Wake` is an asyncio.Event whose `set`
from another thread is handed to the loop. Nothing else of the loop may be touched from there (no task started).
"""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


def _running() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Wake(asyncio.Event):
    """An asyncio.Event that may be set from any thread: off its loop's thread, the loop sets it."""

    def __init__(self) -> None:
        super().__init__()
        self._home = _running()  # the loop it was made on, if any; else the loop that first waits on it

    def set(self) -> None:
        """Set the event; from another thread, have its loop set it (so its waiters wake at once)."""
        home = self._home or getattr(self, "_loop", None)
        if home is not None and _running() is not home and not home.is_closed():
            home.call_soon_threadsafe(super().set)
        else:
            super().set()
