"""Keep tracking fresh: packages whose check is due are looked up again; failed orders are retried."""

from __future__ import annotations

import asyncio
import logging

from bot.deps import Deps

log = logging.getLogger(__name__)

_running: dict[int, asyncio.Lock] = {}


async def refresh_tracking(deps: Deps) -> int:
    """One sweep (safe to run twice: a second run at the same time waits and then finds nothing due)."""
    lock = _running.setdefault(id(deps), asyncio.Lock())
    async with lock:
        try:
            count = await deps.enricher.refresh_due()
        except Exception:
            log.exception("tracking refresh sweep failed")
            return 0
    if count:
        log.info("tracking refresh: %d lookup(s)", count)
    return count
