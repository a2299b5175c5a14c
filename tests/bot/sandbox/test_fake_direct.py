"""The UPS, FedEx and USPS stand-ins on the wire: each carrier's OAuth, then tracking in its own shape."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, timedelta

import httpx
import pytest

from bot.sandbox.fake_direct import CLIENT_ID, CLIENT_SECRET
from bot.sandbox.fake_services import FakeServices, Parcel, ParcelEvent
from tests.support.clock import TEAM_TIME

START = TEAM_TIME.astimezone(UTC) - timedelta(hours=30)
UPS_NUMBER = "1Z999AA10123456784"
FEDEX_NUMBER = "794843185271"
USPS_NUMBER = "9400111899223197428490"


def parcel(number: str, carrier: str, eta: float | None = 40) -> Parcel:
    return Parcel(
        number,
        carrier,
        START,
        [
            ParcelEvent(0, "pre-transit", "Label created"),
            ParcelEvent(20, "out-for-delivery", "Out for delivery", "Köln, DE"),
            ParcelEvent(35, "delivered", "Delivered"),  # 5 h after TEAM_TIME: not yet
        ],
        eta_hours=eta,
    )


@pytest.fixture
async def services() -> AsyncIterator[FakeServices]:
    served = await FakeServices(clock=lambda: TEAM_TIME).start()
    served.parcels[UPS_NUMBER] = parcel(UPS_NUMBER, "ups")
    served.parcels[FEDEX_NUMBER] = parcel(FEDEX_NUMBER, "fedex")
    served.parcels[USPS_NUMBER] = parcel(USPS_NUMBER, "usps", eta=None)
    yield served
    await served.stop()


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_ups_issues_tokens_for_basic_auth_and_tracks_only_with_one(http: httpx.AsyncClient) -> None:
    form = {"grant_type": "client_credentials"}
    wrong = await http.post("/ups/security/v1/oauth/token", data=form, headers=basic(secret="guess"))
    assert wrong.status_code == 401 and wrong.json()["response"]["errors"][0]["code"] == "10401"
    no_grant = await http.post("/ups/security/v1/oauth/token", data={}, headers=basic())
    assert no_grant.status_code == 401
    token = (await http.post("/ups/security/v1/oauth/token", data=form, headers=basic())).json()[
        "access_token"
    ]

    unauthorised = await http.get(f"/ups/api/track/v1/details/{UPS_NUMBER}", headers=bearer("made-up"))
    assert unauthorised.status_code == 401
    answer = await http.get(f"/ups/api/track/v1/details/{UPS_NUMBER}", headers=bearer(token))
    [package] = answer.json()["trackResponse"]["shipment"][0]["package"]
    assert package["currentStatus"]["description"] == "Out for delivery"
    assert [a["status"]["type"] for a in package["activity"]] == ["O", "M"]  # newest first, UPS's codes
    assert package["activity"][0]["location"]["address"]["city"] == "Köln"
    assert package["activity"][0]["gmtDate"] == (START + timedelta(hours=20)).strftime("%Y%m%d")
    assert package["deliveryDate"] == [
        {"type": "SDD", "date": (START + timedelta(hours=40)).strftime("%Y%m%d")}
    ]


async def test_fedex_takes_form_credentials_and_reports_not_found_inside_a_200(
    http: httpx.AsyncClient,
) -> None:
    wrong = await http.post("/fedex/oauth/token", data={"client_id": CLIENT_ID, "client_secret": "guess"})
    assert wrong.status_code == 401
    issued = (
        await http.post(
            "/fedex/oauth/token",
            data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
        )
    ).json()
    assert issued["scope"] == "CXS"

    def query(number: str) -> dict[str, object]:
        return {
            "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": number}}],
            "includeDetailedScans": True,
        }

    refused = await http.post(
        "/fedex/track/v1/trackingnumbers", json=query(FEDEX_NUMBER), headers=bearer("x")
    )
    assert refused.status_code == 401
    found = await http.post(
        "/fedex/track/v1/trackingnumbers", json=query(FEDEX_NUMBER), headers=bearer(issued["access_token"])
    )
    [result] = found.json()["output"]["completeTrackResults"][0]["trackResults"]
    assert result["latestStatusDetail"]["code"] == "OD"
    assert [e["eventType"] for e in result["scanEvents"]] == ["OD", "IN"]
    assert result["dateAndTimes"][0]["type"] == "ESTIMATED_DELIVERY"
    # The UPS parcel is no FedEx parcel: FedEx answers 200 with an error in the result.
    other = await http.post(
        "/fedex/track/v1/trackingnumbers", json=query(UPS_NUMBER), headers=bearer(issued["access_token"])
    )
    [missing] = other.json()["output"]["completeTrackResults"][0]["trackResults"]
    assert other.status_code == 200 and missing["error"]["code"] == "TRACKING.TRACKINGNUMBER.NOTFOUND"


async def test_usps_takes_json_credentials_and_answers_404_for_unknown_numbers(
    http: httpx.AsyncClient,
) -> None:
    wrong = await http.post("/usps/oauth2/v3/token", json={"client_id": CLIENT_ID, "client_secret": "guess"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    token = (
        await http.post(
            "/usps/oauth2/v3/token", json={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        )
    ).json()["access_token"]
    refused = await http.get(f"/usps/tracking/v3/tracking/{USPS_NUMBER}", headers=bearer("x"))
    assert refused.status_code == 401
    data = (await http.get(f"/usps/tracking/v3/tracking/{USPS_NUMBER}", headers=bearer(token))).json()
    assert data["statusCategory"] == "Out for Delivery" and len(data["trackingEvents"]) == 2
    assert data["trackingEvents"][0]["eventCity"] == "Köln" and "expectedDeliveryTimeStamp" not in data
    unknown = await http.get(f"/usps/tracking/v3/tracking/{UPS_NUMBER}", headers=bearer(token))
    assert unknown.status_code == 404


async def test_ups_knows_nothing_before_the_first_scan_or_of_another_carriers_parcel(
    http: httpx.AsyncClient, services: FakeServices
) -> None:
    form = {"grant_type": "client_credentials"}
    token = (await http.post("/ups/security/v1/oauth/token", data=form, headers=basic())).json()[
        "access_token"
    ]
    services.parcels[UPS_NUMBER].start = TEAM_TIME + timedelta(hours=1)  # labelled, not yet scanned
    early = await http.get(f"/ups/api/track/v1/details/{UPS_NUMBER}", headers=bearer(token))
    assert early.status_code == 404 and early.json()["response"]["errors"][0]["code"] == "TW0001"
    fedex = await http.get(f"/ups/api/track/v1/details/{FEDEX_NUMBER}", headers=bearer(token))
    assert fedex.status_code == 404


async def test_faults_and_calls_are_counted_per_carrier_tokens_included(
    http: httpx.AsyncClient, services: FakeServices
) -> None:
    services.fail("ups", 500, {"response": {"errors": [{"code": "X"}]}})
    form = {"grant_type": "client_credentials"}
    failed = await http.post("/ups/security/v1/oauth/token", data=form, headers=basic())
    assert failed.status_code == 500  # the fault hits the token call first
    ok = await http.post("/ups/security/v1/oauth/token", data=form, headers=basic())
    assert ok.status_code == 200
    await http.get(f"/ups/api/track/v1/details/{UPS_NUMBER}", headers=bearer(ok.json()["access_token"]))
    assert services.calls == [("ups", "token"), ("ups", "token"), ("ups", UPS_NUMBER)]
