"""Local stand-ins for Amazon (Login with Amazon, SP-API Orders 2026-01-01, Messaging in fake_messaging), with the carriers' tracking routes mixed in.

They answer in the services' wire formats (shapes of the official examples), so the production clients run
unchanged against them. Parcels follow a timeline: what a carrier reports depends on the stand-in's clock.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from bot.sandbox.fake_carriers import CarrierRoutes
from bot.sandbox.fake_direct import CLIENT_ID, CLIENT_SECRET, DirectCarriers
from bot.sandbox.fake_messaging import FakeMessaging
from bot.sandbox.fake_orders_search import FakeOrderSearch
from bot.sandbox.fake_sellers import FakeSellers
from bot.sandbox.ratelimit import TokenBucket

Json = dict[str, Any]

# 17TRACK's main status for each of DHL's status codes, and the reverse for building answers.


@dataclass
class ParcelEvent:
    """One scan, `hours` after the parcel's start time."""

    hours: float
    code: str  # pre-transit, transit, out-for-delivery, delivered, failure
    text: str
    place: str = ""


@dataclass
class Parcel:
    """A package at a fake carrier: its scans over time and the expected delivery."""

    number: str
    carrier: str
    start: datetime
    events: list[ParcelEvent]
    eta_hours: float | None = None
    signed_by: str | None = None  # who signed for it: DHL's proof of delivery once delivered

    def visible(self, now: datetime) -> list[ParcelEvent]:
        """The scans that have happened by `now`, newest first."""
        return sorted(
            (e for e in self.events if self.start + timedelta(hours=e.hours) <= now),
            key=lambda e: e.hours,
            reverse=True,
        )

    def at(self, e: ParcelEvent) -> str:
        """The scan's time as ISO 8601."""
        return (self.start + timedelta(hours=e.hours)).astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class StoredOrder:
    """An order the fake SP-API knows, with the packages it reports for it."""

    order_id: str
    marketplace_id: str
    created: datetime
    items: list[tuple[str, str, int, str]]  # title, asin, quantity, unit price
    currency: str
    fulfilled_by: str = "MERCHANT"
    status: str = "SHIPPED"
    packages: list[tuple[str, str, str]] = field(default_factory=list)  # carrier text, number, service


