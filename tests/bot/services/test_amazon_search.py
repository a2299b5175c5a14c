"""searchOrders (python-amazon-sp-api's asyncio client on SpApi's connections) against the local Amazon stand-in:
pages, Amazon's rate, throttling, a refused token, typed errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import ConfigurationError, UpstreamError
from bot.sandbox.fake_services import FakeServices, StoredOrder
from bot.services.amazon import SpApi
from bot.services.amazon_search import (
    SEARCH_BURST,
    SEARCH_RATE,
    FoundOrder,
    OrderSearch,
    parse_orders,
    search_limiter,
)
from bot.services.http import RATE_MARGIN
from bot.services.regions import in_region
from bot.settings_sources import settings_from
from tests.support.clock import TEAM_TIME

DE, FR = "A1PA6795UKMFR9", "A13V1IB3VIYZZH"
NOW = TEAM_TIME.astimezone(UTC)
WEEK = NOW - timedelta(days=7)


def stock(services: FakeServices, count: int = 5, marketplace: str = DE) -> list[str]:
    """`count` merchant-fulfilled orders a day apart, each shipped with a DHL parcel."""
    ids = []
    for n in range(count):
        order_id = f"302-{marketplace[-3:]}{n:04d}-1234567"
        services.orders[order_id] = StoredOrder(
            order_id,
            marketplace,
            NOW - timedelta(days=count - n),
            [("Item", "B0X", 1, "9.99")],
            "EUR",
            packages=[("DHL", f"003404341610940{n:05d}", "DHL Paket")],
        )
        ids.append(order_id)
    return ids


class Sleeps(list[float]):
    """The waits asked for, none of them waited."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def search(services: FakeServices, sleeps: Sleeps | None = None, **kw: int) -> OrderSearch:
    settings = settings_from(**services.urls(services.base_url))
    return OrderSearch(SpApi(settings, attempts=3, sleep=Sleeps() if sleeps is None else sleeps), **kw)


async def test_every_page_is_fetched_with_the_same_question(fake_services: FakeServices) -> None:
    ids = stock(fake_services) + stock(fake_services, 2, FR)
    client = search(fake_services, page_size=2)
    found = await client.updated_since(WEEK, [DE, FR])
    await client.api.aclose()
    assert sorted(o.order_id for o in found) == sorted(ids)
    assert client.calls == 4 and fake_services.count("sp-api") == 4  # 7 orders, 2 a page
    first = next(o for o in found if o.order_id == ids[0])
    assert (first.marketplace_id, first.fulfilled_by, first.status, first.created) == (
        DE,
        "MERCHANT",
        "SHIPPED",
        NOW - timedelta(days=5),
    )
    [package] = first.packages
    assert (package.tracking_number, package.carrier, package.ship_time) == (
        "00340434161094000000",
        "DHL",
        NOW - timedelta(days=5),
    )
    only_de = search(fake_services, page_size=100)
    assert len(await only_de.updated_since(WEEK, [DE])) == 5 and only_de.calls == 1
    await only_de.api.aclose()


async def test_a_429_waits_for_a_token_of_amazons_rate_then_asks_again(fake_services: FakeServices) -> None:
    stock(fake_services, 3)
    quota = {
        "errors": [
            {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}
        ]
    }
    fake_services.fail("sp-api", 429, quota)  # Amazon's throttling carries no Retry-After
    fake_services.fail("sp-api", 429, quota, **{"Retry-After": "42"})
    sleeps = Sleeps()
    client = search(fake_services, sleeps, page_size=2)
    found = await client.updated_since(WEEK, [DE])
    await client.api.aclose()
    assert len(found) == 3 and fake_services.count("sp-api") == 4  # two refused, then both pages
    one_token = 1 / (SEARCH_RATE * RATE_MARGIN)  # about three minutes
    assert [s for s in sleeps if s] == [pytest.approx(one_token), 42.0]


