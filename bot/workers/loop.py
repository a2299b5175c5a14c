"""The loop every queue worker runs (poster, mailer): drain what is due, then sleep until woken or due."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.clock.clocks import Clock

log = logging.getLogger(__name__)


async def work_forever(
    name: str,
    *,
    drain: Callable[[], Awaitable[bool]],
    next_due: Callable[[], Awaitable[datetime | None]],
    wake: asyncio.Event,
    clock: Clock,
    idle: float,
) -> None:
    """Run `drain` while it finds work; otherwise wait for `wake`, the next due time, or `idle` seconds.

    A failing pass is logged and retried after the wait, so one bad item never stops the worker.
    """
    while True:
        try:
            worked = await drain()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s pass failed; trying again shortly", name)
            worked = False
        if worked:
            continue
        wake.clear()
        delay = idle
        nxt = await next_due()  # a wake set meanwhile is kept: the wait below returns at once
        if nxt is not None:
            delay = max(0.05, min(delay, clock.real_seconds((nxt - clock.now()).total_seconds())))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=delay)
