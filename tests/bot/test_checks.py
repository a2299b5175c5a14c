"""`inbox-bot check` in process: the settings as parsed, the templates, the notes, and every check together against
every stand-in (test_cli.py runs the command; test_checks_slack/_mail/_services each part alone)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.checks import Check, load_checked, notes, render, run_checks
from bot.sandbox.fake_sellers import Participation
from bot.sandbox.fake_services import FakeServices
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import imap_overrides, make_settings
from tests.support.dovecot import Dovecot, free_port
from tests.support.smtp import SmtpServer

ROLES_NOTE = (
    "Roles: INBOX_BOT_RESPONDERS is empty, so everyone may send replies, close conversations, release other people's "
    "claims and track cases (fine for a small team; name responders and leads to limit it)"
)


def test_a_check_is_one_line_or_one_json_object() -> None:
    checks = [
        Check("IMAP", "logged in"),
        Check("IMAP IDLE", "not offered", "warning"),
        Check("Note", "roles", "info"),
        Check("SMTP", "refused", "error"),
    ]
    assert render(checks) == "✓ IMAP: logged in\n⚠ IMAP IDLE: not offered\n• Note: roles\n✗ SMTP: refused"
    assert json.loads(render(checks, as_json=True)) == [
        {"item": "IMAP", "ok": True, "detail": "logged in", "severity": "ok"},
        {"item": "IMAP IDLE", "ok": True, "detail": "not offered", "severity": "warning"},
        {"item": "Note", "ok": True, "detail": "roles", "severity": "info"},
        {"item": "SMTP", "ok": False, "detail": "refused", "severity": "error"},
    ]


def test_each_setting_that_does_not_parse_is_one_line_with_its_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INBOX_BOT_IMAP_PORT", "abc")
    monkeypatch.setenv("INBOX_BOT_DIGEST_TIME", "25:99")
    monkeypatch.setenv("INBOX_BOT_TIMEZONE", "Mars/Olympus")
    monkeypatch.setenv("INBOX_BOT_REFUND_RULES", '[{"intents": ["damaged"]}]')
    settings, results = load_checked(None)
    assert settings is None
    assert [c.line() for c in results] == [
        "✗ Settings: INBOX_BOT_IMAP_PORT: Input should be a valid integer, unable to parse string as an integer "
        "(given: 'abc')",
        "✗ Settings: INBOX_BOT_TIMEZONE: unknown timezone 'Mars/Olympus': use an IANA name such as Europe/Berlin",
        "✗ Settings: INBOX_BOT_REFUND_RULES[0][action]: Field required (given: {'intents': ['damaged']})",
        "✗ Settings: INBOX_BOT_DIGEST_TIME='25:99' is not a time of day: write it like 08:00, or leave it empty "
        "for none",
        "• Connections: not tried until the settings above are fixed",
    ]


def test_a_value_that_is_not_json_is_named_by_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INBOX_BOT_PRODUCTS", "[oops")
    _, results = load_checked(None)
    assert results[0] == Check(
        "Settings",
        "INBOX_BOT_PRODUCTS: not valid JSON in the environment (Expecting value: line 1 column 2 (char 1)): write "
        "it as .env.example shows",
        "error",
    )


def test_a_secrets_value_is_never_shown_and_a_bad_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "inbox-bot.toml"
    config.write_text('imap_password = ["hunter2"]\n')
    _, results = load_checked(config)
    assert results[0].detail.startswith("INBOX_BOT_IMAP_PASSWORD: ")
    assert results[0].detail.endswith("(the value is not shown: it is a secret)")
    assert "hunter2" not in render(results, as_json=True)
    config.write_text("imap_port = \n")
    _, results = load_checked(config)
    assert results[0].detail.startswith(f"INBOX_BOT_CONFIG: {config} is not valid TOML: ")
    _, results = load_checked(tmp_path / "missing.toml")
    assert results[0].detail == f"INBOX_BOT_CONFIG: config file {tmp_path / 'missing.toml'} does not exist"


def test_settings_that_parse_come_back_with_nothing_to_say(tmp_path: Path) -> None:
    config = tmp_path / "inbox-bot.toml"
    config.write_text('slack_channel = "C0INBOX"\n')
    settings, results = load_checked(config)
    assert settings is not None and settings.slack_channel == "C0INBOX" and results == []


async def test_missing_settings_come_first_and_unset_connections_are_notes(tmp_path: Path) -> None:
    results = await run_checks(make_settings(tmp_path, database_url=""))  # an SQLite file not made yet
    assert [(c.item, c.severity) for c in results] == [
        ("Settings", "error"),
        ("Settings", "error"),
        ("Database", "ok"),
        ("Mail folder", "error"),
        ("SMTP", "info"),
        ("SP-API", "info"),
        ("Tracking", "info"),
        ("Templates", "ok"),
        ("Note", "info"),
        ("Note", "info"),
    ]
    assert results[0].detail.startswith("INBOX_BOT_SLACK_BOT_TOKEN is missing")
    assert results[1].detail.startswith("INBOX_BOT_SLACK_APP_TOKEN is missing")
    assert results[2].detail.endswith("bot.db: created at the first start (schema version 16)")
    assert (
        results[3].detail == f"{tmp_path / 'mail'} does not exist: create it or fix INBOX_BOT_MAIL_DIRECTORY"
    )
    assert not any(c.item.startswith("Slack") for c in results)  # no token: Slack is not asked


def test_notes_say_how_amazons_mails_are_authenticated(tmp_path: Path) -> None:
    roles = {"responders": "U0AGENT", "leads": "U0LEAD"}
    [domain_only] = notes(make_settings(tmp_path, **roles))
    assert domain_only.startswith("Sender: Amazon's mails are checked by their exact sender domain only")
    assert notes(make_settings(tmp_path, **roles, dkim_verify=True)) == []
    assert notes(make_settings(tmp_path, **roles, trusted_authserv_id="mx.example.com")) == []
    [lax] = notes(make_settings(tmp_path, **roles, dkim_verify=True, require_authenticated_amazon=False))
    assert "not required" in lax


def test_notes_say_who_may_do_what_and_name_the_deprecated_setting(tmp_path: Path) -> None:
    checked = {"dkim_verify": True}  # the sender note is the test above
    assert notes(make_settings(tmp_path))[0] == ROLES_NOTE
    assert notes(make_settings(tmp_path, responders="U0AGENT", max_override_hours=12, **checked)) == [
        "Roles: INBOX_BOT_LEADS is empty, so every responder may put others on call and set overrides longer "
        "than 12 hours"
    ]
    assert notes(make_settings(tmp_path, responders="U0AGENT", leads="U0LEAD", **checked)) == []
    assert notes(make_settings(tmp_path, reply_senders="U0AGENT", leads="U0LEAD", **checked)) == [
        "INBOX_BOT_REPLY_SENDERS is deprecated: its people count as responders; rename it INBOX_BOT_RESPONDERS"
    ]


async def test_the_templates_are_linted_with_the_team_folder_and_problems_counted(tmp_path: Path) -> None:
    team = tmp_path / "ours"
    (team / "de").mkdir(parents=True)
    (team / "de" / "gift_wrap.j2").write_text("---\ntitle: Geschenk\n---\nHallo, leider nein.\n")
    results = [
        c for c in await run_checks(make_settings(tmp_path, template_dir=team)) if c.item == "Templates"
    ]
    [good] = results
    assert good.ok and good.detail.endswith(f"(1 of your team's from {team}): 0 problem(s)")
    (team / "de" / "gift_wrap.j2").write_text(
        "---\ntitle: Geschenk\n---\nSchreiben Sie uns an info@example-shop.de oder rufen Sie +49 30 1234567 an.\n"
    )
    results = [
        c for c in await run_checks(make_settings(tmp_path, template_dir=team)) if c.item.startswith("Templ")
    ]
    assert results[0].severity == "error"
    count = int(results[0].detail.rsplit(": ", 1)[1].split()[0])
    assert count == len(results) - 1 >= 1  # the summary counts the problem lines that follow it
    assert all(c.item == "Template" and c.detail.startswith("de/gift_wrap") for c in results[1:])
    (team / "de" / "gift_wrap.j2").write_text("---\ntitle: [x\n---\nHallo\n")
    [broken] = [
        c for c in await run_checks(make_settings(tmp_path, template_dir=team)) if c.item == "Templates"
    ]
    assert not broken.ok and "gift_wrap.j2:2:" in broken.detail


def everything(
    slack: FakeSlack, dovecot: Dovecot, smtp: SmtpServer, services: FakeServices
) -> dict[str, Any]:
    """Settings for every stand-in at once: Slack, Dovecot, the SMTP server, Amazon and all five carriers."""
    return {
        "slack_api_url": slack.base_url,
        "slack_bot_token": slack.bot_token,
        "slack_app_token": slack.app_token,
        **imap_overrides(dovecot),
        **smtp.settings(),
        **services.urls(services.base_url),
        "responders": "U0AGENT",
        "leads": "U0LEAD",
        "dkim_verify": True,
    }


async def test_everything_against_every_stand_in(
    tmp_path: Path, fake_slack: FakeSlack, dovecot: Dovecot, smtp: SmtpServer, fake_services: FakeServices
) -> None:
    results = await run_checks(
        make_settings(tmp_path, **everything(fake_slack, dovecot, smtp, fake_services))
    )
    assert [(c.item, c.severity) for c in results] == [
        ("Settings", "ok"),
        ("Database", "ok"),
        ("Slack token", "ok"),
        ("Slack scopes", "ok"),
        ("Slack channel", "ok"),
        ("Slack commands", "ok"),
        ("Slack app token", "ok"),
        ("IMAP", "ok"),
        ("IMAP folder", "ok"),
        ("IMAP IDLE", "ok"),
        ("SMTP", "ok"),
        ("SP-API token", "ok"),
        ("SP-API marketplaces", "ok"),
        ("DHL", "ok"),
        ("17TRACK", "ok"),
        ("UPS", "ok"),
        ("FedEx", "ok"),
        ("USPS", "ok"),
        ("Templates", "ok"),
    ], render(results)
    assert smtp.messages == [] and fake_slack.messages == {}  # nothing sent, nothing posted


async def test_wrong_credentials_everywhere_fail_item_by_item(
    tmp_path: Path, fake_slack: FakeSlack, dovecot: Dovecot, smtp: SmtpServer, fake_services: FakeServices
) -> None:
    wrong = {
        "slack_bot_token": "xoxb-wrong",
        "imap_password": "wrong",
        "smtp_port": free_port(),
        "sp_api_refresh_token": "Atzr|wrong",
        "dhl_api_key": "wrong",
        "seventeentrack_api_key": "wrong",
        "ups_client_secret": "wrong",
        "fedex_client_secret": "wrong",
        "usps_client_secret": "wrong",
    }
    settings = make_settings(tmp_path, **{**everything(fake_slack, dovecot, smtp, fake_services), **wrong})
    results = await run_checks(settings)
    failed = [c.item for c in results if not c.ok]
    assert failed == ["Slack token", "IMAP", "SMTP", "SP-API token", "DHL", "17TRACK", "UPS", "FedEx", "USPS"]
    assert not any(secret in render(results) for secret in ("xoxb-wrong", "Atzr|wrong"))


async def test_each_further_account_is_checked_on_what_it_sets_of_its_own(
    tmp_path: Path, fake_slack: FakeSlack, dovecot: Dovecot, smtp: SmtpServer, fake_services: FakeServices
) -> None:
    us_region = await FakeServices(refresh_token="Atzr|us-grant", lwa=fake_services).start()
    us_region.sellers.marketplaces = [Participation("ATVPDKIKX0DER", "US", "USD", "en_US", "amazon.com")]
    fake_services.more_refresh_tokens = (us_region.refresh_token,)
    accounts = [
        {"name": "Brand EU", "marketplaces": ["amazon.de"]},
        {  # its own grant in its own region (good), a folder that does not exist, a channel the bot is not in
            "name": "Brand US",
            "region": "na",
            "marketplaces": ["amazon.com"],
            "sp_api_url": f"{us_region.base_url}/sp-api",
            "sp_api_refresh_token": us_region.refresh_token,
            "imap_folder": "Amazon US",
            "channel": "C0NOTIN",
            "reply_from": "support@brand-us.example",
        },
        {
            "name": "Brand UK",
            "marketplaces": ["amazon.co.uk"],
            "sp_api_refresh_token": "Atzr|not-granted",
        },  # shares the rest: only its grant checked
    ]
    try:
        settings = make_settings(
            tmp_path, **everything(fake_slack, dovecot, smtp, fake_services), accounts=accounts
        )
        results = await run_checks(settings)
    finally:
        await us_region.stop()
    theirs = [(c.item, c.severity) for c in results if "(Brand " in c.item]
    assert theirs == [
        (
            "Identity (Brand US)",
            "warning",
        ),  # the first account's signature: said, in case it is another seller
        ("SMTP sender (Brand US)", "warning"),  # one login sending as another address: said, not failed
        ("SP-API token (Brand US)", "ok"),
        ("SP-API marketplaces (Brand US)", "ok"),
        ("IMAP (Brand US)", "ok"),
        ("IMAP folder (Brand US)", "error"),
        ("Slack channel (Brand US)", "error"),
        ("Identity (Brand UK)", "warning"),
        ("SP-API token (Brand UK)", "error"),
    ], render(results)
    assert "signed 'Example Shop Kundenservice'" in render(results)
    assert "Amazon US" in render(results) and "C0NOTIN" in render(results)
    assert "Atzr|not-granted" not in render(results)
    assert all(c.ok for c in results if "(Brand " not in c.item)  # the first account: as in the test above
