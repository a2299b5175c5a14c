"""SP-API Orders 2026-01-01 `searchOrders`: every order of a time window with its packages, paged, at Amazon's rate.

The weekly report counts orders (claims and chargebacks per 100 orders) and the seller-fulfilled packages shipped in
its window (the valid tracking rate) from this search. It runs on `SpApi`'s connections and token service.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from sp_api.asyncio.api import Orders

from bot.errors import ConfigurationError, UpstreamError
from bot.services.amazon import BURST_HEADROOM, SpApi
from bot.services.http import RATE_MARGIN, usage_plan_limiter, with_retries

log = logging.getLogger(__name__)

# searchOrders' usage plan (orders_2026-01-01.json): 0.0056 requests per second (one every three minutes), burst 20.
SEARCH_RATE, SEARCH_BURST = 0.0056, 20
PAGE_SIZE = 100  # maxResultsPerPage: 1 to 100
MAX_PAGES = 100  # 10,000 orders: beyond that the count is refused rather than reported short
SEARCH_DATA = ["FULFILLMENT", "PACKAGES"]


def search_limiter(rate: float = SEARCH_RATE) -> AsyncLimiter:
    """searchOrders' pace: `rate` requests per second (less our margin), bursts of the plan less our headroom."""
    return usage_plan_limiter(rate, SEARCH_BURST, BURST_HEADROOM)


@dataclass(frozen=True)
class ShippedPackage:
    """A package of a found order: its tracking number, when it was handed to the carrier, Amazon's view of it."""

    tracking_number: str | None
    carrier: str | None
    ship_time: datetime | None
    status: (
        str | None
    )  # packageStatus.status: PENDING, IN_TRANSIT, SHIPPED, DELIVERED, CANCELLED, UNDELIVERABLE
    detailed_status: str | None  # packageStatus.detailedStatus: PICKED_UP, OUT_FOR_DELIVERY, …


@dataclass(frozen=True)
class FoundOrder:
    """One order of a search, with what the report needs of it."""

    order_id: str
    marketplace_id: str | None
    created: datetime | None
    fulfilled_by: str | None  # MERCHANT (FBM) or AMAZON (FBA)
    status: str | None
    packages: tuple[ShippedPackage, ...] = ()


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        log.warning("searchOrders gave a time that is not ISO 8601: %r", value)
        return None


def parse_orders(payload: Any) -> list[FoundOrder]:
    """The orders of one `searchOrders` page (`{"orders": [...]}`)."""
    raw = payload.get("orders") if isinstance(payload, dict) else None
    if not isinstance(raw, list):
        raise UpstreamError("SP-API", "searchOrders answered without an order list", retryable=False)
    found = []
    for order in raw:
        if not isinstance(order, dict) or not order.get("orderId"):
            log.warning("searchOrders gave an order without an id: %.200r", order)
            continue
        fulfillment = order.get("fulfillment") or {}
        packages = []
        for pkg in order.get("packages") or []:
            status = pkg.get("packageStatus") or {}
            packages.append(
                ShippedPackage(
                    tracking_number=pkg.get("trackingNumber") or None,
                    carrier=pkg.get("carrier"),
                    ship_time=_time(pkg.get("shipTime")),
                    status=status.get("status"),
                    detailed_status=status.get("detailedStatus"),
                )
            )
        found.append(
            FoundOrder(
                order_id=str(order["orderId"]),
                marketplace_id=(order.get("salesChannel") or {}).get("marketplaceId"),
                created=_time(order.get("createdTime")),
                fulfilled_by=fulfillment.get("fulfilledBy"),
                status=fulfillment.get("fulfillmentStatus"),
                packages=tuple(packages),
            )
        )
    return found


