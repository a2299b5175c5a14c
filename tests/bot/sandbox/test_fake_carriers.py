"""The carrier stand-ins on the wire: DHL's timeline as of the clock, 17TRACK's registration."""

from __future__ import annotations

from datetime import timedelta

import httpx

from bot.sandbox.fake_services import FakeServices
from tests.bot.sandbox.test_fake_services import PARCEL, START, Now, journey


async def test_dhl_needs_its_key_and_reports_the_timeline_as_of_the_clock(
    http: httpx.AsyncClient, services: FakeServices, now: Now
) -> None:
    services.parcels[PARCEL] = journey()
    wrong = await http.get(
        "/dhl/track/shipments", params={"trackingNumber": PARCEL}, headers={"DHL-API-Key": "x"}
    )
    assert wrong.status_code == 401
    key = {"DHL-API-Key": services.dhl_key}
    unknown = await http.get(
        "/dhl/track/shipments", params={"trackingNumber": "00340000000000000000"}, headers=key
    )
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith(
        "application/problem+json"
    )

    [shipment] = (
        await http.get("/dhl/track/shipments", params={"trackingNumber": PARCEL}, headers=key)
    ).json()["shipments"]
    # DHL Unified has no out-for-delivery code: that scan is reported as transit, with its text.
    assert shipment["status"]["statusCode"] == "transit"
    assert shipment["status"]["description"] == "In das Zustellfahrzeug geladen."
    assert shipment["status"]["location"]["address"] == {"addressLocality": "München", "countryCode": "DE"}
    assert len(shipment["events"]) == 3
    assert shipment["estimatedTimeOfDelivery"] == (START + timedelta(hours=33)).strftime("%Y-%m-%dT%H:%M:%SZ")

    now.at = START - timedelta(hours=1)  # before the first scan the carrier knows nothing
    before = await http.get("/dhl/track/shipments", params={"trackingNumber": PARCEL}, headers=key)
    assert before.status_code == 404


async def test_17track_tracks_only_registered_numbers(
    http: httpx.AsyncClient, services: FakeServices
) -> None:
    services.parcels[PARCEL] = journey()
    key = {"17token": services.seventeen_key}
    body = [{"number": PARCEL}]
    bad = (await http.post("/17track/gettrackinfo", json=body, headers={"17token": "x"})).json()
    assert bad["code"] == -18010002
    before = (await http.post("/17track/gettrackinfo", json=body, headers=key)).json()["data"]
    assert before["accepted"] == [] and before["rejected"][0]["error"]["code"] == -18019902

    registered = (await http.post("/17track/register", json=body, headers=key)).json()["data"]
    assert [a["number"] for a in registered["accepted"]] == [PARCEL]
    [info] = (await http.post("/17track/gettrackinfo", json=body, headers=key)).json()["data"]["accepted"]
    assert info["track_info"]["latest_status"]["status"] == "OutForDelivery"
    assert info["track_info"]["latest_event"]["location"] == "München, DE"
    assert info["track_info"]["time_metrics"]["estimated_delivery_date"]["source"] == "Official"


async def test_follow_registers_a_number_without_a_call(
    http: httpx.AsyncClient, services: FakeServices
) -> None:
    services.follow("1Z999AA10123456784")  # no parcel yet: registered, nothing known
    answer = await http.post(
        "/17track/gettrackinfo",
        json=[{"number": "1Z999AA10123456784"}],
        headers={"17token": services.seventeen_key},
    )
    [info] = answer.json()["data"]["accepted"]
    assert (
        info["track_info"]["latest_status"]["status"] == "NotFound"
        and info["track_info"]["latest_event"] is None
    )
    assert services.count("17track") == 1  # only the lookup


async def test_dhl_gives_the_proof_of_delivery_of_a_parcel_signed_for(
    http: httpx.AsyncClient, services: FakeServices, now: Now
) -> None:
    services.parcels[PARCEL] = journey()
    key = {"DHL-API-Key": services.dhl_key}

    async def details() -> object:
        answer = await http.get("/dhl/track/shipments", params={"trackingNumber": PARCEL}, headers=key)
        return answer.json()["shipments"][0].get("details")

    assert await details() is None  # not delivered yet
    now.at = START + timedelta(hours=34)
    assert await details() == {"proofOfDeliverySignedAvailable": False}
    services.parcels[PARCEL].signed_by = "M. Muster"
    proof = (await details())["proofOfDelivery"]
    assert proof["signed"] == {"name": "M. Muster"} and proof["timestamp"] == services.parcels[PARCEL].at(
        services.parcels[PARCEL].events[-1]
    )


async def test_17track_tells_its_quota_to_a_good_key_only(
    http: httpx.AsyncClient, services: FakeServices
) -> None:
    refused = (await http.post("/17track/getquota", json={}, headers={"17token": "x"})).json()
    assert refused["code"] == -18010002
    services.follow("LX000000001DE")
    quota = (
        await http.post("/17track/getquota", json={}, headers={"17token": services.seventeen_key})
    ).json()
    assert quota["code"] == 0
    assert quota["data"]["quota_total"] == 100 and quota["data"]["quota_remain"] == 99
