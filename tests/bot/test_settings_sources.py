"""Where settings come from (keyword overrides, environment, .env, TOML) and the generated .env.example."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from bot.settings_sources import env_example, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting() -> None:
    assert (ROOT / ".env.example").read_text() == env_example(), (
        "regenerate .env.example from bot.settings_sources.env_example"
    )
    for name in Settings.model_fields:
        assert f"INBOX_BOT_{name.upper()}=" in env_example()
    for service in ("SLACK", "SP", "LWA", "DHL", "UPS", "FEDEX", "USPS", "SEVENTEENTRACK", "AFTERSHIP"):
        assert f"INBOX_BOT_{service}_API_URL=" in env_example()


def test_environment_overrides_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    toml = tmp_path / "bot.toml"
    toml.write_text(
        'slack_channel = "CFROMTOML"\nimap_host = "imap.example.com"\ntimezone = "Europe/Berlin"\n'
    )
    monkeypatch.setenv("INBOX_BOT_CONFIG", str(toml))
    monkeypatch.setenv("INBOX_BOT_IMAP_HOST", "imap.from-env.example")
    monkeypatch.setenv("INBOX_BOT_SLACK_API_URL", "http://127.0.0.1:9/api")
    s = load_settings()
    assert s.slack_channel == "CFROMTOML"
    assert s.imap_host == "imap.from-env.example"
    assert s.slack_api_url == "http://127.0.0.1:9/api/"
    assert s.tz.key == "Europe/Berlin"


def test_dotenv_is_read_and_secrets_stay_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "INBOX_BOT_SLACK_BOT_TOKEN=xoxb-very-secret\nINBOX_BOT_AMAZON_SENDER_DOMAINS=a.example, B.example\n"
    )
    s = load_settings()
    assert s.slack_bot_token is not None and s.slack_bot_token.get_secret_value() == "xoxb-very-secret"
    assert "xoxb-very-secret" not in repr(s) and "xoxb-very-secret" not in str(s.model_dump())
    assert s.amazon_sender_domains == ["a.example", "b.example"]


def test_the_shipped_env_example_loads_as_a_dot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`cp .env.example .env` is the README's first step: every line of it, empty values included, must load."""
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.clock_start is None and settings.clock_origin is None and settings.digest_time == "08:00"
