"""Amazon's Selling Partner API, wrapped once: Orders 2026-01-01 `getOrder` with packages, rate-limited."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import httpx
from aiolimiter import AsyncLimiter
from sp_api.asyncio.api import Orders
from sp_api.asyncio.auth import AccessTokenClient
from sp_api.asyncio.auth.access_token_client import cache as access_token_cache
from sp_api.asyncio.base._transport_httpx import AsyncHttpxTransport

from bot.errors import ConfigurationError, NotFoundError, UpstreamError
from bot.mail.patterns import MARKETPLACE_IDS
from bot.services.http import (
    ApiObserver,
    error_for,
    observed_transports,
    usage_plan_limiter,
    with_retries,
)
from bot.settings import Settings

log = logging.getLogger(__name__)

INCLUDED_DATA = ["FULFILLMENT", "PACKAGES", "PROCEEDS"]
GET_ORDER_RATE, GET_ORDER_BURST = 0.5, 30  # requests per second, burst (Orders 2026-01-01 usage plan)
# Two tokens of the burst are kept in hand (and the rate has RATE_MARGIN): requests can reach Amazon closer together
# than our bucket counted them.
BURST_HEADROOM = 2


def get_order_limiter(rate: float = GET_ORDER_RATE) -> AsyncLimiter:
    """getOrder's pace: `rate` requests per second (less our margin), bursts of the plan less our headroom."""
    return usage_plan_limiter(rate, GET_ORDER_BURST, BURST_HEADROOM)


@dataclass(frozen=True)
class Money:
    """An amount in a currency."""

    amount: str
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


@dataclass(frozen=True)
class Item:
    """One order line."""

    title: str
    quantity: int
    asin: str | None = None
    sku: str | None = None
    unit_price: Money | None = None


@dataclass(frozen=True)
class Package:
    """A shipped package as Amazon knows it (carrier free text and tracking number)."""

    carrier: str | None
    tracking_number: str | None
    service: str | None = None
    status: str | None = None
    detailed_status: str | None = None
    ship_time: str | None = None


@dataclass(frozen=True)
class Order:
    """The order facts a support agent needs."""

    order_id: str
    marketplace: str | None
    status: str | None
    fulfilled_by: str | None  # MERCHANT (FBM) or AMAZON (FBA)
    purchase_date: str | None
    latest_delivery: str | None = None
    total: Money | None = None
    items: list[Item] = field(default_factory=list)
    packages: list[Package] = field(default_factory=list)

    @property
    def channel(self) -> str:
        """'FBA' or 'FBM'."""
        return "FBA" if self.fulfilled_by == "AMAZON" else "FBM"

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (for the store and `inbox-bot order --json`)."""
        return {**asdict(self), "channel": self.channel}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Order:
        """The inverse of to_json."""
        total = data.get("total")
        return cls(
            order_id=data["order_id"],
            marketplace=data.get("marketplace"),
            status=data.get("status"),
            fulfilled_by=data.get("fulfilled_by"),
            purchase_date=data.get("purchase_date"),
            latest_delivery=data.get("latest_delivery"),
            total=Money(**total) if total else None,
            items=[
                Item(**{**i, "unit_price": Money(**i["unit_price"]) if i.get("unit_price") else None})
                for i in data.get("items") or []
            ],
            packages=[Package(**p) for p in data.get("packages") or []],
        )


def _money(value: Any) -> Money | None:
    if not isinstance(value, dict) or value.get("amount") is None:
        return None
    try:
        amount = str(Decimal(str(value["amount"])))
    except InvalidOperation:
        return None
    return Money(amount, str(value.get("currencyCode") or ""))


def parse_order(payload: dict[str, Any]) -> Order:
    """A `getOrder` 2026-01-01 body (`{"order": {...}}`) as an Order."""
    raw = payload.get("order")
    if not isinstance(raw, dict) or not raw.get("orderId"):
        raise UpstreamError("SP-API", "getOrder answered without an order", retryable=False)
    channel = raw.get("salesChannel") or {}
    fulfillment = raw.get("fulfillment") or {}
    items = []
    for item in raw.get("orderItems") or []:
        product = item.get("product") or {}
        items.append(
            Item(
                title=str(product.get("title") or product.get("asin") or "item"),
                quantity=int(item.get("quantityOrdered") or 0),
                asin=product.get("asin"),
                sku=product.get("sellerSku"),
                unit_price=_money((product.get("price") or {}).get("unitPrice")),
            )
        )
    packages = []
    for pkg in raw.get("packages") or []:
        status = pkg.get("packageStatus") or {}
        packages.append(
            Package(
                carrier=pkg.get("carrier"),
                tracking_number=pkg.get("trackingNumber"),
                service=pkg.get("shippingService"),
                status=status.get("status"),
                detailed_status=status.get("detailedStatus"),
                ship_time=pkg.get("shipTime"),
            )
        )
    return Order(
        order_id=str(raw["orderId"]),
        marketplace=MARKETPLACE_IDS.get(str(channel.get("marketplaceId") or "")),
        status=fulfillment.get("fulfillmentStatus"),
        fulfilled_by=fulfillment.get("fulfilledBy"),
        purchase_date=raw.get("createdTime"),
        latest_delivery=(fulfillment.get("deliverByWindow") or {}).get("latestDateTime"),
        total=_money((raw.get("proceeds") or {}).get("grandTotal")),
        items=items,
        packages=packages,
    )


@dataclass(frozen=True)
class _Marketplace:
    """What python-amazon-sp-api needs of a marketplace: endpoint, id, region."""

    endpoint: str
    marketplace_id: str
    region: str


def _token_client(url: str) -> type[AccessTokenClient]:
    parts = urlsplit(url)

    class LwaClient(AccessTokenClient):  # type: ignore[misc]
        scheme = f"{parts.scheme}://"
        host = parts.netloc
        path = parts.path or "/auth/o2/token"

    return LwaClient


def _detail(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    if isinstance(data, dict):
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return f"{errors[0].get('code')}: {errors[0].get('message')}"
        if data.get("error"):
            return f"{data.get('error')}: {data.get('error_description', '')}".strip(": ")
    return None


def service_of(request: httpx.Request) -> str:
    """Which of Amazon's services a request of ours goes to: the token service, or SP-API."""
    return "Login with Amazon" if request.url.path.endswith("/token") else "SP-API"


