"""UPS, FedEx and USPS direct: OAuth client credentials and their answers, against the local stand-ins."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot.errors import ConfigurationError, NotFoundError, UpstreamError
from bot.sandbox.fake_services import FakeServices, ParcelEvent
from bot.services.carriers.direct import OAuthProvider, parse_fedex, parse_ups, parse_usps
from bot.services.carriers.model import Event, Status
from bot.services.carriers.tracker import providers_from
from bot.settings_sources import settings_from
from tests.bot.services.carriers.conftest import UPS_NUMBER, parcel, tracker


def provider(services: FakeServices, http: httpx.AsyncClient, name: str) -> OAuthProvider:
    found = providers_from(settings_from(**services.urls(services.base_url)), http)[name]
    assert isinstance(found, OAuthProvider)
    return found


FEDEX_NUMBER = "123456789012345"
USPS_NUMBER = "9400111899223197428490"


async def test_ups_direct_with_oauth_token_reused_and_renewed(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    fake_services.parcels[UPS_NUMBER] = parcel(
        UPS_NUMBER,
        "ups",
        ParcelEvent(2, "transit", "Departed from Facility", "Louisville KY, US"),
        ParcelEvent(29, "out-for-delivery", "Out For Delivery Today", "Chicago IL, US"),
    )
    ups = tracker(fake_services, http)
    t = await ups.track(UPS_NUMBER)
    assert (t.carrier, t.status, t.provider) == ("ups", Status.OUT_FOR_DELIVERY, "ups")
    assert (
        t.last_event
        and t.last_event.description == "Out For Delivery Today"
        and t.last_event.location == "Chicago IL US"
    )
    assert t.estimated_delivery is not None
    await ups.track(UPS_NUMBER)
    assert fake_services.calls.count(("ups", "token")) == 1  # the token is reused
    fake_services.direct.tokens.clear()  # UPS forgets it (expired, revoked)
    t = await ups.track(UPS_NUMBER)
    assert t.error is None and fake_services.calls.count(("ups", "token")) == 2
    bad = await tracker(fake_services, http, ups_client_secret="wrong").track(UPS_NUMBER)
    assert bad.error and "UPS OAuth" in bad.error and "check the API key" in bad.error


async def test_fedex_direct_delivered_and_unknown(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    fake_services.parcels[FEDEX_NUMBER] = parcel(
        FEDEX_NUMBER,
        "fedex",
        ParcelEvent(1, "transit", "Picked up", "Memphis, US"),
        ParcelEvent(25, "delivered", "Delivered", "Austin, US"),
    )
    fedex = tracker(fake_services, http)
    t = await fedex.track(FEDEX_NUMBER, country="us")
    assert (t.carrier, t.status, t.provider) == ("fedex", Status.DELIVERED, "fedex")
    assert t.last_event and t.last_event.location == "Austin US" and t.last_event.time is not None
    t = await fedex.track("987654321098765", country="us")
    assert t.status is Status.UNKNOWN and t.error and "TRACKING.TRACKINGNUMBER.NOTFOUND" in t.error


async def test_usps_direct_out_for_delivery(fake_services: FakeServices, http: httpx.AsyncClient) -> None:
    fake_services.parcels[USPS_NUMBER] = parcel(
        USPS_NUMBER, "usps", ParcelEvent(28, "out-for-delivery", "Out for Delivery", "Brooklyn, US")
    )
    t = await tracker(fake_services, http).track(USPS_NUMBER, country="us")
    assert (t.carrier, t.status, t.provider) == ("usps", Status.OUT_FOR_DELIVERY, "usps")
    assert t.estimated_delivery is not None and t.last_event and t.last_event.location == "Brooklyn US"


# ---- OAuth client credentials ----


async def test_concurrent_lookups_share_one_token_request(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    fake_services.parcels[UPS_NUMBER] = parcel(UPS_NUMBER, "ups", ParcelEvent(2, "transit", "Departed"))
    ups = provider(fake_services, http, "ups")
    results = await asyncio.gather(*(ups.track(UPS_NUMBER, "ups") for _ in range(3)))
    assert {r.status for r in results} == {Status.IN_TRANSIT}
    assert fake_services.calls.count(("ups", "token")) == 1


async def test_a_token_about_to_expire_is_not_reused(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    fake_services.parcels[USPS_NUMBER] = parcel(USPS_NUMBER, "usps", ParcelEvent(2, "transit", "Accepted"))
    fake_services.direct.tokens.add("short-lived")
    fake_services.fail("usps", 200, {"access_token": "short-lived", "expires_in": 30})  # under a minute left
    usps = provider(fake_services, http, "usps")
    await usps.track(USPS_NUMBER, "usps")
    await usps.track(USPS_NUMBER, "usps")
    assert fake_services.calls.count(("usps", "token")) == 2
    await usps.track(USPS_NUMBER, "usps")  # the second token lives an hour
    assert fake_services.calls.count(("usps", "token")) == 2


async def test_a_token_answer_without_a_token_is_an_error(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    fake_services.fail("fedex", 200, {"token_type": "Bearer", "expires_in": 3599})
    with pytest.raises(UpstreamError, match="FedEx OAuth: answered without an access token"):
        await provider(fake_services, http, "fedex").track(FEDEX_NUMBER, "fedex")
    assert fake_services.count("fedex") == 1  # no lookup without a token


async def test_a_forbidden_lookup_does_not_fetch_a_new_token(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    fake_services.parcels[UPS_NUMBER] = parcel(UPS_NUMBER, "ups", ParcelEvent(2, "transit", "Departed"))
    ups = provider(fake_services, http, "ups")
    await ups.track(UPS_NUMBER, "ups")
    fake_services.fail("ups", 403, {"response": {"errors": [{"code": "250003", "message": "No access"}]}})
    with pytest.raises(ConfigurationError, match="250003: No access") as e:
        await ups.track(UPS_NUMBER, "ups")
    assert e.value.status == 403
    assert fake_services.calls.count(("ups", "token")) == 1


async def test_a_refused_token_is_renewed_once_only(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    fake_services.parcels[USPS_NUMBER] = parcel(USPS_NUMBER, "usps", ParcelEvent(2, "transit", "Accepted"))
    usps = provider(fake_services, http, "usps")
    await usps.track(USPS_NUMBER, "usps")
    refused = {"error": {"code": "401", "message": "Unauthorized"}}
    fake_services.fail("usps", 401, refused)  # the lookup refuses the token; a new one is fetched
    assert (await usps.track(USPS_NUMBER, "usps")).status is Status.IN_TRANSIT
    assert fake_services.calls.count(("usps", "token")) == 2

    def revoke(service: str, what: str) -> None:  # from now on USPS forgets every token before each lookup
        if (service, what) == ("usps", USPS_NUMBER):
            fake_services.direct.tokens.clear()

    fake_services.on_call.append(revoke)
    with pytest.raises(ConfigurationError, match="Unauthorized") as e:
        await usps.track(USPS_NUMBER, "usps")
    assert e.value.status == 401
    assert fake_services.calls.count(("usps", "token")) == 3  # one more token, then it gives up
    # lookups: the first, then (refused, renewed), then (refused, retried with the new token)
    assert fake_services.calls.count(("usps", USPS_NUMBER)) == 5


# ---- the carriers' answers ----


def ups_activity(
    kind: str, description: str, date: str = "20261126", time: str = "09:30:00"
) -> dict[str, Any]:
    return {
        "status": {"type": kind, "description": description},
        "gmtDate": date,
        "gmtTime": time,
        "location": {"address": {"city": "Louisville", "stateProvince": "KY", "countryCode": "US"}},
    }


def ups_answer(*activity: dict[str, Any], **package: Any) -> dict[str, Any]:
    return {"trackResponse": {"shipment": [{"package": [{"activity": list(activity), **package}]}]}}


def test_ups_activity_gives_status_events_and_eta() -> None:
    data = ups_answer(
        ups_activity("D", "DELIVERED", "20261126", "09:30:00"),
        ups_activity("I", "Departed from Facility", "20261125", "22:15:00"),
        trackingNumber=UPS_NUMBER,
        deliveryDate=[{"type": "DEL", "date": "20261124"}, {"type": "RDD", "date": "20261127"}],
    )
    t = parse_ups("x", data)
    assert (t.carrier, t.tracking_number, t.status, t.provider) == (
        "ups",
        UPS_NUMBER,
        Status.DELIVERED,
        "ups",
    )
    assert t.last_event == Event(datetime(2026, 11, 26, 9, 30, tzinfo=UTC), "DELIVERED", "Louisville KY US")
    assert [e.description for e in t.events] == ["DELIVERED", "Departed from Facility"]
    assert t.estimated_delivery == datetime(2026, 11, 27, tzinfo=UTC)


def test_ups_in_transit_said_to_be_out_for_delivery_is_out_for_delivery() -> None:
    data = ups_answer(ups_activity("I", "Loaded"), currentStatus={"description": "Out For Delivery Today"})
    assert parse_ups(UPS_NUMBER, data).status is Status.OUT_FOR_DELIVERY
    assert parse_ups(UPS_NUMBER, ups_answer(ups_activity("I", "Loaded"))).status is Status.IN_TRANSIT


def test_ups_unknown_types_bad_times_and_no_activity() -> None:
    t = parse_ups(UPS_NUMBER, ups_answer(ups_activity("ZZ", "Something", date="not-a-date")))
    assert t.status is Status.UNKNOWN and t.last_event is not None and t.last_event.time is None
    empty = parse_ups(UPS_NUMBER, ups_answer())
    assert (empty.status, empty.last_event, empty.estimated_delivery) == (Status.UNKNOWN, None, None)
    assert empty.tracking_number == UPS_NUMBER


def test_ups_without_a_package_is_not_found_with_its_warning() -> None:
    warned = {"trackResponse": {"shipment": [{"warnings": [{"message": "Tracking Information Not Found"}]}]}}
    with pytest.raises(NotFoundError, match="UPS: Tracking Information Not Found"):
        parse_ups(UPS_NUMBER, warned)
    with pytest.raises(NotFoundError, match=f"no package {UPS_NUMBER}"):
        parse_ups(UPS_NUMBER, {})


def fedex_answer(result: dict[str, Any]) -> dict[str, Any]:
    return {"output": {"completeTrackResults": [{"trackingNumber": FEDEX_NUMBER, "trackResults": [result]}]}}


def test_fedex_scans_status_and_eta() -> None:
    result = {
        "latestStatusDetail": {"derivedCode": "OD", "code": "IT"},
        "scanEvents": [
            {
                "date": "2026-11-26T08:00:00-06:00",
                "eventDescription": "On FedEx vehicle for delivery",
                "scanLocation": {"city": "Austin", "stateOrProvinceCode": "TX", "countryCode": "US"},
            },
            {"date": "2026-11-25T10:00:00Z", "derivedStatus": "In transit", "scanLocation": {}},
        ],
        "dateAndTimes": [
            {"type": "ACTUAL_PICKUP", "dateTime": "2026-11-24T10:00:00Z"},
            {"type": "ESTIMATED_DELIVERY", "dateTime": "2026-11-26T18:00:00Z"},
        ],
    }
    t = parse_fedex("x", fedex_answer(result))
    assert (t.carrier, t.tracking_number, t.status) == ("fedex", FEDEX_NUMBER, Status.OUT_FOR_DELIVERY)
    assert t.last_event is not None and t.last_event.location == "Austin TX US"
    assert t.last_event.time == datetime(2026, 11, 26, 14, tzinfo=UTC)
    assert t.events[1] == Event(datetime(2026, 11, 25, 10, tzinfo=UTC), "In transit", None)
    assert t.estimated_delivery == datetime(2026, 11, 26, 18, tzinfo=UTC)


def test_fedex_without_scans_takes_the_latest_status_and_its_code() -> None:
    result = {
        "latestStatusDetail": {"code": "DL", "description": "Delivered", "scanLocation": {"city": "Austin"}}
    }
    t = parse_fedex(FEDEX_NUMBER, fedex_answer(result))
    assert t.status is Status.DELIVERED and t.last_event == Event(None, "Delivered", "Austin")
    assert (
        parse_fedex(FEDEX_NUMBER, fedex_answer({"latestStatusDetail": {"code": "??"}})).status
        is Status.UNKNOWN
    )
    nothing = parse_fedex(FEDEX_NUMBER, {})
    assert (nothing.status, nothing.last_event, nothing.tracking_number) == (
        Status.UNKNOWN,
        None,
        FEDEX_NUMBER,
    )


def test_fedex_error_is_not_found() -> None:
    result = {
        "error": {"code": "TRACKING.TRACKINGNUMBER.NOTFOUND", "message": "Tracking number cannot be found."}
    }
    with pytest.raises(
        NotFoundError, match=r"TRACKING\.TRACKINGNUMBER\.NOTFOUND: Tracking number cannot be found"
    ):
        parse_fedex(FEDEX_NUMBER, fedex_answer(result))


def test_usps_events_category_and_eta() -> None:
    data = {
        "trackingNumber": USPS_NUMBER,
        "statusCategory": "  DELIVERED ",
        "trackingEvents": [
            {
                "eventType": "Delivered",
                "eventTimestamp": "2026-11-26T11:00:00Z",
                "eventCity": "Brooklyn",
                "eventState": "NY",
            },
            "not an event",
        ],
        "deliveryDateExpectation": {"expectedDeliveryDate": "2026-11-26T20:00:00Z"},
    }
    t = parse_usps("x", data)
    assert (t.carrier, t.tracking_number, t.status) == ("usps", USPS_NUMBER, Status.DELIVERED)
    assert t.events == [Event(datetime(2026, 11, 26, 11, tzinfo=UTC), "Delivered", "Brooklyn NY")]
    assert t.estimated_delivery == datetime(2026, 11, 26, 20, tzinfo=UTC)


def test_usps_without_events_shows_its_summary() -> None:
    data = {
        "statusCategory": "Delivery Attempt",
        "statusSummary": "Notice left",
        "deliveryDateExpectation": {"predictedDeliveryDate": "2026-11-27"},
    }
    t = parse_usps(USPS_NUMBER, data)
    assert (t.status, t.last_event) == (Status.EXCEPTION, Event(None, "Notice left"))
    assert t.estimated_delivery == datetime(2026, 11, 27, tzinfo=UTC)
    bare = parse_usps(USPS_NUMBER, {"statusCategory": "Something new"})
    assert (bare.status, bare.last_event, bare.tracking_number) == (Status.UNKNOWN, None, USPS_NUMBER)


def test_ups_and_fedex_name_who_received_the_parcel_as_the_proof_of_delivery() -> None:
    delivered = {
        "receivedBy": "MUSTER",
        "location": "Front Door",
        "signature": {"image": "R0lGOD…"},
        "deliveryPhoto": {"photo": "iVBOR…", "photoCaptureInd": "Y"},
    }
    ups = parse_ups(UPS_NUMBER, ups_answer(ups_activity("D", "DELIVERED"), deliveryInformation=delivered))
    assert ups.proof == (
        "received by MUSTER, left at Front Door, UPS keeps the signature, UPS keeps a delivery photo"
    )
    assert parse_ups(UPS_NUMBER, ups_answer(ups_activity("I", "Departed"))).proof is None
    details = {"receivedByName": "J.DOE", "locationDescription": "Front porch"}
    fedex = parse_fedex(
        FEDEX_NUMBER, fedex_answer({"latestStatusDetail": {"code": "DL"}, "deliveryDetails": details})
    )
    assert fedex.status is Status.DELIVERED and fedex.proof == "received by J.DOE, left at Front porch"
    assert parse_fedex(FEDEX_NUMBER, fedex_answer({"latestStatusDetail": {"code": "IT"}})).proof is None
