"""`inbox-bot check` for Amazon and the carriers: an SP-API access token and `getMarketplaceParticipations` (the
marketplaces the token can see), and each configured carrier key with one harmless call or token request."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import httpx
from sp_api.asyncio.api import Sellers

from bot.checks import Check, failed
from bot.errors import ConfigurationError, NotFoundError, UpstreamError
from bot.mail.patterns import MARKETPLACE_IDS
from bot.services.amazon import SpApi
from bot.services.carriers.direct import OAuthProvider
from bot.services.carriers.providers import DhlProvider, Provider, SeventeenTrackProvider
from bot.services.carriers.tracker import providers_from
from bot.services.http import new_client, request_json
from bot.settings import Settings

log = logging.getLogger(__name__)

SP_API_SETTINGS = ("sp_api_refresh_token", "lwa_app_id", "lwa_client_secret")
# A well-formed DHL Paket number no parcel has: DHL answers 404 with a good key, 401 with a wrong one.
DHL_PROBE_NUMBER = "00340434000000000000"
CARRIER_NAMES = {"dhl": "DHL", "17track": "17TRACK", "ups": "UPS", "fedex": "FedEx", "usps": "USPS"}
OAUTH_SETTINGS = ("ups", "fedex", "usps")


def _env(name: str) -> str:
    return f"INBOX_BOT_{name.upper()}"


# ---- SP-API ------------------------------------------------------------------------------------------


async def check_sp_api(settings: Settings) -> list[Check]:
    """Login with Amazon gives an access token, and Sellers `getMarketplaceParticipations` names the marketplaces
    the token can see (the configured one among them)."""
    given = [name for name in SP_API_SETTINGS if getattr(settings, name)]
    if not given:
        return [
            Check(
                "SP-API",
                "not set up: cards show no order details, packages or live tracking from Amazon "
                "(INBOX_BOT_SP_API_REFRESH_TOKEN, _LWA_APP_ID, _LWA_CLIENT_SECRET)",
                "info",
            )
        ]
    missing = [_env(name) for name in SP_API_SETTINGS if name not in given]
    if missing:
        return [
            failed("SP-API", f"{', '.join(missing)} missing: without all three the bot never asks Amazon")
        ]
    api = SpApi(settings, attempts=1)
    try:
        return await _sp_api(settings, api)
    finally:
        await api.aclose()


async def _sp_api(settings: Settings, api: SpApi) -> list[Check]:
    sellers = api.client_for(Sellers)
    try:
        await sellers.auth
    except UpstreamError as e:
        return [failed("SP-API token", _token_problem(e))]
    except httpx.HTTPError as e:
        return [
            failed("SP-API token", f"cannot reach {settings.lwa_api_url} ({e}): check INBOX_BOT_LWA_API_URL")
        ]
    out = [Check("SP-API token", "Login with Amazon gave an access token for the refresh token")]
    try:
        response = await sellers.get_marketplace_participation()
    except UpstreamError as e:
        hint = (
            ": INBOX_BOT_SP_API_URL must be the endpoint of the region the app was authorised in "
            "(sellingpartnerapi-eu, -na or -fe)"
            if e.status == 403
            else ""
        )
        return [*out, failed("SP-API marketplaces", f"getMarketplaceParticipations failed: {e}{hint}")]
    except httpx.HTTPError as e:
        return [*out, failed("SP-API marketplaces", f"cannot reach {settings.sp_api_url} ({e})")]
    payload = response.payload if isinstance(response.payload, list) else []
    return [*out, marketplaces_check(settings, payload)]


def _token_problem(error: UpstreamError) -> str:
    text = str(error)
    if "invalid_grant" in text:
        return (
            f"{text}: the refresh token is wrong, expired or its authorisation was revoked: authorise the app "
            "again and copy the new INBOX_BOT_SP_API_REFRESH_TOKEN"
        )
    if "invalid_client" in text:
        return (
            f"{text}: check INBOX_BOT_LWA_APP_ID and INBOX_BOT_LWA_CLIENT_SECRET (Develop Apps → View → LWA "
            "credentials; a rotated secret must be copied again)"
        )
    return text


def marketplaces_check(settings: Settings, participations: list[Any]) -> Check:
    """The marketplaces of a `getMarketplaceParticipations` payload, and whether INBOX_BOT_SP_API_MARKETPLACE_ID is
    one the seller takes part in."""
    names: dict[str, str] = {}
    participating: set[str] = set()
    suspended: list[str] = []
    for entry in participations:
        market = entry.get("marketplace") or {} if isinstance(entry, dict) else {}
        part = entry.get("participation") or {} if isinstance(entry, dict) else {}
        mid = str(market.get("id") or "")
        if not mid:
            continue
        name = str(market.get("domainName") or MARKETPLACE_IDS.get(mid) or market.get("name") or mid)
        names[mid] = f"{name.removeprefix('www.')} ({mid})"
        if part.get("isParticipating"):
            participating.add(mid)
        if part.get("hasSuspendedListings"):
            suspended.append(names[mid])
    if not names:
        return failed(
            "SP-API marketplaces", "the token sees no marketplace: is the app authorised for the account?"
        )
    seen = ", ".join(names[m] + ("" if m in participating else " (not selling)") for m in names)
    mine = settings.sp_api_marketplace_id
    label = MARKETPLACE_IDS.get(mine, mine)
    if mine not in names:
        return failed(
            "SP-API marketplaces",
            f"sees {seen}, but not INBOX_BOT_SP_API_MARKETPLACE_ID={mine} ({label}): set it to one of them, or "
            "use the endpoint and authorisation of that marketplace's region",
        )
    extra = f"; suspended listings in {', '.join(suspended)}" if suspended else ""
    if mine not in participating:
        return Check(
            "SP-API marketplaces",
            f"sees {seen}; the account does not sell in {label} (INBOX_BOT_SP_API_MARKETPLACE_ID){extra}",
            "warning",
        )
    return Check("SP-API marketplaces", f"sees {seen}{extra}", "warning" if suspended else "ok")


# ---- carriers ----------------------------------------------------------------------------------------


async def check_carriers(settings: Settings) -> list[Check]:
    """Each configured carrier key tried once (DHL: a made-up number; 17TRACK: its quota; UPS, FedEx, USPS: an
    OAuth token), half-configured keys named, and routes to providers without a key."""
    out = [
        failed(
            CARRIER_NAMES[c],
            f"{_env(c + '_client_id')} and {_env(c + '_client_secret')} go together: set both",
        )
        for c in OAUTH_SETTINGS
        if bool(getattr(settings, f"{c}_client_id")) != bool(getattr(settings, f"{c}_client_secret"))
    ]
    async with new_client() as http:
        providers = providers_from(settings, http)
        out += await asyncio.gather(*(probe(name, provider) for name, provider in providers.items()))
    unkeyed = sorted({p for p in settings.tracking_providers.values() if p not in providers})
    if unkeyed:
        out.append(
            Check(
                "Tracking",
                f"INBOX_BOT_TRACKING_PROVIDERS names {', '.join(unkeyed)} without a key: those carriers get links only",
                "warning",
            )
        )
    if not providers and not out:
        out.append(
            Check("Tracking", "no carrier key: cards show the carrier and its tracking link only", "info")
        )
    return out


async def probe(name: str, provider: Provider) -> Check:
    """One harmless call with a provider's key."""
    item = CARRIER_NAMES.get(name, name)
    try:
        if isinstance(provider, DhlProvider):
            with contextlib.suppress(NotFoundError):  # the made-up number is unknown: the key was accepted
                await provider.track(DHL_PROBE_NUMBER, "dhl")
            return Check(item, "the key is accepted (one lookup of a made-up number, one of the day's calls)")
        if isinstance(provider, SeventeenTrackProvider):
            return await _seventeen_quota(provider)
        if isinstance(provider, OAuthProvider):
            await provider.oauth.token()
            return Check(item, "the client id and secret give an access token")
    except ConfigurationError as e:
        what = "key" if name in ("dhl", "17track") else "client id or secret"
        return failed(item, f"{e.service} refused the {what} ({e.status}): check {_key_settings(name)}")
    except UpstreamError as e:
        return failed(item, f"{e}")
    return Check(item, "configured (no harmless call known for it)", "info")


