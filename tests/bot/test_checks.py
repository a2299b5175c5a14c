"""`inbox-bot check` in process: each check against real local servers (test_cli.py runs the command)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from bot.checks import check_imap, check_slack, check_smtp, notes, run_checks
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import imap_overrides, make_settings
from tests.support.dovecot import Dovecot, free_port
from tests.support.smtp import Recorder, SmtpServer


async def test_everything_configured_and_reachable_passes(
    tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer
) -> None:
    (tmp_path / "mail").mkdir()
    settings = make_settings(tmp_path, fake_slack, **smtp.settings())
    assert await run_checks(settings) == [
        (True, "Settings: complete"),
        (True, "Slack: connected as @inbox-bot in Example Shop"),
        (True, f"Mail folder: {tmp_path / 'mail'}"),
        (True, f"SMTP: 127.0.0.1:{smtp.port} ready to send as service@example-shop.de"),
        (
            True,
            "Note: Roles: INBOX_BOT_RESPONDERS is empty, so everyone may send replies, close conversations, release "
            "other people's claims and track cases (fine for a small team; name responders and leads to limit it)",
        ),
        (
            True,
            "Note: Sender: Amazon's mails are checked by their exact sender domain only; set INBOX_BOT_DKIM_VERIFY=true "
            "or INBOX_BOT_TRUSTED_AUTHSERV_ID (your mail server's Authentication-Results) to check Amazon signed them",
        ),
    ]


async def test_missing_settings_come_first_and_unset_connections_are_skipped(tmp_path: Path) -> None:
    results = await run_checks(make_settings(tmp_path))
    assert [ok for ok, _ in results] == [False, False, False, True, True, True]
    assert results[0][1].startswith("INBOX_BOT_SLACK_BOT_TOKEN is missing")
    assert results[1][1].startswith("INBOX_BOT_SLACK_APP_TOKEN is missing")
    assert results[2][1] == f"Mail folder: {tmp_path / 'mail'} does not exist"
    assert results[3][1].startswith("SMTP: not set up; cards can be read but replies cannot be sent")
    assert not any(text.startswith("Slack:") for _, text in results)  # no token: Slack is not asked


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
    assert notes(make_settings(tmp_path))[0].startswith(
        "Roles: INBOX_BOT_RESPONDERS is empty, so everyone may"
    )
    assert notes(make_settings(tmp_path, responders="U0AGENT", max_override_hours=12, **checked)) == [
        "Roles: INBOX_BOT_LEADS is empty, so every responder may put others on call and set overrides longer "
        "than 12 hours"
    ]
    assert notes(make_settings(tmp_path, responders="U0AGENT", leads="U0LEAD", **checked)) == []
    assert notes(make_settings(tmp_path, reply_senders="U0AGENT", leads="U0LEAD", **checked)) == [
        "INBOX_BOT_REPLY_SENDERS is deprecated: its people count as responders; rename it INBOX_BOT_RESPONDERS"
    ]


async def test_slack_says_who_the_bot_is(tmp_path: Path, fake_slack: FakeSlack) -> None:
    assert await check_slack(make_settings(tmp_path, fake_slack)) == (
        True,
        "Slack: connected as @inbox-bot in Example Shop",
    )
    assert [name for name, _ in fake_slack.calls] == ["auth.test"]


async def test_a_wrong_slack_token_is_explained(tmp_path: Path, fake_slack: FakeSlack) -> None:
    ok, text = await check_slack(make_settings(tmp_path, fake_slack, slack_bot_token="xoxb-wrong"))
    assert not ok
    assert text == (
        "Slack: auth.test failed (invalid_auth): the token is wrong or revoked: copy the Bot User OAuth Token again"
    )
    assert "xoxb-wrong" not in text


async def test_an_unreachable_slack_is_explained(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/"
    ok, text = await check_slack(make_settings(tmp_path, slack_bot_token="xoxb-1", slack_api_url=url))
    assert not ok
    assert (
        text
        == f"Slack: auth.test failed (connection): cannot reach {url}: check the network or INBOX_BOT_SLACK_API_URL"
    )


async def test_no_slack_token_is_named(tmp_path: Path) -> None:
    assert await check_slack(make_settings(tmp_path)) == (
        False,
        "Slack: no bot token (INBOX_BOT_SLACK_BOT_TOKEN)",
    )


async def test_smtp_is_checked_without_sending(tmp_path: Path, smtp: SmtpServer) -> None:
    ok, text = await check_smtp(make_settings(tmp_path, **smtp.settings()))
    assert ok and text == f"SMTP: 127.0.0.1:{smtp.port} ready to send as service@example-shop.de"
    assert smtp.messages == []


async def test_an_unreachable_smtp_server_is_explained(tmp_path: Path, smtp: SmtpServer) -> None:
    port = free_port()
    ok, text = await check_smtp(make_settings(tmp_path, **{**smtp.settings(), "smtp_port": port}))
    assert not ok
    assert text.startswith(f"SMTP: cannot reach 127.0.0.1:{port} (")
    assert text.endswith("): check _HOST, _PORT and _TLS")


class Login:
    """An SMTP server's check of AUTH PLAIN/LOGIN: only `user` with `password` gets in."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        good = auth_data.login == self.user and auth_data.password == self.password
        return AuthResult(success=good, handled=False)


