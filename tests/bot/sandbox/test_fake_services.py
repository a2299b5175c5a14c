"""The Amazon and carrier stand-ins on the wire: credentials, orders, parcel timelines, faults and usage plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.sandbox.fake_services import FakeServices, Parcel, ParcelEvent, StoredOrder
from bot.sandbox.ratelimit import TokenBucket
from bot.settings_sources import settings_from
from tests.support.clock import TEAM_TIME

ORDER = "302-1234567-1234567"
PARCEL = "00340434161094042557"
START = TEAM_TIME.astimezone(UTC) - timedelta(hours=30)


@dataclass
class Now:
    """The stand-ins' clock, moved by the test."""

    at: datetime = TEAM_TIME

    def __call__(self) -> datetime:
        return self.at


def journey() -> Parcel:
    return Parcel(
        PARCEL,
        "dhl",
        START,
        [
            ParcelEvent(0, "pre-transit", "Elektronisch angekündigt."),
            ParcelEvent(20, "transit", "Im Paketzentrum bearbeitet.", "Hamburg, DE"),
            ParcelEvent(
                29, "out-for-delivery", "In das Zustellfahrzeug geladen.", "München, DE"
            ),  # 1 h before TEAM_TIME
            ParcelEvent(33, "delivered", "Zugestellt.", "München, DE"),  # 3 h after TEAM_TIME
        ],
        eta_hours=33,
    )


async def lwa_token(http: httpx.AsyncClient, services: FakeServices, **form: str) -> httpx.Response:
    body = {
        "grant_type": "refresh_token",
        "refresh_token": services.refresh_token,
        "client_id": services.client_id,
        "client_secret": services.client_secret,
        **form,
    }
    return await http.post("/lwa/auth/o2/token", data=body)


async def get_order(
    http: httpx.AsyncClient, services: FakeServices, order_id: str = ORDER, included: str = ""
) -> httpx.Response:
    token = (await lwa_token(http, services)).json()["access_token"]
    params = {"includedData": included} if included else {}
    return await http.get(
        f"/sp-api/orders/2026-01-01/orders/{order_id}", params=params, headers={"x-amz-access-token": token}
    )