class SpApi:
    """getOrder through python-amazon-sp-api's asyncio client, with Amazon's rate and typed errors."""

    def __init__(
        self,
        settings: Settings,
        *,
        attempts: int = 4,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        observe: ApiObserver | None = None,
    ) -> None:
        if not settings.sp_api_enabled:
            raise ConfigurationError(
                "SP-API",
                "no credentials: set INBOX_BOT_SP_API_REFRESH_TOKEN, _LWA_APP_ID, _LWA_CLIENT_SECRET",
            )
        self.settings = settings
        self.attempts = attempts
        self.sleep = sleep
        self.limiter = get_order_limiter()
        self.calls = 0  # getOrder requests sent (for economy checks)
        self.queued = 0  # lookups waiting for Amazon's rate (a backlog)
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(15.0, connect=5.0),
            event_hooks={"response": [self._check]},
            **observed_transports(observe, service=service_of),
        )
        self._marketplace = _Marketplace(
            endpoint=settings.sp_api_url.rstrip("/"),
            marketplace_id=settings.sp_api_marketplace_id,
            region=settings.sp_api_region.upper(),
        )
        self._token_class = _token_client(settings.lwa_api_url)
        self._orders: Orders | None = None

    async def _check(self, response: httpx.Response) -> None:
        """Turn every failed answer (token service included) into a typed error before the library sees it."""
        if response.status_code < 400:
            return
        await response.aread()
        raise error_for(service_of(response.request), response, _detail(response))

    def _client(self) -> Orders:
        if self._orders is None:
            self._orders = self.client_for(Orders, version="2026-01-01")
        return self._orders

    def client_for(self, api: type[Any], **kwargs: Any) -> Any:
        """A python-amazon-sp-api asyncio client of `api` (Orders, Messaging, Upload …) on our endpoint, token service
        and HTTP connections (so every answer passes `_check`)."""
        secret = self.settings.lwa_client_secret
        client = api(
            marketplace=self._marketplace,
            refresh_token=self.settings.sp_api_refresh_token.get_secret_value()
            if self.settings.sp_api_refresh_token
            else None,
            credentials={
                "lwa_app_id": self.settings.lwa_app_id,
                "lwa_client_secret": secret.get_secret_value() if secret else "",
            },
            auth_token_client_class=self._token_class,
            **kwargs,
        )
        # SP_API_DEFAULT_MARKETPLACE in the environment overrides the marketplace given: undo that.
        client.endpoint = self._marketplace.endpoint
        client.marketplace_id = self._marketplace.marketplace_id
        transport = AsyncHttpxTransport(client=self._http)
        client._transport = transport
        client._auth._transport = transport
        return client

    def _forget_token(self) -> None:
        """Drop the library's cached access token for our refresh token."""
        access_token_cache.pop(self._client()._auth._get_cache_key(), None)

    def configured(self, order_id: str) -> bool:
        """Whether this order is looked up here: always, with one account."""
        return True

    async def get_order(self, order_id: str) -> Order:
        """The order with its items and packages; NotFoundError if Amazon does not know it."""
        if os.environ.get("SP_API_DEFAULT_MARKETPLACE"):
            log.debug("SP_API_DEFAULT_MARKETPLACE is ignored; INBOX_BOT_SP_API_MARKETPLACE_ID applies")

        token_renewed = False

        async def once() -> Order:
            nonlocal token_renewed
            # The access token first (cached for an hour): a slot of Amazon's rate is taken only when the request
            # can go out at once, so our count of the rate matches what Amazon sees.
            try:
                await self._client().auth
            except (httpx.TimeoutException, httpx.HTTPError) as e:
                raise UpstreamError("Login with Amazon", f"cannot get an access token: {e}") from e
            self.queued += 1
            try:
                await self.limiter.acquire()
            finally:
                self.queued -= 1
            self.calls += 1
            try:
                response = await self._client().get_order(order_id, includedData=INCLUDED_DATA)
            except ConfigurationError as e:
                if e.service != "SP-API" or e.status != 403 or token_renewed:
                    raise
                # A cached access token Amazon no longer takes (revoked, rotated): fetch a new one, once.
                token_renewed = True
                self._forget_token()
                raise UpstreamError(
                    "SP-API", "access token refused; fetching a new one", status=403, retry_after=0
                ) from e
            except UpstreamError:
                raise
            except httpx.TimeoutException as e:
                raise UpstreamError("SP-API", f"no answer in time ({type(e).__name__})") from e
            except httpx.HTTPError as e:
                raise UpstreamError("SP-API", f"cannot connect: {e}") from e
            payload = response.payload if isinstance(response.payload, dict) else {}
            return parse_order(payload)

        try:
            order = await with_retries(once, attempts=self.attempts, sleep=self.sleep)
        except NotFoundError as e:
            raise NotFoundError("SP-API", f"Amazon knows no order {order_id} in this seller account") from e
        log.info("order %s: %s, %d package(s)", order_id, order.status, len(order.packages))
        return order

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()
