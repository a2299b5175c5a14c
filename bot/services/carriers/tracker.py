"""One door for tracking: picks the carrier and the provider, always returns a Tracking with a public link."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable

import httpx
from pydantic import SecretStr

from bot.errors import NotFoundError, UpstreamError
from bot.services.carriers.detect import detect_carrier, normalise_number, tracking_link
from bot.services.carriers.direct import FedexProvider, OAuthProvider, UpsProvider, UspsProvider
from bot.services.carriers.model import Status, Tracking
from bot.services.carriers.providers import DhlProvider, Provider, SeventeenTrackProvider
from bot.services.http import with_retries
from bot.settings import Settings

log = logging.getLogger(__name__)


def providers_from(settings: Settings, client: httpx.AsyncClient) -> dict[str, Provider]:
    """The providers that have keys in the settings, by name."""
    out: dict[str, Provider] = {}
    if settings.dhl_api_key:
        out["dhl"] = DhlProvider(
            client, base_url=settings.dhl_api_url, api_key=settings.dhl_api_key.get_secret_value()
        )
    if settings.seventeentrack_api_key:
        out["17track"] = SeventeenTrackProvider(
            client,
            base_url=settings.seventeentrack_api_url,
            api_key=settings.seventeentrack_api_key.get_secret_value(),
        )
    oauth: dict[str, tuple[type[OAuthProvider], str, str, SecretStr | None]] = {
        "ups": (UpsProvider, settings.ups_api_url, settings.ups_client_id, settings.ups_client_secret),
        "fedex": (
            FedexProvider,
            settings.fedex_api_url,
            settings.fedex_client_id,
            settings.fedex_client_secret,
        ),
        "usps": (UspsProvider, settings.usps_api_url, settings.usps_client_id, settings.usps_client_secret),
    }
    for name, (cls, url, client_id, secret) in oauth.items():
        if client_id and secret:
            out[name] = cls(
                client, base_url=url, client_id=client_id, client_secret=secret.get_secret_value()
            )
    return out


class Tracker:
    """Tracks packages through the configured providers; without keys it still gives carrier and link."""

    def __init__(
        self,
        settings: Settings,
        providers: dict[str, Provider],
        *,
        attempts: int = 3,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.providers = providers
        self.sleep = sleep
        self.routes = dict(settings.tracking_providers)
        self.attempts = attempts
        unknown = {p for p in self.routes.values() if p not in providers}
        if unknown:
            log.warning(
                "tracking providers %s are named but have no API key: those carriers get links only", unknown
            )

    def provider_for(self, carrier: str | None) -> Provider | None:
        """The provider for a carrier: the configured route, else the carrier's own, else the aggregator."""
        name = self.routes.get(carrier or "") or self.routes.get("*")
        if name is None:
            name = carrier if carrier in self.providers else "17track"
        return self.providers.get(name)

    async def track(
        self,
        number: str,
        *,
        carrier: str | None = None,
        carrier_name: str | None = None,
        country: str | None = None,
    ) -> Tracking:
        """Live tracking for one package; failures come back as `error` with carrier, number and link kept."""
        number = normalise_number(number)
        carrier = carrier or detect_carrier(number, name=carrier_name, country=country) or "unknown"
        link = tracking_link(carrier, number)
        provider = self.provider_for(carrier)
        if provider is None:
            return Tracking(carrier=carrier, tracking_number=number, link=link)
        try:
            result = await with_retries(
                lambda: provider.track(number, carrier), attempts=self.attempts, sleep=self.sleep
            )
        except NotFoundError as e:
            return Tracking(
                carrier, number, Status.UNKNOWN, link=link, provider=provider.name, error=f"not found: {e}"
            )
        except UpstreamError as e:
            log.warning("tracking %s %s failed: %s", carrier, number, e)
            return Tracking(carrier, number, Status.UNKNOWN, link=link, provider=provider.name, error=str(e))
        return dataclasses.replace(result, carrier=carrier, tracking_number=number, link=link)
