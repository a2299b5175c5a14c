"""Waking the loop's workers from the store's thread: the event is set by its loop, which is woken to do so."""

from __future__ import annotations

import asyncio
import threading

from bot.workers.wake import Wake


async def test_a_wake_set_from_another_thread_is_set_by_the_loop_and_wakes_its_waiter() -> None:
    wake = Wake()
    waiter = asyncio.create_task(wake.wait())
    await asyncio.sleep(0)
    setter = threading.Thread(target=wake.set)
    setter.start()
    setter.join()
    # not set by the other thread itself (asyncio.Event is not thread-safe): handed to the loop, which sets it
    assert not wake.is_set() and not waiter.done()
    await asyncio.wait_for(waiter, 5)
    assert wake.is_set()
    wake.clear()
    wake.set()  # on the loop itself: at once
    assert wake.is_set()


async def test_a_wake_made_outside_a_loop_binds_to_the_loop_that_waits() -> None:
    wake = await asyncio.to_thread(Wake)  # made where no loop runs (as build_deps may be)
    waiter = asyncio.create_task(wake.wait())
    await asyncio.sleep(0)
    await asyncio.to_thread(wake.set)
    await asyncio.wait_for(waiter, 5)
    assert wake.is_set()
