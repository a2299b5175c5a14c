"""The outside services' settings: public endpoints by default, every one overridable like any setting."""

from __future__ import annotations

import pytest

from bot.settings import Settings
from bot.settings_services import ServiceSettings
from bot.settings_sources import settings_from


def test_defaults_are_the_public_endpoints_and_carrier_keys_are_unset() -> None:
    s = settings_from()
    assert (
        s.sp_api_url == "https://sellingpartnerapi-eu.amazon.com"
        and s.dhl_api_url == "https://api-eu.dhl.com"
    )
    assert s.dhl_api_key is None and s.ups_client_id == ""
    assert set(ServiceSettings.model_fields) <= set(Settings.model_fields)


def test_they_come_from_the_environment_like_every_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INBOX_BOT_DHL_API_URL", "http://127.0.0.1:9/dhl")
    monkeypatch.setenv("INBOX_BOT_UPS_CLIENT_SECRET", "s3cret")
    s = Settings()
    assert s.dhl_api_url == "http://127.0.0.1:9/dhl"
    assert s.ups_client_secret is not None and s.ups_client_secret.get_secret_value() == "s3cret"
