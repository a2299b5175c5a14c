"""The operations settings: the ops listener's address and the log format, read like every other setting."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings_sources import load_settings


def test_the_listener_is_on_loopback_by_default_and_text_logs_stay_the_default() -> None:
    settings = load_settings()
    assert (settings.ops_host, settings.ops_port, settings.log_format) == ("127.0.0.1", 8089, "text")


def test_the_environment_sets_them_and_port_zero_switches_the_listener_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INBOX_BOT_OPS_HOST", "0.0.0.0")
    monkeypatch.setenv("INBOX_BOT_OPS_PORT", "0")
    monkeypatch.setenv("INBOX_BOT_LOG_FORMAT", "json")
    settings = load_settings()
    assert (settings.ops_host, settings.ops_port, settings.log_format) == ("0.0.0.0", 0, "json")


@pytest.mark.parametrize(
    ("name", "value"), [("LOG_FORMAT", "xml"), ("OPS_PORT", "70000"), ("OPS_PORT", "-1")]
)
def test_a_wrong_value_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"INBOX_BOT_{name}", value)
    with pytest.raises(ValidationError, match=name.lower()):
        load_settings()