def _key_settings(name: str) -> str:
    if name in OAUTH_SETTINGS:
        return f"{_env(name + '_client_id')} and _CLIENT_SECRET"
    return {"dhl": "INBOX_BOT_DHL_API_KEY", "17track": "INBOX_BOT_SEVENTEENTRACK_API_KEY"}.get(
        name, "its key"
    )


async def _seventeen_quota(provider: SeventeenTrackProvider) -> Check:
    """17TRACK's `getquota`: costs nothing, and says how many numbers may still be registered."""
    data = await request_json(
        provider.client,
        "POST",
        f"{provider.base_url}/getquota",
        service="17TRACK",
        json={},
        headers={"17token": provider.api_key, "content-type": "application/json"},
    )
    if not isinstance(data, dict) or data.get("code") != 0:
        code = data.get("code") if isinstance(data, dict) else "?"
        errors = ((data.get("data") or {}).get("errors") or [{}]) if isinstance(data, dict) else [{}]
        said = errors[0].get("message") if isinstance(errors[0], dict) else None
        reason = f" ({said})" if said else ""
        return failed(
            "17TRACK", f"17TRACK refused the key: code {code}{reason}: check INBOX_BOT_SEVENTEENTRACK_API_KEY"
        )
    quota = data.get("data") or {}
    left, total = quota.get("quota_remain"), quota.get("quota_total")
    if left is None or total is None:
        return Check("17TRACK", "the key is accepted")
    if not left:
        return Check(
            "17TRACK",
            f"the key is accepted, but none of {total} trackings is left: new numbers "
            "cannot be registered until the quota renews",
            "warning",
        )
    return Check("17TRACK", f"the key is accepted: {left} of {total} trackings left")


def check_database(settings: Settings) -> list[Check]:
    """The store: reachable, its schema version against this release's, writable; on PostgreSQL who leads. Nothing
    is created or migrated (the bot does that at its start)."""
    from bot.store.base import open_errors
    from bot.store.engine import open_engine
    from bot.store.lease import leader_of
    from bot.store.schema import MIGRATIONS

    database = settings.database
    expected = len(MIGRATIONS)
    if database.path is not None and not database.path.exists():
        return [
            Check("Database", f"{database.shown}: created at the first start (schema version {expected})")
        ]
    unreadable = open_errors()
    try:
        engine = open_engine(database, read_only=True)
    except unreadable as e:
        return [failed("Database", database.redact(f"{database.shown}: {type(e).__name__}: {e}".strip()))]
    try:
        version = engine.schema_version()
        problem = engine.write_problem(wait_ms=2000)
        detail = f"{database.shown}: schema version {version}"
        if version < expected:
            detail += f", migrated to {expected} at the bot's next start"
        elif version > expected:
            return [failed("Database", f"{detail}: a newer release wrote it (this one reads {expected})")]
        if database.engine == "postgresql":
            detail += f"; {leader_of(engine)}"
        if problem:
            return [failed("Database", f"{detail}; not writable: {problem}")]
        return [Check("Database", f"{detail}; writable")]
    except unreadable as e:
        return [failed("Database", database.redact(f"{database.shown}: {type(e).__name__}: {e}".strip()))]
    finally:
        engine.close()
