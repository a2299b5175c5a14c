"""The SP-API wrapper (python-amazon-sp-api's asyncio client) against the local Amazon stand-in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import ConfigurationError, NotFoundError, UpstreamError
from bot.sandbox.fake_services import FakeServices, StoredOrder
from bot.services.amazon import SpApi, parse_order
from bot.settings_sources import settings_from

ORDER = "302-1234567-1234567"
CREATED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def stored(order_id: str = ORDER, **kw: object) -> StoredOrder:
    defaults: dict[str, object] = {
        "marketplace_id": "A1PA6795UKMFR9",
        "created": CREATED,
        "items": [("Kaffeemühle Edelstahl", "B0CAFE0001", 2, "19.95"), ("Filter", "B0CAFE0002", 1, "4.10")],
        "currency": "EUR",
        "packages": [("DHL", "00340434161094042557", "DHL Paket")],
    }
    defaults.update(kw)
    return StoredOrder(order_id, **defaults)  # type: ignore[arg-type]


def api(services: FakeServices, **extra: object) -> SpApi:
    return SpApi(settings_from(**{**services.urls(services.base_url), **extra}), attempts=3)


async def test_fbm_order_with_items_total_and_package(fake_services: FakeServices) -> None:
    fake_services.orders[ORDER] = stored()
    client = api(fake_services)
    order = await client.get_order(ORDER)
    await client.aclose()
    assert (order.order_id, order.marketplace, order.channel, order.status) == (
        ORDER,
        "amazon.de",
        "FBM",
        "SHIPPED",
    )
    assert str(order.total) == "44.00 EUR"
    assert [(i.title, i.quantity, str(i.unit_price)) for i in order.items] == [
        ("Kaffeemühle Edelstahl", 2, "19.95 EUR"),
        ("Filter", 1, "4.10 EUR"),
    ]
    [pkg] = order.packages
    assert (pkg.carrier, pkg.tracking_number, pkg.service) == ("DHL", "00340434161094042557", "DHL Paket")
    assert order.purchase_date == "2026-11-20T10:00:00Z"
    assert ("sp-api", ORDER) in fake_services.calls


async def test_fba_order_has_no_seller_packages(fake_services: FakeServices) -> None:
    fake_services.orders[ORDER] = stored(fulfilled_by="AMAZON")
    client = api(fake_services)
    order = await client.get_order(ORDER)
    await client.aclose()
    assert order.channel == "FBA" and order.packages == []


async def test_unknown_order_is_not_found_and_not_retried(fake_services: FakeServices) -> None:
    client = api(fake_services)
    with pytest.raises(NotFoundError, match="knows no order 302-0000000-0000000"):
        await client.get_order("302-0000000-0000000")
    await client.aclose()
    assert fake_services.count("sp-api") == 1


async def test_throttling_is_retried_and_an_empty_429_is_not_silent(fake_services: FakeServices) -> None:
    fake_services.orders[ORDER] = stored()
    fake_services.fail(
        "sp-api", 429, {"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota"}]}
    )
    fake_services.fail("sp-api", 429, {})  # the library alone would return an empty payload for this one
    sleeps: list[float] = []

    async def no_wait(seconds: float) -> None:
        sleeps.append(seconds)

    client = SpApi(settings_from(**fake_services.urls(fake_services.base_url)), attempts=3, sleep=no_wait)
    order = await client.get_order(ORDER)
    await client.aclose()
    assert order.order_id == ORDER and fake_services.count("sp-api") == 3 and client.calls == 3
    assert sleeps == [1.0, 2.0]


async def test_server_errors_end_in_a_typed_error(fake_services: FakeServices) -> None:
    fake_services.fail("sp-api", 503, {}, times=5)
    client = SpApi(settings_from(**fake_services.urls(fake_services.base_url)), attempts=1)
    with pytest.raises(UpstreamError, match="503"):
        await client.get_order(ORDER)
    await client.aclose()


async def test_wrong_credentials_say_what_to_fix_and_tokens_are_reused(fake_services: FakeServices) -> None:
    client = api(fake_services, lwa_client_secret="wrong")
    with pytest.raises(ConfigurationError, match="invalid_client"):
        await client.get_order(ORDER)
    await client.aclose()

    fake_services.orders[ORDER] = stored()
    fake_services.orders["302-7654321-7654321"] = stored("302-7654321-7654321")
    client = api(fake_services)
    await client.get_order(ORDER)
    await client.get_order("302-7654321-7654321")
    await client.aclose()
    assert fake_services.count("lwa") == 2  # one refused, then one token for both orders


def test_missing_credentials_are_refused_at_construction() -> None:
    with pytest.raises(ConfigurationError, match="INBOX_BOT_SP_API_REFRESH_TOKEN"):
        SpApi(settings_from())


def test_parse_order_refuses_a_body_without_an_order() -> None:
    with pytest.raises(UpstreamError, match="without an order"):
        parse_order({"payload": {}})
    minimal = parse_order(
        {"order": {"orderId": ORDER, "orderItems": [{"quantityOrdered": 1, "product": {"asin": "B1"}}]}}
    )
    assert minimal.items[0].title == "B1" and minimal.total is None and minimal.packages == []


async def test_a_refused_cached_access_token_is_replaced_once(fake_services: FakeServices) -> None:
    fake_services.orders[ORDER] = stored()
    client = api(fake_services)
    await client.get_order(ORDER)
    fake_services._tokens.clear()  # Amazon no longer takes the token the library cached
    order = await client.get_order(ORDER)
    await client.aclose()
    assert order.order_id == ORDER and fake_services.count("lwa") == 2
    fake_services._tokens.clear()
    fake_services.fail(
        "lwa", 401, {"error": "invalid_client", "error_description": "Client authentication failed"}
    )
    client = api(fake_services)
    with pytest.raises(ConfigurationError):
        await client.get_order(ORDER)
    await client.aclose()
