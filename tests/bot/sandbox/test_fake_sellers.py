"""The Sellers stand-in on the wire: `getMarketplaceParticipations` in the official shape, behind an access token."""

from __future__ import annotations

import httpx

from bot.sandbox.fake_sellers import Participation
from bot.sandbox.fake_services import FakeServices

PATH = "/sp-api/sellers/v1/marketplaceParticipations"


async def token(http: httpx.AsyncClient, services: FakeServices) -> str:
    answer = await http.post(
        "/lwa/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": services.refresh_token,
            "client_id": services.client_id,
            "client_secret": services.client_secret,
        },
    )
    return str(answer.json()["access_token"])


async def test_the_participations_need_an_access_token(
    http: httpx.AsyncClient, services: FakeServices
) -> None:
    refused = await http.get(PATH, headers={"x-amz-access-token": "Atza|forged"})
    assert refused.status_code == 403
    assert refused.json() == {
        "errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied."}]
    }
    answer = await http.get(PATH, headers={"x-amz-access-token": await token(http, services)})
    assert answer.status_code == 200 and answer.headers["x-amzn-RequestId"]
    payload = answer.json()["payload"]
    assert [p["marketplace"]["id"] for p in payload] == [
        "A1PA6795UKMFR9",
        "A13V1IB3VIYZZH",
        "APJ6JRA9NG5V4",
        "A1RKKUPIHCS9HS",
        "A1805IZSGTT6HS",
    ]
    # every field the official model (sellers-api-model/sellers.json) requires
    assert payload[0] == {
        "marketplace": {
            "id": "A1PA6795UKMFR9",
            "name": "Amazon.de",
            "countryCode": "DE",
            "defaultCurrencyCode": "EUR",
            "defaultLanguageCode": "de_DE",
            "domainName": "www.amazon.de",
        },
        "participation": {"isParticipating": True, "hasSuspendedListings": False},
    }
    assert services.count("sp-api") == 2


async def test_a_test_sets_the_accounts_marketplaces_and_faults(
    http: httpx.AsyncClient, services: FakeServices
) -> None:
    services.sellers.marketplaces = [
        Participation("ATVPDKIKX0DER", "US", "USD", "en_US", "amazon.com", suspended_listings=True)
    ]
    headers = {"x-amz-access-token": await token(http, services)}
    [only] = (await http.get(PATH, headers=headers)).json()["payload"]
    assert only["marketplace"]["domainName"] == "www.amazon.com"
    assert only["participation"] == {"isParticipating": True, "hasSuspendedListings": True}
    services.fail("sp-api", 503, {"errors": [{"code": "ServiceUnavailable", "message": "later"}]})
    assert (await http.get(PATH, headers=headers)).status_code == 503
