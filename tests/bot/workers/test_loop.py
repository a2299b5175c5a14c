"""The queue workers' loop: drain while there is work, then sleep until woken, due, or idle; never die of a bad pass."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta

import pytest

from bot.workers.loop import work_forever
from tests.support.clock import pinned_clock


class Queue:
    """A stand-in queue: `drain` takes one item per pass and says whether it found one."""

    def __init__(self, items: int = 0) -> None:
        self.items = items
        self.passes: list[float] = []  # monotonic time of each pass
        self.due: datetime | None = None
        self.failures: list[Exception] = []

    async def drain(self) -> bool:
        self.passes.append(time.monotonic())
        if self.failures:
            raise self.failures.pop(0)
        if self.items:
            self.items -= 1
            return True
        return False

    async def next_due(self) -> datetime | None:
        return self.due


@contextlib.asynccontextmanager
async def worker(
    queue: Queue,
    wake: asyncio.Event,
    *,
    idle: float = 30.0,
    drain: Callable[[], Awaitable[bool]] | None = None,
) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(
        work_forever(
            "test worker",
            drain=drain or queue.drain,
            next_due=queue.next_due,
            wake=wake,
            clock=pinned_clock(),
            idle=idle,
        )
    )
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_it_drains_until_nothing_is_left_then_waits() -> None:
    queue, wake = Queue(items=3), asyncio.Event()
    async with worker(queue, wake):
        await until(lambda: len(queue.passes) == 4)  # three items, then a pass that finds none
        await asyncio.sleep(0.2)
        assert len(queue.passes) == 4 and queue.items == 0


async def test_a_wake_starts_a_pass_at_once() -> None:
    queue, wake = Queue(), asyncio.Event()
    async with worker(queue, wake):
        await until(lambda: len(queue.passes) == 1)
        queue.items = 2
        woken = time.monotonic()
        wake.set()
        await until(lambda: len(queue.passes) == 4)
        assert queue.passes[1] - woken < 1.0
        await asyncio.sleep(0.1)
        assert len(queue.passes) == 4 and not wake.is_set()  # the wake was used up


async def test_it_wakes_itself_when_the_next_item_comes_due() -> None:
    queue, wake = Queue(), asyncio.Event()
    queue.due = pinned_clock().now() + timedelta(seconds=0.3)
    async with worker(queue, wake, idle=30.0):
        await until(lambda: len(queue.passes) == 1)
        started = queue.passes[0]
        queue.due = None
        await until(lambda: len(queue.passes) == 2)
        assert 0.2 <= queue.passes[1] - started < 2.0  # the due time, not the 30 s idle wait


async def test_an_overdue_item_does_not_make_it_spin() -> None:
    queue, wake = Queue(), asyncio.Event()
    queue.due = pinned_clock().now() - timedelta(hours=1)
    async with worker(queue, wake):
        await asyncio.sleep(0.5)
    assert 3 <= len(queue.passes) <= 15  # one pass per 0.05 s at most, not a busy loop


async def test_without_work_or_a_due_time_it_waits_the_idle_time() -> None:
    queue, wake = Queue(), asyncio.Event()
    async with worker(queue, wake, idle=0.2):
        await until(lambda: len(queue.passes) == 3)
    gaps = [b - a for a, b in zip(queue.passes, queue.passes[1:], strict=False)]
    assert all(0.15 <= gap < 1.0 for gap in gaps)


async def test_a_failing_pass_is_logged_and_tried_again(caplog: pytest.LogCaptureFixture) -> None:
    queue, wake = Queue(items=1), asyncio.Event()
    queue.failures = [RuntimeError("database is locked")]
    with caplog.at_level(logging.ERROR, logger="bot.workers.loop"):
        async with worker(queue, wake, idle=0.1) as task:
            await until(lambda: queue.items == 0)
            assert not task.done()
    [record] = [r for r in caplog.records if r.name == "bot.workers.loop"]
    assert record.getMessage() == "test worker pass failed; trying again shortly"
    assert record.exc_info is not None and "database is locked" in str(record.exc_info[1])
    assert queue.passes[1] - queue.passes[0] >= 0.09  # after the wait, not at once


async def test_cancelling_the_worker_stops_it_even_inside_a_pass() -> None:
    queue, wake = Queue(), asyncio.Event()
    entered = asyncio.Event()

    async def slow_drain() -> bool:
        entered.set()
        await asyncio.sleep(30)
        return False

    async with worker(queue, wake, drain=slow_drain) as task:
        await asyncio.wait_for(entered.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
