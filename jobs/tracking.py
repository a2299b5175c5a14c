"""Keep tracking fresh: packages whose check is due are looked up again; failed orders are retried."""

from __future__ import annotations

import logging

from bot.deps import Deps

log = logging.getLogger(__name__)


async def refresh_tracking(deps: Deps) -> int:
    """One sweep (safe to run twice: a second run at the same time waits and then finds nothing due)."""
    async with deps.enricher.sweeping:
        try:
            count = await deps.enricher.refresh_due()
        except Exception:
            log.exception("tracking refresh sweep failed")
            return 0
    if count:
        log.info("tracking refresh: %d lookup(s)", count)
    return count