class OrderSearch:
    """searchOrders through python-amazon-sp-api's asyncio client on SpApi's connections, paged, rate-limited."""

    def __init__(
        self, api: SpApi, *, rate: float = SEARCH_RATE, page_size: int = PAGE_SIZE, max_pages: int = MAX_PAGES
    ) -> None:
        self.api = api
        self.limiter = search_limiter(rate)
        self.wait_when_throttled = 1 / (rate * RATE_MARGIN)  # one token of Amazon's bucket
        self.page_size = page_size
        self.max_pages = max_pages
        self.calls = 0  # searchOrders requests sent
        self._orders: Orders | None = None

    def _client(self) -> Orders:
        if self._orders is None:
            self._orders = self.api.client_for(Orders, version="2026-01-01")
        return self._orders

    async def updated_since(self, since: datetime, marketplace_ids: Sequence[str]) -> list[FoundOrder]:
        """Every order of these marketplaces created or changed since `since` (so also every order created or shipped
        after it), with fulfillment and packages; UpstreamError if a page cannot be had."""
        params: dict[str, Any] = {
            "lastUpdatedAfter": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "marketplaceIds": list(marketplace_ids),
            "includedData": ",".join(SEARCH_DATA),  # the library joins marketplaceIds, not includedData
            "maxResultsPerPage": self.page_size,
        }
        orders: list[FoundOrder] = []
        token: str | None = None
        for page in range(1, self.max_pages + 1):
            found, token = await self._page({**params, "paginationToken": token} if token else params)
            orders.extend(found)
            log.debug("searchOrders page %d: %d order(s)", page, len(found))
            if not token:
                log.info(
                    "searchOrders since %s: %d order(s) in %d page(s)", since.isoformat(), len(orders), page
                )
                return orders
        raise UpstreamError(
            "SP-API",
            f"searchOrders found more than {self.max_pages * self.page_size} orders since {since.isoformat()}: "
            "not counted",
            retryable=False,
        )

    async def created_between(
        self, since: datetime, until: datetime, marketplace_ids: Sequence[str]
    ) -> tuple[int, bool]:
        """How many orders of these marketplaces were created in [since, until] (until at least two minutes ago, as
        Amazon wants), from one page (one request): the count and whether there are more than it holds (the mailbox
        watchdog asks whether the shop is selling)."""
        params: dict[str, Any] = {
            "createdAfter": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "createdBefore": until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "marketplaceIds": list(marketplace_ids),
            "maxResultsPerPage": self.page_size,
        }
        found, token = await self._page(params)
        return len(found), token is not None

    async def _page(self, params: dict[str, Any]) -> tuple[list[FoundOrder], str | None]:
        token_renewed = False

        async def once() -> tuple[list[FoundOrder], str | None]:
            nonlocal token_renewed
            try:  # the access token first: a slot of Amazon's rate is taken only when the request can go at once
                await self._client().auth
            except httpx.HTTPError as e:
                raise UpstreamError("Login with Amazon", f"cannot get an access token: {e}") from e
            await self.limiter.acquire()
            self.calls += 1
            try:
                response = await self._client().search_orders(**params)
            except ConfigurationError as e:
                if e.service != "SP-API" or e.status != 403 or token_renewed:
                    raise
                token_renewed = True  # a cached access token Amazon no longer takes: a new one, once
                self.api._forget_token()
                raise UpstreamError(
                    "SP-API", "access token refused; fetching a new one", status=403, retry_after=0
                ) from e
            except UpstreamError as e:
                if e.status != 429:
                    raise
                # At one request every three minutes, a retry after seconds would be refused again: wait for a token.
                wait = e.retry_after if e.retry_after is not None else self.wait_when_throttled
                log.warning("searchOrders throttled by Amazon: waiting %.0f s before asking again", wait)
                await self.api.sleep(wait)
                raise UpstreamError("SP-API", "searchOrders throttled", status=429, retry_after=0) from e
            except httpx.TimeoutException as e:
                raise UpstreamError("SP-API", f"no answer in time ({type(e).__name__})") from e
            except httpx.HTTPError as e:
                raise UpstreamError("SP-API", f"cannot connect: {e}") from e
            return parse_orders(response.payload), response.next_token

        return await with_retries(once, attempts=self.api.attempts, sleep=self.api.sleep)