@pytest.fixture
def smtp_with_login() -> Iterator[int]:
    """A real SMTP server on loopback that requires a login (user 'shop', password 'right-password')."""
    port = free_port()
    controller = Controller(
        Recorder(),
        hostname="127.0.0.1",
        port=port,
        authenticator=Login("shop", "right-password"),
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    yield port
    controller.stop()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # loopback only
async def test_smtp_login_is_checked_and_a_refusal_explained(tmp_path: Path, smtp_with_login: int) -> None:
    base: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_with_login,
        "smtp_tls": "plain",
        "smtp_from": "service@example-shop.de",
        "smtp_user": "shop",
    }
    good = await check_smtp(make_settings(tmp_path, **base, smtp_password="right-password"))
    assert good == (True, f"SMTP: 127.0.0.1:{smtp_with_login} ready to send as service@example-shop.de")
    ok, text = await check_smtp(make_settings(tmp_path, **base, smtp_password="wrong-password"))
    assert not ok
    assert text == "SMTP: login refused (535): check INBOX_BOT_SMTP_USER and _PASSWORD"


async def test_imap_login_and_folder_are_checked(tmp_path: Path, dovecot: Dovecot) -> None:
    settings = make_settings(tmp_path, **imap_overrides(dovecot))
    assert await check_imap(settings) == (True, "IMAP: logged in as seller, folder 'INBOX' with IDLE")
    missing = make_settings(tmp_path, **imap_overrides(dovecot), imap_folder="Amazon")
    assert await check_imap(missing) == (
        False,
        "IMAP: folder 'Amazon' does not exist: set INBOX_BOT_IMAP_FOLDER",
    )


async def test_a_refused_imap_login_is_explained(tmp_path: Path, dovecot: Dovecot) -> None:
    refused = make_settings(tmp_path, **{**imap_overrides(dovecot), "imap_password": "nope"})
    ok, text = await check_imap(refused)
    assert not ok and text == "IMAP: login refused for 'seller': check user and (app) password"
    assert "nope" not in text


async def test_an_unreachable_mailbox_is_explained(tmp_path: Path) -> None:
    port = free_port()
    settings = make_settings(
        tmp_path,
        mail_source="imap",
        imap_host="127.0.0.1",
        imap_port=port,
        imap_user="seller",
        imap_password="secret",
        imap_tls="plain",
        imap_timeout=5,
    )
    ok, text = await check_imap(settings)
    assert not ok and text.startswith(f"IMAP: cannot reach 127.0.0.1:{port}")
    results = await run_checks(settings)
    assert (False, text) in results


async def test_check_reads_the_team_templates_and_names_a_broken_file(tmp_path: Path) -> None:
    team = tmp_path / "ours"
    (team / "de").mkdir(parents=True)
    (team / "de" / "gift_wrap.j2").write_text("---\ntitle: Geschenk\n---\nHallo, leider nein.\n")
    results = await run_checks(make_settings(tmp_path, template_dir=team))
    [good] = [(ok, text) for ok, text in results if text.startswith("Templates")]
    assert (
        good[0]
        and good[1].startswith("Templates: 1 of your team's over ")
        and good[1].endswith("no problems")
    )
    (team / "de" / "gift_wrap.j2").write_text("---\ntitle: [x\n---\nHallo\n")
    results = await run_checks(make_settings(tmp_path, template_dir=team))
    [bad] = [text for ok, text in results if text.startswith("Templates")]
    assert bad.startswith("Templates (INBOX_BOT_TEMPLATE_DIR): ") and "gift_wrap.j2:2:" in bad
    assert (False, bad) in results
