"""The outside services' settings: where they are (overridable for stand-ins and other regions) and the carriers' keys;
part of Settings (bot/settings.py), which reads them like every other setting."""

from __future__ import annotations

import logging

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

log = logging.getLogger(__name__)


class ServiceSettings(BaseSettings):
    """Endpoints and carrier credentials (INBOX_BOT_<NAME> like every setting)."""

    dhl_api_key: SecretStr | None = Field(None, description="DHL Shipment Tracking – Unified API key")
    seventeentrack_api_key: SecretStr | None = Field(None, description="17TRACK API key (17token)")
    ups_client_id: str = Field("", description="UPS API client id (OAuth client credentials)")
    ups_client_secret: SecretStr | None = Field(None, description="UPS API client secret")
    fedex_client_id: str = Field("", description="FedEx API key (OAuth client id) for the Track API")
    fedex_client_secret: SecretStr | None = Field(None, description="FedEx secret key")
    usps_client_id: str = Field("", description="USPS API consumer key (OAuth client id)")
    usps_client_secret: SecretStr | None = Field(None, description="USPS API consumer secret")

    sp_api_url: str = Field("https://sellingpartnerapi-eu.amazon.com", description="Amazon SP-API endpoint")
    lwa_api_url: str = Field(
        "https://api.amazon.com/auth/o2/token", description="Login-with-Amazon token URL"
    )
    dhl_api_url: str = Field("https://api-eu.dhl.com", description="DHL Unified Tracking API")
    ups_api_url: str = Field("https://onlinetools.ups.com", description="UPS API")
    fedex_api_url: str = Field("https://apis.fedex.com", description="FedEx API")
    usps_api_url: str = Field("https://apis.usps.com", description="USPS API")
    seventeentrack_api_url: str = Field("https://api.17track.net/track/v2.2", description="17TRACK API")
    aftership_api_url: str = Field("https://api.aftership.com/tracking/2026-07", description="AfterShip API")
