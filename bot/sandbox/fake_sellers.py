"""Stand-in for SP-API Sellers v1 `getMarketplaceParticipations`: the marketplaces a seller account takes part in, in
the shape of the official model (sellers-api-model/sellers.json)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.sandbox.fake_services import FakeServices

Json = dict[str, Any]


@dataclass(frozen=True)
class Participation:
    """One marketplace of the account, as `getMarketplaceParticipations` describes it."""

    marketplace_id: str
    country: str
    currency: str
    language: str
    domain: str
    participating: bool = True
    suspended_listings: bool = False

    def to_json(self) -> Json:
        """The `MarketplaceParticipation` object: `marketplace` and `participation`."""
        return {
            "marketplace": {
                "id": self.marketplace_id,
                "name": self.domain.capitalize(),
                "countryCode": self.country,
                "defaultCurrencyCode": self.currency,
                "defaultLanguageCode": self.language,
                "domainName": f"www.{self.domain}",
            },
            "participation": {
                "isParticipating": self.participating,
                "hasSuspendedListings": self.suspended_listings,
            },
        }


def european_seller() -> list[Participation]:
    """The demo seller: amazon.de with France, Italy, Spain and the Netherlands (Pan-European)."""
    return [
        Participation("A1PA6795UKMFR9", "DE", "EUR", "de_DE", "amazon.de"),
        Participation("A13V1IB3VIYZZH", "FR", "EUR", "fr_FR", "amazon.fr"),
        Participation("APJ6JRA9NG5V4", "IT", "EUR", "it_IT", "amazon.it"),
        Participation("A1RKKUPIHCS9HS", "ES", "EUR", "es_ES", "amazon.es"),
        Participation("A1805IZSGTT6HS", "NL", "EUR", "nl_NL", "amazon.nl"),
    ]


@dataclass
class FakeSellers:
    """`GET /sellers/v1/marketplaceParticipations` over the stand-in's access tokens; `marketplaces` is the account's
    list (a test may change it)."""

    services: FakeServices
    marketplaces: list[Participation] = field(default_factory=european_seller)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)

    def add_routes(self, app: web.Application) -> None:
        """Mount under /sp-api/sellers."""
        app.router.add_get("/sp-api/sellers/v1/marketplaceParticipations", self._participations)

    async def _participations(self, request: web.Request) -> web.Response:
        fault = await self.services.gate("sp-api", "marketplaceParticipations")
        if fault:
            return fault
        headers = {"x-amzn-RequestId": f"sellers-{next(self._ids)}", "x-amzn-RateLimit-Limit": "0.016"}
        if not self.services.authorised(request):
            return web.json_response(
                {"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied."}]},
                status=403,
                headers=headers,
            )
        return web.json_response({"payload": [m.to_json() for m in self.marketplaces]}, headers=headers)
