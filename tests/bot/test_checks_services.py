"""`inbox-bot check` for Amazon and the carriers against their stand-ins: good and wrong credentials for each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.checks import Check
from bot.checks_services import check_carriers, check_database, check_sp_api
from bot.clock.clocks import FakeClock
from bot.sandbox.fake_sellers import Participation
from bot.sandbox.fake_services import FakeServices
from bot.settings import Settings
from bot.store.schema import MIGRATIONS
from bot.store.store import Store
from tests.conftest import make_settings
from tests.support.dovecot import free_port
from tests.support.postgres import Postgres

SEEN = (
    "sees amazon.de (A1PA6795UKMFR9), amazon.fr (A13V1IB3VIYZZH), amazon.it (APJ6JRA9NG5V4), amazon.es "
    "(A1RKKUPIHCS9HS), amazon.nl (A1805IZSGTT6HS)"
)
CARRIER_KEYS = (
    "dhl_api_key",
    "seventeentrack_api_key",
    *(f"{c}_client_{part}" for c in ("ups", "fedex", "usps") for part in ("id", "secret")),
)


def amazon(tmp_path: Path, services: FakeServices, **extra: Any) -> Settings:
    """Settings pointing at the stand-ins with SP-API credentials only."""
    urls = {k: v for k, v in services.urls(services.base_url).items() if k not in CARRIER_KEYS}
    return make_settings(tmp_path, **{**urls, **extra})


def carriers(tmp_path: Path, services: FakeServices, **extra: Any) -> Settings:
    """Settings pointing at the stand-ins with every carrier key and no SP-API credentials."""
    urls = services.urls(services.base_url)
    for name in ("sp_api_refresh_token", "lwa_app_id", "lwa_client_secret"):
        urls.pop(name)
    return make_settings(tmp_path, **{**urls, **extra})


async def test_the_token_and_the_marketplaces_it_sees(tmp_path: Path, fake_services: FakeServices) -> None:
    assert await check_sp_api(amazon(tmp_path, fake_services)) == [
        Check("SP-API token", "Login with Amazon gave an access token for the refresh token"),
        Check("SP-API marketplaces", SEEN),
    ]
    assert fake_services.calls == [("lwa", "token"), ("sp-api", "marketplaceParticipations")]


async def test_a_wrong_refresh_token_or_client_secret_is_named(
    tmp_path: Path, fake_services: FakeServices
) -> None:
    [grant] = await check_sp_api(amazon(tmp_path, fake_services, sp_api_refresh_token="Atzr|revoked"))
    assert grant.item == "SP-API token" and not grant.ok
    assert "invalid_grant" in grant.detail and "authorise the app again" in grant.detail
    assert "Atzr|revoked" not in grant.detail
    [client] = await check_sp_api(amazon(tmp_path, fake_services, lwa_client_secret="rotated-away"))
    assert "invalid_client" in client.detail
    assert client.detail.endswith("a rotated secret must be copied again)")
    assert "rotated-away" not in client.detail
    assert fake_services.count("sp-api") == 0


async def test_a_marketplace_the_token_cannot_see_fails(tmp_path: Path, fake_services: FakeServices) -> None:
    results = await check_sp_api(amazon(tmp_path, fake_services, sp_api_marketplace_id="ATVPDKIKX0DER"))
    assert results[1] == Check(
        "SP-API marketplaces",
        f"{SEEN}, but not INBOX_BOT_SP_API_MARKETPLACE_ID=ATVPDKIKX0DER (amazon.com): set it to one of them, or "
        "use the endpoint and authorisation of that marketplace's region",
        "error",
    )


async def test_not_selling_and_suspended_listings_are_warnings(
    tmp_path: Path, fake_services: FakeServices
) -> None:
    fake_services.sellers.marketplaces = [
        Participation("A1PA6795UKMFR9", "DE", "EUR", "de_DE", "amazon.de", participating=False),
        Participation("A13V1IB3VIYZZH", "FR", "EUR", "fr_FR", "amazon.fr", suspended_listings=True),
    ]
    results = await check_sp_api(amazon(tmp_path, fake_services))
    assert results[1] == Check(
        "SP-API marketplaces",
        "sees amazon.de (A1PA6795UKMFR9) (not selling), amazon.fr (A13V1IB3VIYZZH); the account does not sell in "
        "amazon.de (INBOX_BOT_SP_API_MARKETPLACE_ID); suspended listings in amazon.fr (A13V1IB3VIYZZH)",
        "warning",
    )
    fake_services.sellers.marketplaces = []
    assert not (await check_sp_api(amazon(tmp_path, fake_services)))[1].ok


async def test_a_refused_call_points_at_the_region(tmp_path: Path, fake_services: FakeServices) -> None:
    denied = {"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied."}]}
    fake_services.fail("sp-api", 403, denied)
    results = await check_sp_api(amazon(tmp_path, fake_services))
    assert [c.severity for c in results] == ["ok", "error"]
    assert results[1].detail == (
        "getMarketplaceParticipations failed: SP-API: Unauthorized: Access to requested resource is denied. (403): "
        "check the API key or credentials: INBOX_BOT_SP_API_URL must be the endpoint of the region the app was "
        "authorised in (sellingpartnerapi-eu, -na or -fe)"
    )


async def test_unreachable_amazon_is_explained(tmp_path: Path, fake_services: FakeServices) -> None:
    url = f"http://127.0.0.1:{free_port()}/lwa/auth/o2/token"
    [result] = await check_sp_api(amazon(tmp_path, fake_services, lwa_api_url=url))
    assert result.item == "SP-API token" and not result.ok and url in result.detail


async def test_sp_api_unset_is_a_note_and_half_set_a_failure(tmp_path: Path) -> None:
    [unset] = await check_sp_api(make_settings(tmp_path))
    assert unset.severity == "info" and unset.item == "SP-API"
    [half] = await check_sp_api(make_settings(tmp_path, sp_api_refresh_token="Atzr|x"))
    assert half == Check(
        "SP-API",
        "INBOX_BOT_LWA_APP_ID, INBOX_BOT_LWA_CLIENT_SECRET missing: without all three the bot never asks Amazon",
        "error",
    )


async def test_each_carrier_key_is_tried_once(tmp_path: Path, fake_services: FakeServices) -> None:
    assert await check_carriers(carriers(tmp_path, fake_services)) == [
        Check("DHL", "the key is accepted (one lookup of a made-up number, one of the day's calls)"),
        Check("17TRACK", "the key is accepted: 100 of 100 trackings left"),
        Check("UPS", "the client id and secret give an access token"),
        Check("FedEx", "the client id and secret give an access token"),
        Check("USPS", "the client id and secret give an access token"),
    ]
    assert sorted(fake_services.calls) == [
        ("17track", "getquota:"),
        ("dhl", "00340434000000000000"),
        ("fedex", "token"),
        ("ups", "token"),
        ("usps", "token"),
    ]
    assert fake_services._registered == set()  # no tracking number was registered (that costs quota)


async def test_each_wrong_carrier_key_fails_with_its_setting(
    tmp_path: Path, fake_services: FakeServices
) -> None:
    wrong = {name: "wrong" for name in CARRIER_KEYS if name.endswith(("_key", "_secret"))}
    results = await check_carriers(carriers(tmp_path, fake_services, **wrong))
    assert [c.severity for c in results] == ["error"] * 5
    details = {c.item: c.detail for c in results}
    assert details["DHL"] == "DHL refused the key (401): check INBOX_BOT_DHL_API_KEY"
    assert details["17TRACK"] == (
        "17TRACK refused the key: code -18010002 (Invalid token): check INBOX_BOT_SEVENTEENTRACK_API_KEY"
    )
    assert (
        details["UPS"]
        == "UPS OAuth refused the client id or secret (401): check INBOX_BOT_UPS_CLIENT_ID and _CLIENT_SECRET"
    )
    assert details["FedEx"].startswith("FedEx OAuth refused the client id or secret (401)")
    assert details["USPS"].startswith("USPS OAuth refused the client id or secret (401)")
    assert not any("wrong" in c.detail for c in results)


async def test_half_a_carrier_key_routes_without_keys_and_none_at_all(
    tmp_path: Path, fake_services: FakeServices
) -> None:
    results = await check_carriers(
        make_settings(tmp_path, ups_client_id="id-only", tracking_providers="dhl=dhl,*=17track")
    )
    assert results == [
        Check(
            "UPS", "INBOX_BOT_UPS_CLIENT_ID and INBOX_BOT_UPS_CLIENT_SECRET go together: set both", "error"
        ),
        Check(
            "Tracking",
            "INBOX_BOT_TRACKING_PROVIDERS names 17track, dhl without a key: those carriers get links only",
            "warning",
        ),
    ]
    assert await check_carriers(make_settings(tmp_path)) == [
        Check("Tracking", "no carrier key: cards show the carrier and its tracking link only", "info")
    ]


async def test_an_exhausted_17track_quota_is_a_warning(tmp_path: Path, fake_services: FakeServices) -> None:
    for n in range(100):
        fake_services.follow(f"LX{n:09d}DE")
    settings = make_settings(
        tmp_path,
        seventeentrack_api_url=f"{fake_services.base_url}/17track",
        seventeentrack_api_key=fake_services.seventeen_key,
    )
    assert await check_carriers(settings) == [
        Check(
            "17TRACK",
            "the key is accepted, but none of 100 trackings is left: new numbers cannot be registered until the "
            "quota renews",
            "warning",
        )
    ]


async def test_an_unreachable_carrier_is_a_failure(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{free_port()}"
    [result] = await check_carriers(make_settings(tmp_path, dhl_api_url=base, dhl_api_key="k"))
    assert result.item == "DHL" and not result.ok and "cannot connect" in result.detail


def test_the_database_check_reads_without_creating_or_migrating(
    tmp_path: Path, postgres_server: Postgres
) -> None:
    missing = make_settings(tmp_path, database_url="")
    [check] = check_database(missing)
    assert check.ok and "created at the first start" in check.detail and not (tmp_path / "bot.db").exists()
    Store.open(tmp_path / "bot.db", clock=FakeClock()).close()
    [check] = check_database(missing)
    assert (
        check.ok
        and check.detail == f"sqlite:///{tmp_path / 'bot.db'}: schema version {len(MIGRATIONS)}; writable"
    )

    url = postgres_server.fresh_url()
    on_pg = make_settings(tmp_path, database_url=url)
    [check] = check_database(on_pg)  # an empty database: the bot migrates it at its start
    assert (
        check.ok
        and f"schema version 0, migrated to {len(MIGRATIONS)} at the bot's next start" in check.detail
    )
    assert "password" not in check.detail and check.detail.startswith("postgresql://postgres@127.0.0.1:")
    store = Store.connect(url, clock=FakeClock())
    assert store.schema_version == len(MIGRATIONS)
    store.close()
    [check] = check_database(on_pg)
    assert check.ok and check.detail.endswith("no instance has led yet; writable")

    down = make_settings(tmp_path, database_url=f"postgresql://bot:s3cret@127.0.0.1:{free_port()}/inbox")
    [check] = check_database(down)
    assert not check.ok and "OperationalError" in check.detail and "s3cret" not in check.detail
