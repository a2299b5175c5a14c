"""Where settings come from (keyword overrides, environment, .env, TOML) and the generated .env.example."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from pydantic import ValidationError

from bot.cli_tools import settings_or_exit
from bot.settings import Settings
from bot.settings_sources import describe, env_example, load_settings, secret_fields

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


MISTYPED = """
imap_password = 12345678
smtp_password = 4711.0815
slack_bot_token = ["xoxb-1234-very-secret"]
sp_api_refresh_token = { value = "Atzr|very-secret" }
timezone = "Mars/Olympus"
"""


def test_a_mistyped_secret_in_the_toml_file_is_never_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A PIN-like password without quotes is a number in TOML: the error names the setting, never its value."""
    toml = tmp_path / "bot.toml"
    toml.write_text(MISTYPED)
    with pytest.raises(ValidationError) as e:
        load_settings(toml)
    shown = f"{e.value}\n{e.value!r}\n{e.value.errors()}\n{describe(e.value)}"
    with pytest.raises(typer.Exit) as exited:
        settings_or_exit(toml)
    assert exited.value.exit_code == 2 and exited.value.__cause__ is None  # no chained original to print
    printed = capsys.readouterr().err
    for secret in ("12345678", "4711", "0815", "very-secret", "Atzr"):
        assert secret not in shown and secret not in printed, secret
    assert (
        "INBOX_BOT_IMAP_PASSWORD: Input should be a valid string (the value is not shown: it is a secret)"
        in (printed)
    )
    for name in ("SMTP_PASSWORD", "SLACK_BOT_TOKEN", "SP_API_REFRESH_TOKEN"):
        assert f"INBOX_BOT_{name}: " in printed
    assert (
        "INBOX_BOT_TIMEZONE: Value error, unknown timezone 'Mars/Olympus'" in printed
    )  # others say what was given
    assert {"imap_password", "slack_bot_token", "lwa_client_secret", "ups_client_secret"} <= secret_fields()
    assert "imap_user" not in secret_fields()


def test_a_settings_file_that_is_not_toml_is_refused_without_a_traceback_or_its_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = tmp_path / "bot.toml"
    toml.write_text("imap_password = hunter2-secret\n")  # no quotes: not TOML at all
    with pytest.raises(typer.Exit):
        settings_or_exit(toml)
    printed = capsys.readouterr().err
    assert "Invalid value (at line 1, column 17)" in printed and "hunter2" not in printed