async def test_throttled_on_every_attempt_is_an_error_that_says_so(fake_services: FakeServices) -> None:
    fake_services.fail("sp-api", 429, {"errors": [{"code": "QuotaExceeded", "message": "quota"}]}, times=3)
    client = search(fake_services)
    with pytest.raises(UpstreamError, match="throttled") as raised:
        await client.updated_since(WEEK, [DE])
    await client.api.aclose()
    assert raised.value.status == 429 and fake_services.count("sp-api") == 3


async def test_a_refused_access_token_is_renewed_once(fake_services: FakeServices) -> None:
    stock(fake_services, 1)
    fake_services.fail("sp-api", 403, {"errors": [{"code": "Unauthorized", "message": "Access denied"}]})
    client = search(fake_services)
    assert len(await client.updated_since(WEEK, [DE])) == 1
    assert fake_services.count("lwa") == 2  # the refused token was dropped and a new one fetched
    fake_services.fail(
        "sp-api", 403, {"errors": [{"code": "Unauthorized", "message": "Access denied"}]}, times=2
    )
    with pytest.raises(ConfigurationError, match="Access denied"):
        await client.updated_since(WEEK, [DE])
    await client.api.aclose()


async def test_a_refused_question_is_not_asked_again(fake_services: FakeServices) -> None:
    client = search(fake_services)
    with pytest.raises(UpstreamError, match="InvalidInput") as raised:
        await client.updated_since(NOW + timedelta(days=1), [DE] * 51)  # more marketplaces than Amazon takes
    assert raised.value.status == 400 and not raised.value.retryable and fake_services.count("sp-api") == 1
    fake_services.fail("sp-api", 503, {}, times=3)
    with pytest.raises(UpstreamError, match="503"):
        await client.updated_since(WEEK, [DE])
    await client.api.aclose()
    assert fake_services.count("sp-api") == 4


async def test_more_orders_than_the_page_limit_are_not_counted_short(fake_services: FakeServices) -> None:
    stock(fake_services, 5)
    client = search(fake_services, page_size=2, max_pages=2)
    with pytest.raises(UpstreamError, match="more than 4 orders"):
        await client.updated_since(WEEK, [DE])
    await client.api.aclose()


def test_the_pace_is_the_documented_usage_plan() -> None:
    limiter = search_limiter()
    assert limiter.max_rate == SEARCH_BURST - 2  # two tokens of the burst kept in hand
    assert limiter.max_rate / limiter.time_period == pytest.approx(0.0056 * RATE_MARGIN)


def test_parsing_keeps_what_the_report_needs_and_refuses_what_is_not_a_page() -> None:
    page = {
        "orders": [
            {
                "orderId": "302-1-1",
                "createdTime": "2026-11-20T10:00:00Z",
                "salesChannel": {"marketplaceId": DE},
                "fulfillment": {"fulfillmentStatus": "SHIPPED", "fulfilledBy": "MERCHANT"},
                "packages": [
                    {"packageReferenceId": "1", "packageStatus": {"status": "SHIPPED"}, "shipTime": "x"}
                ],
            },
            {"createdTime": "2026-11-20T10:00:00Z"},  # no id: left out (and logged)
        ]
    }
    [order] = parse_orders(page)
    assert order == FoundOrder(
        "302-1-1",
        DE,
        datetime(2026, 11, 20, 10, tzinfo=UTC),
        "MERCHANT",
        "SHIPPED",
        order.packages,
    )
    assert order.packages[0].tracking_number is None and order.packages[0].ship_time is None
    with pytest.raises(UpstreamError, match="without an order list"):
        parse_orders({"payload": {}})


def test_marketplaces_belong_to_one_region() -> None:
    assert in_region(DE, "eu") and in_region(FR, "eu") and not in_region("ATVPDKIKX0DER", "eu")
    assert in_region("ATVPDKIKX0DER", "na") and in_region("A1VC38T7YXB528", "fe") and not in_region(DE, "fe")
