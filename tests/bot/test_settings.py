"""Settings from the environment, .env and TOML; the problems `check` reports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.checks import problems
from bot.settings import Settings
from bot.settings_sources import load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [n for n in Settings.model_fields if f"INBOX_BOT_{n.upper()}" not in readme]
    assert missing == []


def test_bad_values_are_refused_with_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="unknown timezone 'Mars/Olympus'"):
        load_settings(timezone="Mars/Olympus")
    with pytest.raises(ValidationError):
        load_settings(imap_tls="starttls")
    with pytest.raises(FileNotFoundError):
        load_settings("/nonexistent/bot.toml")


def test_problems_say_what_to_do() -> None:
    found = problems(load_settings())
    assert any("INBOX_BOT_SLACK_BOT_TOKEN" in p for p in found)
    assert any("INBOX_BOT_SLACK_APP_TOKEN" in p for p in found)
    assert any("INBOX_BOT_IMAP_HOST" in p for p in found)
    http = problems(load_settings(slack_mode="http", imap_tls="plain", imap_host="mail.example.com"))
    assert any("SIGNING_SECRET" in p for p in http)
    assert any("unencrypted" in p for p in http)
    ok = load_settings(
        slack_bot_token="xoxb-1",
        slack_app_token="xapp-1",
        slack_channel="C1",
        mail_source="directory",
        mail_directory="/tmp",
    )
    assert problems(ok) == []


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("digest_time", "8 Uhr", "INBOX_BOT_DIGEST_TIME='8 Uhr' is not a time of day"),
        ("business_hours", "weekdays 8-18", "INBOX_BOT_BUSINESS_HOURS: business hours 'weekdays 8-18'"),
        ("auto_reply_hours", "mon-fri 25:00-26:00", "INBOX_BOT_AUTO_REPLY_HOURS: hour must be in 0..23"),
        ("oncall_handoff", "monday 9", "INBOX_BOT_ONCALL_HANDOFF: on-call handoff 'monday 9'"),
        ("guard_disabled_rules", "links", "INBOX_BOT_GUARD_DISABLED_RULES: unknown guard rule(s) ['links']"),
        ("responders", "U0AGENT,anna", "INBOX_BOT_RESPONDERS: ['anna'] are no Slack ids"),
        ("leads", "@lena", "INBOX_BOT_LEADS: ['@lena'] are no Slack ids"),
    ],
)
def test_settings_with_a_syntax_are_checked_when_loaded(name: str, value: str, says: str) -> None:
    with pytest.raises(ValidationError) as e:
        load_settings(**{name: value})
    assert says in str(e.value) and ("like" in str(e.value) or "choose from" in str(e.value))


def test_check_and_run_report_a_bad_setting_without_a_traceback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("INBOX_BOT_")}
    env["INBOX_BOT_DIGEST_TIME"] = "25:99"
    for command in ("check", "run"):
        result = subprocess.run(
            [sys.executable, "-m", "bot", command],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
        )
        assert result.returncode == 2, (command, result.stderr)
        said = result.stdout if command == "check" else result.stderr  # check's report is its output
        assert "INBOX_BOT_DIGEST_TIME='25:99' is not a time of day" in said
        assert "Traceback" not in result.stderr


def complete(**overrides: Any) -> list[str]:
    """The problems of settings that are complete but for the overrides."""
    base: dict[str, Any] = {
        "slack_bot_token": "xoxb-1",
        "slack_app_token": "xapp-1",
        "slack_channel": "C1",
        "mail_source": "directory",
        "mail_directory": "/tmp",
    }
    return problems(load_settings(**{**base, **overrides}))


def test_an_smtp_host_needs_the_from_address() -> None:
    assert complete(smtp_host="smtp.example.com") == [
        "INBOX_BOT_SMTP_FROM is missing: replies must come from the address registered in Seller Central"
    ]
    assert complete(smtp_host="smtp.example.com", smtp_from="service@example-shop.de") == []
    assert complete() == [] and complete(smtp_from="service@example-shop.de") == []  # no host: sending is off


def test_unencrypted_smtp_is_flagged_unless_on_this_machine() -> None:
    sending = {"smtp_host": "smtp.example.com", "smtp_from": "service@example-shop.de"}
    assert complete(**sending, smtp_tls="plain") == [
        "INBOX_BOT_SMTP_TLS=plain sends the password unencrypted: use starttls or ssl"
    ]
    for tls in ("starttls", "ssl"):
        assert complete(**sending, smtp_tls=tls) == []
    for host in ("127.0.0.1", "localhost", "::1"):
        assert complete(**{**sending, "smtp_host": host}, smtp_tls="plain") == []


def test_the_deprecated_reply_senders_fill_the_responders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INBOX_BOT_REPLY_SENDERS", "U0OLD, S0TEAM")
    assert load_settings().responders == ["U0OLD", "S0TEAM"]
    monkeypatch.setenv("INBOX_BOT_RESPONDERS", "U0NEW,U0OLD")
    settings = load_settings()
    assert settings.responders == ["U0NEW", "U0OLD", "S0TEAM"] and settings.max_override_hours == 24
