"""`inbox-bot check` for mail against real servers on loopback: Dovecot (login, folder, IDLE) and aiosmtpd (plain,
STARTTLS and TLS, with and without a login, trusted and untrusted certificates)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from bot.checks import Check
from bot.checks_mail import check_imap, check_smtp
from tests.conftest import imap_overrides, make_settings
from tests.support.dovecot import Dovecot, free_port
from tests.support.smtp import Recorder, SmtpServer
from tests.support.tls import Certificate, self_signed

FROM = "service@example-shop.de"


async def test_the_mailbox_login_folder_and_idle_pass(tmp_path: Path, dovecot: Dovecot) -> None:
    assert await check_imap(make_settings(tmp_path, **imap_overrides(dovecot))) == [
        Check("IMAP", f"logged in to 127.0.0.1:{dovecot.port} as seller"),
        Check("IMAP folder", "'INBOX' opened (read-only)"),
        Check("IMAP IDLE", "offered: new mail arrives at once"),
    ]


async def test_a_missing_folder_fails_after_the_login(tmp_path: Path, dovecot: Dovecot) -> None:
    results = await check_imap(make_settings(tmp_path, **imap_overrides(dovecot), imap_folder="Amazon"))
    assert [c.severity for c in results] == ["ok", "error"]
    assert results[1] == Check(
        "IMAP folder",
        "'Amazon' cannot be opened (NO): does it exist? Set INBOX_BOT_IMAP_FOLDER to the folder Amazon's mails land in",
        "error",
    )


async def test_a_wrong_password_is_refused_and_not_shown(tmp_path: Path, dovecot: Dovecot) -> None:
    results = await check_imap(
        make_settings(tmp_path, **{**imap_overrides(dovecot), "imap_password": "nope"})
    )
    assert results == [Check("IMAP", "login refused for 'seller': check user and (app) password", "error")]
    assert "nope" not in results[0].line()


async def test_an_unreachable_mailbox_is_explained(tmp_path: Path) -> None:
    port = free_port()
    overrides: dict[str, Any] = {
        "mail_source": "imap",
        "imap_host": "127.0.0.1",
        "imap_port": port,
        "imap_user": "seller",
        "imap_password": "secret",
        "imap_tls": "plain",
        "imap_timeout": 5,
    }
    [result] = await check_imap(make_settings(tmp_path, **overrides))
    assert not result.ok and result.detail.startswith(f"cannot reach 127.0.0.1:{port}")


async def test_idle_switched_off_is_a_note(tmp_path: Path, dovecot: Dovecot) -> None:
    settings = make_settings(tmp_path, **imap_overrides(dovecot), imap_idle=False, imap_poll_seconds=30)
    idle = (await check_imap(settings))[2]
    assert idle == Check(
        "IMAP IDLE", "switched off (INBOX_BOT_IMAP_IDLE=false): the bot polls every 30 s", "info"
    )


async def test_a_server_without_idle_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    server = Dovecot(capability="IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE").start()
    try:
        results = await check_imap(make_settings(tmp_path, **imap_overrides(server)))
    finally:
        server.stop()
    assert results[2] == Check(
        "IMAP IDLE",
        "the server does not offer IDLE: the bot polls every 60 s (INBOX_BOT_IMAP_POLL_SECONDS), so a mail can wait "
        "that long",
        "warning",
    )
    assert all(c.ok for c in results)


# ---- SMTP ----


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
def certificate(tmp_path: Path) -> Certificate:
    return self_signed(tmp_path)


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., tuple[int, Recorder]]]:
    """Start aiosmtpd servers on loopback as a test asks (TLS, login); all stopped at the end."""
    started: list[Controller] = []

    def start(**options: Any) -> tuple[int, Recorder]:
        port, recorder = free_port(), Recorder()
        login = options.pop("login", False)
        if login:
            options.update(authenticator=Login("shop", "right-password"), auth_required=True)
        controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
        controller.start()
        started.append(controller)
        return port, recorder

    yield start
    for controller in started:
        controller.stop()


def smtp_settings(tmp_path: Path, port: int, tls: str, **more: Any) -> Any:
    return make_settings(
        tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_tls=tls, smtp_from=FROM, smtp_timeout=5, **more
    )


async def test_smtp_is_checked_without_sending(tmp_path: Path, smtp: SmtpServer) -> None:
    results = await check_smtp(make_settings(tmp_path, **smtp.settings()))
    assert results == [
        Check("SMTP", f"127.0.0.1:{smtp.port} unencrypted, without a login: ready to send as {FROM}")
    ]
    assert smtp.messages == []


async def test_smtp_not_set_up_is_a_note(tmp_path: Path) -> None:
    [note] = await check_smtp(make_settings(tmp_path))
    assert note.severity == "info" and "replies cannot be sent (INBOX_BOT_SMTP_HOST)" in note.detail


async def test_an_unreachable_smtp_server_is_explained(tmp_path: Path) -> None:
    port = free_port()
    [result] = await check_smtp(smtp_settings(tmp_path, port, "plain"))
    assert not result.ok
    assert result.detail.startswith(f"cannot reach 127.0.0.1:{port} (")
    assert result.detail.endswith("): check INBOX_BOT_SMTP_HOST, _PORT and _TLS")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # loopback only
async def test_the_smtp_login_is_checked_and_a_refusal_explained(
    tmp_path: Path, smtp_server: Callable[..., tuple[int, Recorder]]
) -> None:
    port, recorder = smtp_server(login=True, auth_require_tls=False)
    good = await check_smtp(
        smtp_settings(tmp_path, port, "plain", smtp_user="shop", smtp_password="right-password")
    )
    assert good == [
        Check("SMTP", f"127.0.0.1:{port} unencrypted, logged in as shop: ready to send as {FROM}")
    ]
    [bad] = await check_smtp(
        smtp_settings(tmp_path, port, "plain", smtp_user="shop", smtp_password="wrong-password")
    )
    assert bad == Check(
        "SMTP", f"127.0.0.1:{port} refused the login (535): check INBOX_BOT_SMTP_USER and _PASSWORD", "error"
    )
    assert "wrong-password" not in bad.line()
    assert recorder.messages == []


async def test_starttls_then_login_with_a_trusted_certificate(
    tmp_path: Path,
    smtp_server: Callable[..., tuple[int, Recorder]],
    certificate: Certificate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, recorder = smtp_server(tls_context=certificate.server_context(), require_starttls=True, login=True)
    login = {"smtp_user": "shop", "smtp_password": "right-password"}
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))  # the machine's trust store now holds it
    good = await check_smtp(smtp_settings(tmp_path, port, "starttls", **login))
    assert good == [
        Check("SMTP", f"127.0.0.1:{port} with STARTTLS, logged in as shop: ready to send as {FROM}")
    ]
    [refused] = await check_smtp(smtp_settings(tmp_path, port, "starttls", **{**login, "smtp_password": "x"}))
    assert (
        refused.detail == f"127.0.0.1:{port} refused the login (535): check INBOX_BOT_SMTP_USER and _PASSWORD"
    )
    [no_tls] = await check_smtp(smtp_settings(tmp_path, port, "plain", **login))
    assert not no_tls.ok and no_tls.detail.startswith(f"127.0.0.1:{port} offers no login here (")
    assert recorder.messages == []


async def test_an_untrusted_certificate_fails_at_starttls(
    tmp_path: Path, smtp_server: Callable[..., tuple[int, Recorder]], certificate: Certificate
) -> None:
    port, _ = smtp_server(tls_context=certificate.server_context(), require_starttls=True)
    [result] = await check_smtp(smtp_settings(tmp_path, port, "starttls"))
    assert result.severity == "error"
    assert result.detail.startswith(f"TLS with 127.0.0.1:{port} failed at STARTTLS (")
    assert "certificate" in result.detail


async def test_starttls_asked_of_a_server_without_it(tmp_path: Path, smtp: SmtpServer) -> None:
    [result] = await check_smtp(smtp_settings(tmp_path, smtp.port, "starttls"))
    assert not result.ok
    assert result.detail.startswith(f"127.0.0.1:{smtp.port} cannot STARTTLS (")
    assert result.detail.endswith("set INBOX_BOT_SMTP_TLS=ssl with port 465, or ask your provider")


async def test_implicit_tls_with_a_trusted_certificate_and_against_a_plain_server(
    tmp_path: Path,
    smtp_server: Callable[..., tuple[int, Recorder]],
    certificate: Certificate,
    smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, _ = smtp_server(ssl_context=certificate.server_context())
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))
    good = await check_smtp(smtp_settings(tmp_path, port, "ssl"))
    assert good == [Check("SMTP", f"127.0.0.1:{port} over TLS, without a login: ready to send as {FROM}")]
    [plain] = await check_smtp(smtp_settings(tmp_path, smtp.port, "ssl"))
    assert not plain.ok
    assert plain.detail.startswith(f"TLS with 127.0.0.1:{smtp.port} failed at connect (")
