"""DHL and 17TRACK providers through the Tracker, against the local stand-ins speaking their formats."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from bot.errors import NotFoundError
from bot.sandbox.fake_services import FakeServices, ParcelEvent
from bot.services.carriers.model import Status
from bot.services.carriers.providers import parse_dhl, parse_seventeentrack
from tests.bot.services.carriers.conftest import DHL_NUMBER, NOW, UPS_NUMBER, WAITS, parcel, tracker


async def test_dhl_in_transit_with_last_scan_eta_and_link(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    fake_services.parcels[DHL_NUMBER] = parcel(
        DHL_NUMBER,
        "dhl",
        ParcelEvent(0, "pre-transit", "Die Sendung wurde elektronisch angekündigt."),
        ParcelEvent(12, "transit", "Die Sendung wurde im Start-Paketzentrum bearbeitet.", "Hamburg, DE"),
    )
    t = await tracker(fake_services, http).track(DHL_NUMBER, carrier_name="DHL Paket")
    assert (t.carrier, t.status, t.provider, t.error) == ("dhl", Status.IN_TRANSIT, "dhl", None)
    assert t.last_event is not None and t.last_event.description.startswith("Die Sendung wurde im Start")
    assert t.last_event.location == "Hamburg DE"
    assert t.estimated_delivery is not None and abs(
        t.estimated_delivery - (NOW + timedelta(hours=18))
    ) < timedelta(seconds=1)
    assert t.link and t.link.endswith(DHL_NUMBER)


async def test_dhl_out_for_delivery_and_delivered(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    fake_services.parcels[DHL_NUMBER] = parcel(
        DHL_NUMBER,
        "dhl",
        ParcelEvent(29, "out-for-delivery", "Die Sendung wurde in das Zustellfahrzeug geladen."),
    )
    assert (
        await tracker(fake_services, http).track(DHL_NUMBER, carrier="dhl")
    ).status is Status.OUT_FOR_DELIVERY
    fake_services.parcels[DHL_NUMBER].events.append(
        ParcelEvent(29.5, "delivered", "Die Sendung wurde zugestellt.")
    )
    assert (await tracker(fake_services, http).track(DHL_NUMBER, carrier="dhl")).status is Status.DELIVERED


async def test_unknown_number_keeps_carrier_and_link(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    t = await tracker(fake_services, http).track(DHL_NUMBER, carrier="dhl")
    assert t.status is Status.UNKNOWN and t.error and "not found" in t.error
    assert t.link and DHL_NUMBER in t.link
    assert fake_services.count("dhl") == 1  # a 404 is final: not retried


async def test_429_is_retried_after_retry_after_and_5xx_reported(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    fake_services.parcels[DHL_NUMBER] = parcel(DHL_NUMBER, "dhl", ParcelEvent(1, "transit", "Unterwegs"))
    fake_services.fail("dhl", 429, {"title": "Too many requests", "status": 429}, **{"Retry-After": "7"})
    WAITS.clear()
    t = await tracker(fake_services, http).track(DHL_NUMBER, carrier="dhl")
    assert t.status is Status.IN_TRANSIT and fake_services.count("dhl") == 2
    assert WAITS == [7.0]  # DHL's Retry-After, not a guess

    fake_services.fail("dhl", 503, {"title": "Service Unavailable"}, times=3)
    t = await tracker(fake_services, http).track(DHL_NUMBER, carrier="dhl")
    assert t.status is Status.UNKNOWN and t.error and "503" in t.error
    assert fake_services.count("dhl") == 5  # three attempts, then the card says "retrying"
    assert WAITS[-2:] == [1.0, 2.0]  # exponential backoff without Retry-After


async def test_timeout_is_an_error_not_a_hang(fake_services: FakeServices) -> None:
    fake_services.parcels[DHL_NUMBER] = parcel(DHL_NUMBER, "dhl", ParcelEvent(1, "transit", "Unterwegs"))
    fake_services.delays["dhl"] = 0.5
    async with httpx.AsyncClient(timeout=0.1) as http:
        t = await tracker(fake_services, http).track(DHL_NUMBER, carrier="dhl")
    assert t.error and "no answer in time" in t.error


async def test_wrong_key_says_what_to_fix(fake_services: FakeServices, http: httpx.AsyncClient) -> None:
    t = await tracker(fake_services, http, dhl_api_key="wrong").track(DHL_NUMBER, carrier="dhl")
    assert t.error and "check the API key" in t.error
    assert fake_services.count("dhl") == 1


async def test_aggregator_registers_then_tracks_any_carrier(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    fake_services.parcels[UPS_NUMBER] = parcel(
        UPS_NUMBER, "ups", ParcelEvent(3, "transit", "Departed from Facility", "Louisville KY, US")
    )
    t = await tracker(fake_services, http, tracking_providers="*=17track").track(UPS_NUMBER)
    assert (t.carrier, t.status, t.provider) == ("ups", Status.IN_TRANSIT, "17track")
    assert t.link == f"https://www.ups.com/track?tracknum={UPS_NUMBER}"
    assert [c for c in fake_services.calls if c[0] == "17track"][:2] == [
        ("17track", f"gettrackinfo:{UPS_NUMBER}"),
        ("17track", f"register:{UPS_NUMBER}"),
    ]


def test_parsers_tolerate_missing_parts() -> None:
    with pytest.raises(NotFoundError):
        parse_dhl("X", {"shipments": []})
    t = parse_dhl(
        "X", {"shipments": [{"id": "X", "status": {"statusCode": "failure", "status": "Annahme verweigert"}}]}
    )
    assert t.status is Status.EXCEPTION and t.last_event and t.last_event.time is None
    returned = parse_seventeentrack(
        "X",
        {
            "number": "X",
            "track_info": {"latest_status": {"status": "Exception", "sub_status": "Exception_Returned"}},
        },
        "dpd",
    )
    assert returned.status is Status.RETURNED and returned.last_event is None


def test_dhl_gives_its_proof_of_delivery_where_it_has_one() -> None:
    def answer(details: dict[str, object]) -> dict[str, object]:
        status = {"statusCode": "delivered", "status": "Zugestellt", "timestamp": "2026-11-14T20:00:00Z"}
        return {"shipments": [{"id": "N", "status": status, "details": details}]}

    proof = {
        "timestamp": "2026-11-14T20:00:00Z",
        "documentUrl": "https://www.dhl.de/pod/N/document",
        "signatureUrl": "https://www.dhl.de/pod/N/signature",
        "signed": {"givenName": "Max", "familyName": "Muster"},
    }
    assert parse_dhl("N", answer({"proofOfDelivery": proof})).proof == (
        "signed by Max Muster, at 2026-11-14T20:00:00Z, document: https://www.dhl.de/pod/N/document, "
        "signature: https://www.dhl.de/pod/N/signature"
    )
    assert parse_dhl("N", answer({"proofOfDeliverySignedAvailable": True})).proof == (
        "a signed proof of delivery is available from DHL"
    )
    assert parse_dhl("N", answer({"proofOfDeliverySignedAvailable": False})).proof is None
    assert parse_dhl("N", answer({"proofOfDelivery": {"timestamp": "2026-11-14T20:00:00Z"}})).proof == (
        "delivered, at 2026-11-14T20:00:00Z"
    )