@dataclass
class FakeServices(CarrierRoutes):
    """Amazon and carriers on loopback; `clock` decides which parcel scans have happened."""

    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    client_id: str = "amzn1.application-oa2-client.demo"
    client_secret: str = "demo-lwa-secret"
    refresh_token: str = "Atzr|demo-refresh-token"
    dhl_key: str = "demo-dhl-key"
    seventeen_key: str = "demo-17track-key"
    orders: dict[str, StoredOrder] = field(default_factory=dict)
    parcels: dict[str, Parcel] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    faults: dict[str, list[tuple[int, Json, dict[str, str]]]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    limits: dict[str, TokenBucket] = field(
        default_factory=dict
    )  # usage plans enforced per service (429 beyond)
    host: str = "127.0.0.1"
    port: int = 0
    # Several seller accounts of one app: Login with Amazon is one service for every region. `lwa` is the stand-in
    # that issues this region's tokens (default: this one); `more_refresh_tokens` are other accounts' grants it
    # accepts. SP-API takes only a token issued for its own seller's refresh token.
    lwa: FakeServices | None = None
    more_refresh_tokens: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._tokens: dict[str, str] = {}  # access token -> the refresh token it was issued for
        self._registered: set[str] = set()
        self._runner: web.AppRunner | None = None
        self._ids = itertools.count(1)
        self.direct = DirectCarriers(self)
        self.messaging = FakeMessaging(self)
        self.search = FakeOrderSearch(self)  # searchOrders over `orders`
        self.sellers = FakeSellers(self)  # getMarketplaceParticipations (inbox-bot check)
        # Called with (service, what) the moment a call arrives, before its delay or fault: a test can act while
        # the caller waits for the answer (the crash harness kills the bot there).
        self.on_call: list[Callable[[str, str], None]] = []

    # ---- serving ----

    def add_routes(self, app: web.Application) -> None:
        """Mount the services under /lwa, /sp-api, /dhl, /17track, /ups, /fedex and /usps."""
        app.router.add_post("/lwa/auth/o2/token", self._token)
        app.router.add_get("/sp-api/orders/2026-01-01/orders/{order_id}", self._get_order)
        app.router.add_get("/dhl/track/shipments", self._dhl)
        app.router.add_post("/17track/gettrackinfo", self._seventeen_info)
        app.router.add_post("/17track/register", self._seventeen_register)
        app.router.add_post("/17track/getquota", self._seventeen_quota)
        self.direct.add_routes(app)
        self.messaging.add_routes(app)
        self.search.add_routes(app)
        self.sellers.add_routes(app)

    def urls(self, base: str) -> dict[str, str]:
        """The settings that point the bot at these services mounted at `base` (e.g. http://127.0.0.1:8080)."""
        return {
            "lwa_api_url": f"{base}/lwa/auth/o2/token",
            "sp_api_url": f"{base}/sp-api",
            "dhl_api_url": f"{base}/dhl",
            "seventeentrack_api_url": f"{base}/17track",
            "sp_api_refresh_token": self.refresh_token,
            "lwa_app_id": self.client_id,
            "lwa_client_secret": self.client_secret,
            "dhl_api_key": self.dhl_key,
            "seventeentrack_api_key": self.seventeen_key,
            "ups_api_url": f"{base}/ups",
            "fedex_api_url": f"{base}/fedex",
            "usps_api_url": f"{base}/usps",
            **{f"{c}_client_id": CLIENT_ID for c in ("ups", "fedex", "usps")},
            **{f"{c}_client_secret": CLIENT_SECRET for c in ("ups", "fedex", "usps")},
        }

    async def start(self) -> FakeServices:
        """Serve on loopback on a free port (tests); the demo mounts the routes on its page server instead."""
        app = web.Application()
        self.add_routes(app)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server: Any = site._server
        self.port = server.sockets[0].getsockname()[1]
        return self

    @property
    def base_url(self) -> str:
        """Where start() serves."""
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner:
            await self._runner.cleanup()

    # ---- test controls ----

    def ship_with_dhl(
        self,
        order_id: str,
        number: str,
        now: datetime,
        *,
        item: tuple[str, str, int, str] = ("Item", "B0X", 1, "9.99"),
        events: list[ParcelEvent] | None = None,
    ) -> None:
        """A merchant-fulfilled order on amazon.de placed 3 days before `now`, shipped with DHL 2 days before and in
        transit (unless `events` says otherwise)."""
        self.orders[order_id] = StoredOrder(
            order_id,
            "A1PA6795UKMFR9",
            now - timedelta(days=3),
            [item],
            "EUR",
            packages=[("DHL", number, "DHL Paket")],
        )
        self.parcels[number] = Parcel(
            number, "dhl", now - timedelta(days=2), events or [ParcelEvent(1, "transit", "Unterwegs")]
        )

    def fail(
        self, service: str, status: int, body: Json | None = None, *, times: int = 1, **headers: str
    ) -> None:
        """Answer the next `times` calls of a service (sp-api, lwa, dhl, 17track, ups, fedex, usps) so."""
        self.faults.setdefault(service, []).extend([(status, body or {}, headers)] * times)

    def follow(self, number: str) -> None:
        """Have 17TRACK follow a number already (as if registered earlier by the seller's account)."""
        self._registered.add(number)

    def count(self, service: str) -> int:
        """How many calls a service received."""
        return sum(1 for s, _ in self.calls if s == service)

    async def gate(self, service: str, what: str) -> web.Response | None:
        """Count a call, tell `on_call`, apply an injected delay, and answer an injected fault if one is queued."""
        self.calls.append((service, what))
        for hook in self.on_call:
            hook(service, what)
        bucket = self.limits.get(service)
        if bucket is not None and not bucket.take():
            retry = f"{bucket.retry_after():.1f}"
            if service == "sp-api":
                return web.json_response(
                    {
                        "errors": [
                            {
                                "code": "QuotaExceeded",
                                "message": "You exceeded your quota for the requested resource.",
                            }
                        ]
                    },
                    status=429,
                    headers={"x-amzn-RateLimit-Limit": f"{bucket.rate}", "Retry-After": retry},
                )
            return web.json_response(
                {"error": "Too Many Requests"}, status=429, headers={"Retry-After": retry}
            )
        delay = self.delays.get(service)
        if delay:
            await asyncio.sleep(delay)
        queue = self.faults.get(service)
        if queue:
            status, body, headers = queue.pop(0)
            return web.json_response(body, status=status, headers=headers)
        return None

    # ---- Login with Amazon ----

    async def _token(self, request: web.Request) -> web.Response:
        fault = await self.gate("lwa", "token")
        if fault:
            return fault
        form = await request.post()
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return web.json_response(
                {"error": "invalid_client", "error_description": "Client authentication failed"}, status=401
            )
        grants = (self.refresh_token, *self.more_refresh_tokens)
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") not in grants:
            return web.json_response(
                {"error": "invalid_grant", "error_description": "The request has an invalid grant parameter"},
                status=400,
            )
        token = "Atza|" + secrets.token_urlsafe(24)
        self._tokens[token] = str(form.get("refresh_token"))
        return web.json_response(
            {
                "access_token": token,
                "refresh_token": str(form.get("refresh_token")),
                "token_type": "bearer",
                "expires_in": 3600,
            }
        )

    # ---- SP-API Orders 2026-01-01 ----

    def _errors(self, status: int, code: str, message: str) -> web.Response:
        return web.json_response(
            {"errors": [{"code": code, "message": message}]},
            status=status,
            headers={"x-amzn-RequestId": f"req-{next(self._ids)}", "x-amzn-RateLimit-Limit": "0.5"},
        )

    async def _get_order(self, request: web.Request) -> web.Response:
        order_id = request.match_info["order_id"]
        fault = await self.gate("sp-api", order_id)
        if fault:
            return fault
        if not self.authorised(request):
            return self._errors(403, "Unauthorized", "Access to requested resource is denied.")
        order = self.orders.get(order_id)
        if order is None:
            return self._errors(404, "NotFound", f"Order {order_id} not found")
        included = set(request.query.get("includedData", "").split(","))
        return web.json_response(
            {"order": self.order_json(order, included)},
            headers={"x-amzn-RequestId": f"req-{next(self._ids)}", "x-amzn-RateLimit-Limit": "0.5"},
        )

    def authorised(self, request: web.Request) -> bool:
        """Whether the request's access token was issued for this seller's refresh token (by its LWA)."""
        issuer = self.lwa or self
        return issuer._tokens.get(request.headers.get("x-amz-access-token", "")) == self.refresh_token

    def order_json(self, order: StoredOrder, included: set[str]) -> Json:
        """An order in the shape of `getOrder` 2026-01-01."""
        total = sum(float(price) * qty for _, _, qty, price in order.items)
        body: Json = {
            "orderId": order.order_id,
            "createdTime": order.created.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "lastUpdatedTime": self.clock().astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "programs": [],
            "salesChannel": {"channelName": "AMAZON", "marketplaceId": order.marketplace_id},
            "orderItems": [
                {
                    "orderItemId": f"{order.order_id[-7:]}{n:04d}",
                    "quantityOrdered": qty,
                    "product": {
                        "asin": asin,
                        "title": title,
                        "sellerSku": f"SKU-{asin[-5:]}",
                        "condition": {"conditionType": "NEW"},
                        "price": {"unitPrice": {"amount": price, "currencyCode": order.currency}},
                    },
                }
                for n, (title, asin, qty, price) in enumerate(order.items, start=1)
            ],
        }
        if "FULFILLMENT" in included:
            latest = order.created + timedelta(days=5)
            body["fulfillment"] = {
                "fulfillmentStatus": order.status,
                "fulfilledBy": order.fulfilled_by,
                "fulfillmentServiceLevel": "STANDARD",
                "deliverByWindow": {
                    "earliestDateTime": (order.created + timedelta(days=2)).isoformat(),
                    "latestDateTime": latest.isoformat(),
                },
            }
        if "PROCEEDS" in included:
            body["proceeds"] = {"grandTotal": {"amount": f"{total:.2f}", "currencyCode": order.currency}}
        if "PACKAGES" in included and order.fulfilled_by == "MERCHANT":
            packages = []
            for n, (carrier, number, service) in enumerate(order.packages, start=1):
                parcel = self.parcels.get(number)
                seen = parcel.visible(self.clock()) if parcel else []
                delivered = bool(seen) and seen[0].code == "delivered"
                # a parcel with no carrier scan yet (a label, an announcement) is only confirmed shipped
                unscanned = parcel is not None and all(e.code == "pre-transit" for e in seen)
                packages.append(
                    {
                        "packageReferenceId": f"PKG-{n}",
                        "packageStatus": {"status": "SHIPPED"}
                        if unscanned
                        else {
                            "status": "DELIVERED" if delivered else "IN_TRANSIT",
                            "detailedStatus": "DELIVERED" if delivered else "PICKED_UP",
                        },
                        "carrier": carrier,
                        "shippingService": service,
                        "trackingNumber": number,
                        "shipTime": body["createdTime"],
                    }
                )
            body["packages"] = packages
        return body
