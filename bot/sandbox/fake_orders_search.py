"""Stand-in for SP-API Orders 2026-01-01 `searchOrders`: the stand-in's orders by creation or update time, paged, in the
shape and with the parameter rules of the official model (orders-api-model/orders_2026-01-01.json)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.sandbox.fake_services import FakeServices, StoredOrder

Json = dict[str, Any]
RATE_LIMIT = "0.0056"  # searchOrders' usage plan, as Amazon's x-amzn-RateLimit-Limit header gives it
INCLUDED = {
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "EXPENSE",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "PACKAGES",
    "TAX",
    "PAYMENT",
    "FULFILLMENT_ORDERS",
}
# The parameters a pagination token is bound to (maxResultsPerPage and includedData may change between pages).
BOUND = ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore", "fulfillmentStatuses")
BOUND_LISTS = ("marketplaceIds", "fulfilledBy")
TOKEN_HOURS = 24


class Invalid(Exception):
    """A request Amazon answers with 400 InvalidInput."""


def _csv(query: Any, name: str) -> list[str]:
    values = query.getall(name, [])
    if (
        len(values) > 1
    ):  # the model's arrays are comma-separated (Swagger 2.0's csv), never a repeated parameter
        raise Invalid(f"{name} is given {len(values)} times: send one comma-separated value.")
    return [v for v in str(values[0]).split(",") if v] if values else []


def _time(query: Any, name: str) -> datetime | None:
    value = query.get(name)
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{name} is not an ISO 8601 date: {value}") from None
    if when.tzinfo is None:
        raise Invalid(f"{name} needs a time zone: {value}")
    return when


def _z(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class FakeOrderSearch:
    """searchOrders over the stand-in's orders; an order's last update is the stand-in's now (as getOrder says)."""

    services: FakeServices

    def add_routes(self, app: web.Application) -> None:
        """Mount GET /sp-api/orders/2026-01-01/orders."""
        app.router.add_get("/sp-api/orders/2026-01-01/orders", self._search)

    def _answer(self, body: Json, status: int = 200) -> web.Response:
        headers = {
            "x-amzn-RequestId": f"req-{next(self.services._ids)}",
            "x-amzn-RateLimit-Limit": RATE_LIMIT,
        }
        return web.json_response(body, status=status, headers=headers)

    async def _search(self, request: web.Request) -> web.Response:
        fault = await self.services.gate("sp-api", "searchOrders")
        if fault:
            return fault
        if not self.services.authorised(request):
            return self._answer(
                {"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied."}]},
                403,
            )
        try:
            return self._answer(self.search(request.query))
        except Invalid as e:
            return self._answer(
                {"errors": [{"code": "InvalidInput", "message": str(e), "details": str(e)}]}, 400
            )

    def search(self, query: Any) -> Json:
        """One page of the answer to these query parameters (a MultiDict); Invalid for what Amazon refuses."""
        now = self.services.clock()
        created_after, created_before = _time(query, "createdAfter"), _time(query, "createdBefore")
        updated_after, updated_before = _time(query, "lastUpdatedAfter"), _time(query, "lastUpdatedBefore")
        if (created_after is None) == (updated_after is None):
            raise Invalid("Exactly one of createdAfter and lastUpdatedAfter must be provided.")
        if created_after and (updated_before or updated_after):
            raise Invalid("createdAfter cannot be combined with lastUpdatedAfter or lastUpdatedBefore.")
        if updated_after and created_before:
            raise Invalid("lastUpdatedAfter cannot be combined with createdBefore.")
        after = created_after or updated_after
        before = created_before or updated_before
        if before is not None and (before < (after or before) or before > now - timedelta(minutes=2)):
            raise Invalid(
                "The 'before' date must be after the 'after' date and at least 2 minutes before now."
            )
        size = query.get("maxResultsPerPage", "100")
        if not size.isdigit() or not 1 <= int(size) <= 100:
            raise Invalid("maxResultsPerPage must be between 1 and 100.")
        markets = _csv(query, "marketplaceIds")
        if len(markets) > 50:
            raise Invalid("marketplaceIds takes at most 50 marketplaces.")
        included = set(_csv(query, "includedData"))
        if included - INCLUDED:
            raise Invalid(f"includedData does not know {sorted(included - INCLUDED)}")
        bound = self._bound(query)
        offset = self._offset(query.get("paginationToken"), bound, now)
        statuses, fulfilled_by = set(_csv(query, "fulfillmentStatuses")), set(_csv(query, "fulfilledBy"))

        def matches(order: StoredOrder) -> bool:
            when = order.created if created_after else now  # an order's last update is now (see order_json)
            return (
                when >= (after or when)
                and when <= (before or when)
                and (not markets or order.marketplace_id in markets)
                and (not statuses or order.status in statuses)
                and (not fulfilled_by or order.fulfilled_by in fulfilled_by)
            )

        found = sorted(
            (o for o in self.services.orders.values() if matches(o)), key=lambda o: (o.created, o.order_id)
        )
        page = found[offset : offset + int(size)]
        body: Json = {"orders": [self.services.order_json(o, included) for o in page]}
        if offset + int(size) < len(found):
            body["pagination"] = {"nextToken": self._token(offset + int(size), bound, now)}
        body["createdBefore" if created_after else "lastUpdatedBefore"] = _z(
            before or now - timedelta(minutes=2)
        )
        return body

    @staticmethod
    def _bound(query: Any) -> str:
        values = {k: query.get(k) for k in BOUND} | {k: sorted(_csv(query, k)) for k in BOUND_LISTS}
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:16]

    @staticmethod
    def _token(offset: int, bound: str, now: datetime) -> str:
        raw = json.dumps({"offset": offset, "query": bound, "issued": now.isoformat()})
        return base64.urlsafe_b64encode(raw.encode()).decode()

    @staticmethod
    def _offset(token: str | None, bound: str, now: datetime) -> int:
        if not token:
            return 0
        try:
            data = json.loads(base64.urlsafe_b64decode(token.encode()))
            offset, query, issued = (
                int(data["offset"]),
                str(data["query"]),
                datetime.fromisoformat(data["issued"]),
            )
        except (ValueError, KeyError, TypeError):
            raise Invalid("paginationToken is not valid.") from None
        if query != bound:
            raise Invalid("paginationToken belongs to a request with other parameters.")
        if now - issued > timedelta(hours=TOKEN_HOURS):
            raise Invalid("paginationToken has expired.")
        return offset
