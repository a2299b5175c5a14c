"""Order and tracking for the cards: fetched once per order (cached), tracked per package, refreshed on a schedule."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

from bot.cards.order import OrderView
from bot.clock.clocks import Clock
from bot.errors import NotFoundError, UpstreamError
from bot.ops.logs import log_context
from bot.services.amazon import Order
from bot.services.amazon_accounts import OrderLookup
from bot.services.carriers.detect import marketplace_country
from bot.services.carriers.model import Event, Status, Tracking
from bot.services.carriers.tracker import Tracker
from bot.settings import Settings
from bot.store.store import Row, Store, iso, parse_iso

log = logging.getLogger(__name__)

MAX_LOOKUPS = (
    16  # orders looked up at once; in a backlog the rest wait their turn without crowding the event loop
)

# How soon a package is looked at again, by status; None: never (it will not move any more).
NEXT_CHECK: dict[Status, timedelta | None] = {
    Status.LABEL_CREATED: timedelta(hours=6),
    Status.IN_TRANSIT: timedelta(hours=2),
    Status.OUT_FOR_DELIVERY: timedelta(minutes=30),
    Status.EXCEPTION: timedelta(hours=2),
    Status.UNKNOWN: timedelta(hours=6),
    Status.DELIVERED: None,
    Status.RETURNED: None,
}
RETRY_FIRST, RETRY_MAX = timedelta(minutes=5), timedelta(hours=4)


def retry_delay(failures: int) -> timedelta:
    """5 min, 10, 20 … at most 4 h after the n-th failure in a row."""
    delay: timedelta = RETRY_FIRST * (2 ** max(0, failures - 1))
    return min(delay, RETRY_MAX)


def tracking_from_row(row: Row) -> Tracking:
    """A stored package as a Tracking."""
    event = json.loads(row["last_event"]) if row.get("last_event") else None
    return Tracking(
        carrier=row.get("carrier") or "unknown",
        tracking_number=row["tracking_number"],
        status=Status(row.get("status") or "unknown"),
        last_event=Event.from_json(event),
        estimated_delivery=parse_iso(row.get("estimated_delivery")),
        link=row.get("link"),
        provider=row.get("provider"),
        error=row.get("error"),
    )


class Enricher:
    """Fetches each order at most once per cache period and tracks its packages in parallel."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        *,
        amazon: OrderLookup | None,
        tracker: Tracker,
        on_change: Callable[[str], None] | None = None,
        on_lookup: Callable[[str, float], None] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.amazon = amazon
        self.tracker = tracker
        self.on_change = on_change
        self.on_lookup = on_lookup  # told how long each lookup took: ("order" or "tracking", seconds)
        self._tasks: dict[str, asyncio.Task[bool]] = {}
        self._started: dict[str, float] = {}
        self._late: set[str] = set()  # orders whose card was posted before their lookup finished
        self._shown: set[str] = set()  # orders that had a card when their lookup started
        self._slots = asyncio.Semaphore(MAX_LOOKUPS)
        self.sweeping = asyncio.Lock()  # one refresh sweep at a time; a second waits, then finds nothing due
        self.waiting = 0  # lookups waiting for a slot (a backlog)
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # per order while anyone holds or waits for it
        self._refreshed: dict[str, datetime] = {}  # when Refresh last looked an order up (its cooldown)

    # ---- start and wait (intake and poster) ----

    def start(self, order_id: str, marketplace: str | None = None) -> None:
        """Begin enriching an order in the background (once at a time per order)."""
        if self.running(order_id):
            return
        self._started[order_id] = asyncio.get_running_loop().time()
        self._tasks[order_id] = asyncio.create_task(
            self._run(order_id, marketplace), name=f"enrich {order_id}"
        )

    def order_view(self, conv: Row) -> OrderView | None:
        """The order part of a card, from the store (None for a conversation without an order id)."""
        order_id = conv.get("order_id")
        if not order_id:
            return None
        row = self.store.order_row(order_id=order_id) or {}
        order = Order.from_json(json.loads(row["data"])) if row.get("data") else None
        running = self.running(order_id)
        packages = self.store.packages(order_id=order_id)
        checked = [t for p in packages if (t := parse_iso(p.get("checked_at")))]
        return OrderView(
            order_id=order_id,
            order=order,
            packages=[tracking_from_row(p) for p in packages],
            checked_at=max(checked) if checked else None,
            error=row.get("error"),
            not_found=bool(row.get("not_found")),
            pending=running and order is None,
            configured=self.amazon is not None and self.amazon.configured(order_id),
        )

    def running(self, order_id: str) -> bool:
        """Whether a lookup of this order is under way."""
        task = self._tasks.get(order_id)
        return task is not None and not task.done()

    async def _run(self, order_id: str, marketplace: str | None) -> bool:
        changed = False
        convs = await self.store.run(self.store.conversations_for_order, order_id=order_id)
        if any(c.get("slack_ts") for c in convs):
            self._shown.add(order_id)  # a card shows this order already: it must learn of any change
        try:
            self.waiting += 1
            try:
                await self._slots.acquire()
            finally:
                self.waiting -= 1
            try:
                changed = await self.enrich(order_id, marketplace, notify=False)
            finally:
                self._slots.release()
        except Exception:
            log.exception("enriching order %s failed", order_id)
        drawn_pending = order_id in self._late  # a card says "fetching…": it must be redrawn in any case
        shown = order_id in self._shown
        self._late.discard(order_id)
        self._shown.discard(order_id)
        if self._tasks.get(order_id) is asyncio.current_task():  # nothing per order outlives its lookup
            del self._tasks[order_id]
            self._started.pop(order_id, None)
        if (drawn_pending or (shown and changed)) and self.on_change:
            await self.store.run(self.on_change, order_id)
        return changed

    async def wait(self, order_id: str, deadline: float) -> bool:
        """Wait for a running lookup until `deadline` s after it started; False if the card must go first."""
        task = self._tasks.get(order_id)
        if task is None or task.done():
            return True
        if self.waiting or (self.amazon is not None and self.amazon.queued):
            # A backlog: lookups queue for a slot or for Amazon's rate and cannot all finish in time. Cards go first
            # (earliest deadline first, at Slack's pace) and are filled in as the orders arrive.
            self._late.add(order_id)
            return False
        elapsed = asyncio.get_running_loop().time() - self._started.get(order_id, 0.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), max(0.0, deadline - elapsed))
            return True
        self._late.add(order_id)
        log.info(
            "order %s: not enriched within %.1f s; the card goes first, updated later", order_id, deadline
        )
        return False

    @contextlib.asynccontextmanager
    async def _order_lock(self, order_id: str) -> AsyncIterator[None]:
        """One lookup of an order at a time; the lock is dropped when nobody holds or waits for it."""
        lock, users = self._locks.get(order_id) or (asyncio.Lock(), 0)
        self._locks[order_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[order_id]
            if users <= 1:
                del self._locks[order_id]
            else:
                self._locks[order_id] = (lock, users - 1)

    async def close(self) -> None:
        """Cancel enrichments still running (shutdown)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def announce(self, order_id: str) -> None:
        """Tell whoever listens that the order's view is new (its cards redraw; a parcel in trouble is noted)."""
        if self.on_change:
            self.on_change(order_id)

    def claim_refresh(self, order_id: str) -> datetime | None:
        """Reserve a Refresh of the order now: None if it may go ahead, else when it may be pressed again
        (INBOX_BOT_REFRESH_COOLDOWN_SECONDS after the last one, by the injected clock)."""
        now = self.clock.now()
        cooldown = timedelta(seconds=self.settings.refresh_cooldown_seconds)
        for order, at in list(self._refreshed.items()):
            if now - at >= cooldown:
                del self._refreshed[order]  # cooled down: forgotten
        last = self._refreshed.get(order_id)
        if last is not None:
            return last + cooldown
        self._refreshed[order_id] = now
        return None

    # ---- the work ----

    async def enrich(
        self, order_id: str, marketplace: str | None = None, *, refresh: bool = False, notify: bool = True
    ) -> bool:
        """Fetch the order (cached unless `refresh`) and track its packages; True if anything changed."""
        with log_context(order_id=order_id):
            return await self._enrich(order_id, marketplace, refresh=refresh, notify=notify)

    async def _enrich(self, order_id: str, marketplace: str | None, *, refresh: bool, notify: bool) -> bool:
        async with self._order_lock(order_id):
            before = await self.store.run(self._snapshot, order_id)
            order = await self.order(order_id, refresh=refresh)
            if order is not None:
                await self.store.run(self._sync_packages, order)
            rows = await self.store.run(self.store.packages, order_id=order_id)
            country = marketplace_country((order.marketplace if order else None) or marketplace)
            due = [r for r in rows if refresh or r.get("checked_at") is None]
            await asyncio.gather(*(self.track_package(r, country=country) for r in due))
            changed = bool(await self.store.run(self._snapshot, order_id) != before)
        if changed and notify and self.on_change:
            await self.store.run(self.on_change, order_id)
        return changed

    def _snapshot(self, order_id: str) -> Any:
        row = self.store.order_row(order_id=order_id) or {}
        packages = [
            (
                p["tracking_number"],
                p.get("status"),
                p.get("last_event"),
                p.get("error"),
                p.get("estimated_delivery"),
            )
            for p in self.store.packages(order_id=order_id)
        ]
        return (row.get("data"), row.get("error"), packages)

    async def order(self, order_id: str, *, refresh: bool = False) -> Order | None:
        """The order from the cache if fresh, else from SP-API; None when unknown or SP-API is not set up."""
        row = await self.store.run(self.store.order_row, order_id=order_id)
        cached = Order.from_json(json.loads(row["data"])) if row and row.get("data") else None
        fetched = parse_iso(row.get("fetched_at")) if row else None
        fresh = fetched is not None and self.clock.now() - fetched < timedelta(
            minutes=self.settings.order_cache_minutes
        )
        if cached is not None and fresh and not refresh:
            return cached
        if self.amazon is None or not await self.store.run(self.amazon.configured, order_id):
            return cached  # no SP-API (for this order's account): the card says so, nobody is asked
        started = asyncio.get_running_loop().time()
        try:
            order = await self.amazon.get_order(order_id)
        except NotFoundError as e:
            await self.store.run(
                self.store.order_failed, order_id=order_id, error=str(e), not_found=True, next_attempt_at=None
            )
            return None
        except UpstreamError as e:
            failures = 1 + int(bool(row and row.get("error")))
            retry = self.clock.now() + retry_delay(failures)
            await self.store.run(
                self.store.order_failed,
                order_id=order_id,
                error=str(e),
                not_found=False,
                next_attempt_at=retry,
            )
            log.warning("order %s could not be fetched: %s; retrying at %s", order_id, e, iso(retry))
            return cached
        finally:
            self._timed("order", started)
        await self.store.run(self.store.save_order, order_id=order_id, data=order.to_json())
        return order

    def _sync_packages(self, order: Order) -> None:
        """Make sure every package Amazon reports has a row (new ones are tracked next)."""
        known = {p["tracking_number"] for p in self.store.packages(order_id=order.order_id)}
        for pkg in order.packages:
            if not pkg.tracking_number or pkg.tracking_number in known:
                continue
            self.store.upsert_package(
                order_id=order.order_id,
                tracking_number=pkg.tracking_number,
                amazon_carrier=pkg.carrier,
                service=pkg.service,
                status=Status.UNKNOWN.value,
                next_check_at=iso(self.clock.now()),  # due at once: a lookup a stop cuts short is swept up
            )

    async def track_package(self, row: Row, *, country: str | None = None) -> Tracking:
        """Look one package up and store the result with its next check time."""
        started = asyncio.get_running_loop().time()
        with log_context(order_id=row["order_id"]):
            result = await self.tracker.track(
                row["tracking_number"],
                carrier=row.get("carrier") if row.get("carrier") not in (None, "unknown") else None,
                carrier_name=row.get("amazon_carrier"),
                country=country,
            )
        self._timed("tracking", started)
        now = self.clock.now()
        failures = int(row.get("failures") or 0) + 1 if result.error else 0
        if result.error:
            next_check: datetime | None = now + retry_delay(failures)
        elif result.provider is None:
            next_check = None  # no provider for this carrier: the link is all there is
        else:
            step = NEXT_CHECK[result.status]
            next_check = now + step if step else None
        fields: dict[str, Any] = {
            "carrier": result.carrier,
            "link": result.link,
            "provider": result.provider,
            "error": result.error,
            "failures": failures,
            "checked_at": iso(now),
            "next_check_at": iso(next_check) if next_check else None,
        }
        if not result.error:  # a failed lookup keeps the last known status and event
            fields.update(
                status=result.status.value,
                last_event=json.dumps(result.last_event.to_json(), ensure_ascii=False)
                if result.last_event
                else None,
                estimated_delivery=iso(result.estimated_delivery) if result.estimated_delivery else None,
            )
            if result.status.value != row.get("status"):
                fields["changed_at"] = iso(now)
        await self.store.run(
            self.store.upsert_package,
            order_id=row["order_id"],
            tracking_number=row["tracking_number"],
            **fields,
        )
        return result

    def _timed(self, kind: str, started: float) -> None:
        if self.on_lookup is not None:
            self.on_lookup(kind, asyncio.get_running_loop().time() - started)

    async def refresh_due(self) -> int:
        """Look up every package whose check is due and retry failed orders; returns how many were looked at."""
        touched: set[str] = set()
        for order_id in await self.store.run(self.store.orders_to_retry) if self.amazon is not None else []:
            if self.running(order_id):
                continue  # its lookup is under way (or waits its turn in a backlog)
            await self.enrich(order_id)
            touched.add(order_id)
        rows = [r for r in await self.store.run(self.store.due_packages) if r["order_id"] not in touched]
        by_order: dict[str, list[Row]] = {}
        for row in rows:
            by_order.setdefault(row["order_id"], []).append(row)
        for order_id, candidates in by_order.items():
            if self.running(order_id):
                continue  # its lookup is under way and tracks these packages itself
            async with self._order_lock(order_id):
                # a lookup that held the lock may have done them
                packages = await self.store.run(self._still_due, candidates)
                if not packages:
                    continue
                before = await self.store.run(self._snapshot, order_id)
                order_row = await self.store.run(self.store.order_row, order_id=order_id)
                site = (
                    json.loads(order_row["data"]).get("marketplace")
                    if order_row and order_row.get("data")
                    else None
                )
                await asyncio.gather(
                    *(self.track_package(r, country=marketplace_country(site)) for r in packages)
                )
                changed = await self.store.run(self._snapshot, order_id) != before
            if changed and self.on_change:
                await self.store.run(self.on_change, order_id)
        return len(touched) + len(rows)

    def _still_due(self, rows: list[Row]) -> list[Row]:
        """The rows, read again, whose check is still due now."""
        now = self.clock.now()
        out = []
        for row in rows:
            fresh = self.store.package(package_id=int(row["id"]))
            due = parse_iso(fresh.get("next_check_at")) if fresh else None
            if fresh is not None and due is not None and due <= now:
                out.append(fresh)
        return out
