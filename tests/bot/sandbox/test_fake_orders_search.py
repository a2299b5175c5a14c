"""The searchOrders stand-in on the wire: the model's parameter rules, windows, filters, pages and their tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.sandbox.fake_services import FakeServices, Parcel, ParcelEvent, StoredOrder
from tests.bot.sandbox.test_fake_services import Now, lwa_token
from tests.support.clock import TEAM_TIME

DE, FR = "A1PA6795UKMFR9", "A13V1IB3VIYZZH"
NOW = TEAM_TIME.astimezone(UTC)


def z(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stock(services: FakeServices) -> None:
    """Five orders a day apart (the newest a day old): FBM ones with a DHL parcel, one FBA, one in France."""
    for n in range(5):
        services.orders[f"302-000000{n}-1234567"] = StoredOrder(
            f"302-000000{n}-1234567",
            FR if n == 3 else DE,
            NOW - timedelta(days=5 - n),
            [("Item", "B0X", 1, "9.99")],
            "EUR",
            fulfilled_by="AMAZON" if n == 4 else "MERCHANT",
            packages=[] if n == 4 else [("DHL", f"0034043416109404255{n}", "DHL Paket")],
        )


async def search(http: httpx.AsyncClient, services: FakeServices, **params: Any) -> httpx.Response:
    token = (await lwa_token(http, services)).json()["access_token"]
    return await http.get(
        "/sp-api/orders/2026-01-01/orders", params=params, headers={"x-amz-access-token": token}
    )


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [o["orderId"][-9:-8] for o in response.json()["orders"]]


async def test_exactly_one_of_created_after_and_last_updated_after(
    http: httpx.AsyncClient, services: FakeServices
) -> None:
    week = z(NOW - timedelta(days=7))
    refusals = [
        {},
        {"createdAfter": week, "lastUpdatedAfter": week},
        {"createdAfter": week, "lastUpdatedBefore": z(NOW - timedelta(hours=1))},
        {"lastUpdatedAfter": week, "createdBefore": z(NOW - timedelta(hours=1))},
        {"createdAfter": week, "createdBefore": z(NOW - timedelta(minutes=1))},  # not 2 minutes before now
        {"createdAfter": week, "createdBefore": z(NOW - timedelta(days=8))},  # before the start
        {"createdAfter": "last week"},
        {"createdAfter": week, "maxResultsPerPage": "101"},
        {"createdAfter": week, "includedData": "EVERYTHING"},
        {"createdAfter": week, "includedData": ["PACKAGES", "FULFILLMENT"]},  # an array is comma-separated
    ]
    for params in refusals:
        answer = await search(http, services, **params)
        assert answer.status_code == 400, params
        assert answer.json()["errors"][0]["code"] == "InvalidInput"
    unauthorised = await http.get(
        "/sp-api/orders/2026-01-01/orders", params={"createdAfter": week}, headers={"x-amz-access-token": "x"}
    )
    assert unauthorised.status_code == 403


async def test_windows_and_filters(http: httpx.AsyncClient, services: FakeServices) -> None:
    stock(services)
    created = {
        "createdAfter": z(NOW - timedelta(days=3, hours=1)),
        "createdBefore": z(NOW - timedelta(days=1)),
    }
    assert ids(await search(http, services, **created)) == ["2", "3", "4"]  # the window's ends included
    answer = await search(http, services, **created, marketplaceIds=DE, fulfilledBy="MERCHANT")
    assert ids(answer) == ["2"]
    assert answer.json()["createdBefore"] == created["createdBefore"]
    assert answer.headers["x-amzn-RateLimit-Limit"] == "0.0056"
    # every order of the stand-in was last updated now: all of them changed since yesterday
    updated = await search(http, services, lastUpdatedAfter=z(NOW - timedelta(days=1)))
    assert ids(updated) == ["0", "1", "2", "3", "4"]
    assert updated.json()["lastUpdatedBefore"] == z(NOW - timedelta(minutes=2))
    assert ids(await search(http, services, lastUpdatedAfter=z(NOW + timedelta(minutes=1)))) == []
    both = await search(
        http, services, lastUpdatedAfter=z(NOW - timedelta(days=9)), marketplaceIds=f"{DE},{FR}"
    )
    assert len(ids(both)) == 5


async def test_only_the_included_data_comes_and_an_unscanned_parcel_is_only_shipped(
    http: httpx.AsyncClient, services: FakeServices
) -> None:
    stock(services)
    services.parcels["00340434161094042550"] = Parcel(
        "00340434161094042550", "dhl", NOW - timedelta(days=4), [ParcelEvent(0, "pre-transit", "Angekündigt")]
    )
    services.parcels["00340434161094042551"] = Parcel(
        "00340434161094042551", "dhl", NOW - timedelta(days=3), [ParcelEvent(2, "transit", "Bearbeitet")]
    )
    week = z(NOW - timedelta(days=7))
    bare = (await search(http, services, createdAfter=week)).json()["orders"][0]
    assert {"fulfillment", "packages"}.isdisjoint(bare) and bare["salesChannel"]["marketplaceId"] == DE
    full = (await search(http, services, createdAfter=week, includedData="FULFILLMENT,PACKAGES")).json()[
        "orders"
    ]
    assert [o["fulfillment"]["fulfilledBy"] for o in full] == ["MERCHANT"] * 4 + ["AMAZON"]
    statuses = [o["packages"][0]["packageStatus"] if o.get("packages") else None for o in full]
    assert statuses[:3] == [
        {"status": "SHIPPED"},  # a label announced, no carrier scan
        {"status": "IN_TRANSIT", "detailedStatus": "PICKED_UP"},
        {"status": "IN_TRANSIT", "detailedStatus": "PICKED_UP"},  # a parcel the stand-in does not follow
    ]
    assert statuses[4] is None and full[0]["packages"][0]["shipTime"] == full[0]["createdTime"]


async def test_pages_and_their_tokens(http: httpx.AsyncClient, services: FakeServices, now: Now) -> None:
    stock(services)
    params = {"lastUpdatedAfter": z(NOW - timedelta(days=9)), "marketplaceIds": DE, "maxResultsPerPage": "2"}
    first = await search(http, services, **params)
    assert ids(first) == ["0", "1"]
    token = first.json()["pagination"]["nextToken"]
    second = await search(http, services, **{**params, "maxResultsPerPage": "1"}, paginationToken=token)
    assert ids(second) == ["2"]  # the page size may change between pages
    last = await search(http, services, **params, paginationToken=second.json()["pagination"]["nextToken"])
    assert ids(last) == ["4"] and "pagination" not in last.json()
    other = {**params, "marketplaceIds": FR}
    assert (await search(http, services, **other, paginationToken=token)).status_code == 400
    assert (await search(http, services, **params, paginationToken="garbage")).status_code == 400
    now.at = TEAM_TIME + timedelta(hours=25)  # a token lives 24 hours
    expired = await search(http, services, **params, paginationToken=token)
    assert expired.status_code == 400 and "expired" in expired.json()["errors"][0]["message"]
    assert services.count("sp-api") == 6