def test_a_parcel_shows_only_the_scans_that_have_happened_newest_first() -> None:
    parcel = journey()
    assert [e.code for e in parcel.visible(TEAM_TIME)] == ["out-for-delivery", "transit", "pre-transit"]
    assert parcel.visible(START - timedelta(seconds=1)) == []
    assert parcel.visible(START + timedelta(hours=33))[0].code == "delivered"  # the scan's own moment counts
    assert parcel.at(parcel.events[1]) == (START + timedelta(hours=20)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_urls_are_settings_the_bot_accepts() -> None:
    services = FakeServices(port=8080)
    settings = settings_from(**services.urls("http://127.0.0.1:8080"))
    assert settings.sp_api_url == "http://127.0.0.1:8080/sp-api"
    assert settings.dhl_api_url == "http://127.0.0.1:8080/dhl"
    assert settings.ups_api_url == "http://127.0.0.1:8080/ups"
    assert settings.lwa_client_secret is not None
    assert settings.lwa_client_secret.get_secret_value() == services.client_secret


async def test_login_with_amazon_checks_the_client_and_the_refresh_token(
    http: httpx.AsyncClient, services: FakeServices
) -> None:
    wrong_client = await lwa_token(http, services, client_secret="nope")
    assert wrong_client.status_code == 401 and wrong_client.json()["error"] == "invalid_client"
    wrong_grant = await lwa_token(http, services, refresh_token="Atzr|stolen")
    assert wrong_grant.status_code == 400 and wrong_grant.json()["error"] == "invalid_grant"
    good = await lwa_token(http, services)
    assert good.status_code == 200 and good.json()["access_token"].startswith("Atza|")
    assert good.json()["expires_in"] == 3600 and services.count("lwa") == 3


async def test_an_order_needs_an_access_token_and_unknown_orders_are_404(
    http: httpx.AsyncClient, services: FakeServices
) -> None:
    services.orders[ORDER] = StoredOrder(
        ORDER, "A1PA6795UKMFR9", START, [("Mühle", "B0CAFE0001", 1, "9.99")], "EUR"
    )
    refused = await http.get(
        f"/sp-api/orders/2026-01-01/orders/{ORDER}", headers={"x-amz-access-token": "Atza|made-up"}
    )
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "Unauthorized"
    missing = await get_order(http, services, "302-0000000-0000000")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "NotFound"
    found = await get_order(http, services)
    assert found.status_code == 200 and found.json()["order"]["orderId"] == ORDER
    assert services.calls.count(("sp-api", ORDER)) == 2


async def test_the_order_carries_only_the_included_data_and_its_packages_follow_the_clock(
    http: httpx.AsyncClient, services: FakeServices, now: Now
) -> None:
    services.orders[ORDER] = StoredOrder(
        ORDER,
        "A1PA6795UKMFR9",
        START,
        [("Mühle", "B0CAFE0001", 2, "19.95"), ("Filter", "B0FILTER01", 1, "5.00")],
        "EUR",
        packages=[("DHL", PARCEL, "DHL Paket")],
    )
    services.parcels[PARCEL] = journey()
    bare = (await get_order(http, services)).json()["order"]
    assert {"fulfillment", "proceeds", "packages"}.isdisjoint(bare)
    assert [(i["product"]["asin"], i["quantityOrdered"]) for i in bare["orderItems"]] == [
        ("B0CAFE0001", 2),
        ("B0FILTER01", 1),
    ]
    assert bare["createdTime"] == START.strftime("%Y-%m-%dT%H:%M:%SZ")

    full = (await get_order(http, services, included="FULFILLMENT,PROCEEDS,PACKAGES")).json()["order"]
    assert full["proceeds"]["grandTotal"] == {"amount": "44.90", "currencyCode": "EUR"}
    assert full["fulfillment"]["fulfilledBy"] == "MERCHANT"
    [package] = full["packages"]
    assert package["trackingNumber"] == PARCEL and package["packageStatus"]["status"] == "IN_TRANSIT"
    now.at = TEAM_TIME + timedelta(hours=4)  # the delivery scan has happened
    later = (await get_order(http, services, included="PACKAGES")).json()["order"]
    assert later["packages"][0]["packageStatus"]["status"] == "DELIVERED"

    services.orders[ORDER].fulfilled_by = "AMAZON"  # Amazon ships FBA orders: no seller packages
    fba = (await get_order(http, services, included="PACKAGES")).json()["order"]
    assert "packages" not in fba


async def test_injected_faults_answer_the_next_calls_then_the_service_recovers(
    http: httpx.AsyncClient, services: FakeServices
) -> None:
    services.parcels[PARCEL] = journey()
    services.fail("dhl", 503, {"title": "Service Unavailable"}, times=2, **{"Retry-After": "7"})
    key = {"DHL-API-Key": services.dhl_key}
    answers = [
        await http.get("/dhl/track/shipments", params={"trackingNumber": PARCEL}, headers=key)
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].json() == {"title": "Service Unavailable"} and answers[0].headers["Retry-After"] == "7"
    assert services.count("dhl") == 3


async def test_a_usage_plan_answers_429_with_retry_after_in_each_services_shape(
    http: httpx.AsyncClient, services: FakeServices
) -> None:
    services.orders[ORDER] = StoredOrder(ORDER, "A1PA6795UKMFR9", START, [("Mühle", "B0X", 1, "1.00")], "EUR")
    services.limits["sp-api"] = TokenBucket(rate=0.5, burst=1)
    services.limits["dhl"] = TokenBucket(rate=0.5, burst=0)
    first = await get_order(http, services)
    second = await get_order(http, services)
    assert first.status_code == 200 and second.status_code == 429
    assert second.json()["errors"][0]["code"] == "QuotaExceeded"
    assert float(second.headers["Retry-After"]) > 0 and second.headers["x-amzn-RateLimit-Limit"] == "0.5"
    dhl = await http.get("/dhl/track/shipments", params={"trackingNumber": PARCEL})
    assert dhl.status_code == 429 and dhl.json() == {"error": "Too Many Requests"}
    assert services.limits["sp-api"].refused == 1


async def test_on_call_hears_each_call_as_it_arrives(http: httpx.AsyncClient, services: FakeServices) -> None:
    heard: list[tuple[str, str]] = []
    services.on_call.append(lambda service, what: heard.append((service, what)))
    await get_order(http, services, "302-0000000-0000000")
    assert heard == [("lwa", "token"), ("sp-api", "302-0000000-0000000")]


def test_ship_with_dhl_stocks_an_order_and_its_parcel() -> None:
    services = FakeServices(clock=lambda: TEAM_TIME)
    services.ship_with_dhl(ORDER, PARCEL, TEAM_TIME, item=("Mühle", "B0CAFE0001", 1, "39.90"))
    order = services.orders[ORDER]
    assert order.created == TEAM_TIME - timedelta(days=3) and order.packages == [("DHL", PARCEL, "DHL Paket")]
    parcel = services.parcels[PARCEL]
    assert parcel.carrier == "dhl" and [e.code for e in parcel.visible(TEAM_TIME)] == ["transit"]
    body: dict[str, Any] = services.order_json(order, {"PACKAGES"})
    assert body["packages"][0]["packageStatus"]["status"] == "IN_TRANSIT"
