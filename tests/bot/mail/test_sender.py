"""Replies by SMTP: subjects, Message-IDs, threading headers, attachments, and a real server's answers."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from bot.errors import ConfigurationError
from bot.mail.sender import (
    MAX_ATTACHMENT_BYTES,
    OutgoingReply,
    SendError,
    SmtpSender,
    build_message,
    header_value,
    new_message_id,
    reply_subject,
)
from bot.settings import Settings
from bot.settings_sources import settings_from
from tests.support.clock import pinned_clock
from tests.support.smtp import Recorder, SmtpServer

SENDER = "service@example-shop.de"
ALIAS = "abc123@marketplace.amazon.de"


def reply(**changes: Any) -> OutgoingReply:
    values: dict[str, Any] = {
        "to": ALIAS,
        "subject": "Re: Frage von Amazon-Kunde Max",
        "text": "Hallo Max,\n\nIhr Paket ist unterwegs. Grüße",
        "in_reply_to": "<buyer-2@marketplace.amazon.de>",
        "references": ["<buyer-1@marketplace.amazon.de>"],
        "attachments": [],
        "message_id": new_message_id(7, SENDER),
    }
    return OutgoingReply(**{**values, **changes})


def message(**changes: Any) -> EmailMessage:
    return build_message(reply(**changes), sender=SENDER, now=pinned_clock().now())


def smtp_settings(server: SmtpServer, **overrides: Any) -> Settings:
    return settings_from(**{**server.settings(), **overrides})


def test_reply_subject() -> None:
    assert reply_subject("AW: Re: Frage von Amazon-Kunde Max", None) == "Re: Frage von Amazon-Kunde Max"
    assert reply_subject(None, "302-1234567-1234567") == "Ihre Bestellung 302-1234567-1234567"


def test_reply_subject_without_subject_or_order_and_with_only_prefixes() -> None:
    assert reply_subject(None, None) == "Re: Ihre Nachricht"
    assert reply_subject("Re: AW:  ", "302-1234567-1234567") == "Ihre Bestellung 302-1234567-1234567"
    assert reply_subject("  Wo ist mein Paket?  ", None) == "Re: Wo ist mein Paket?"


def test_message_ids_are_unique_in_the_senders_domain() -> None:
    first, second = new_message_id(1, SENDER), new_message_id(1, SENDER)
    assert first != second
    assert first.startswith("<") and first.endswith("@example-shop.de>") and "inbox-bot.1" in first
    assert new_message_id(2, "shop@").endswith("@inbox-bot.invalid>")  # no domain to borrow


def test_the_message_is_plain_utf8_text_threaded_to_the_buyers_mail() -> None:
    now = pinned_clock().now()
    msg = build_message(reply(), sender=SENDER, now=now)
    assert (msg["From"], msg["To"], msg["Subject"]) == (SENDER, ALIAS, "Re: Frage von Amazon-Kunde Max")
    assert msg["In-Reply-To"] == "<buyer-2@marketplace.amazon.de>"
    assert msg["References"] == "<buyer-1@marketplace.amazon.de> <buyer-2@marketplace.amazon.de>"
    assert parsedate_to_datetime(msg["Date"]) == now.replace(microsecond=0)
    assert msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
    assert msg.get_content().rstrip("\n") == "Hallo Max,\n\nIhr Paket ist unterwegs. Grüße"


def test_references_name_each_message_once_and_are_left_out_when_there_are_none() -> None:
    msg = message(references=["<a@x>", "<b@x>", "<a@x>"], in_reply_to="<b@x>")
    assert msg["References"] == "<a@x> <b@x>"
    bare = message(references=[], in_reply_to=None)
    assert bare["References"] is None and bare["In-Reply-To"] is None


UNSAFE = ["\x0b", "\u2028", "\u2029", "\x85", "\x0c", "\x1c", "\x00", "\x7f", "\x9b", "\r\n", "\t"]


@pytest.mark.parametrize("bad", UNSAFE, ids=[f"U+{ord(c[0]):04X}" for c in UNSAFE])
def test_control_characters_and_line_separators_never_reach_a_header(bad: str) -> None:
    """A buyer's subject (or anything else that goes into a header) with a vertical tab, U+2028 … makes a valid
    header of one line: Python's email package would refuse it, or it would start a header of its own."""
    subject = f"Frage{bad}zu{bad}{bad}Bestellung"
    assert header_value(subject) == "Frage zu Bestellung"
    msg = message(
        subject=f"Re: {subject}",
        to=f"{ALIAS}{bad}",
        in_reply_to=f"<buyer-2@marketplace.amazon.de>{bad}",
        references=[f"{bad}<buyer-1@marketplace.amazon.de>", bad],
    )
    assert (msg["Subject"], msg["To"]) == ("Re: Frage zu Bestellung", ALIAS)
    assert msg["In-Reply-To"] == "<buyer-2@marketplace.amazon.de>"
    assert msg["References"] == "<buyer-1@marketplace.amazon.de> <buyer-2@marketplace.amazon.de>"
    assert reply_subject(f"AW:{bad}Re: Wo ist{bad}mein Paket?", None) == "Re: Wo ist mein Paket?"
    raw = msg.as_bytes()
    head = raw.split(b"\n\n", 1)[0]
    assert all(line[:1] in (b" ", b"\t") or b":" in line for line in head.split(b"\n"))  # no stray lines


async def test_a_subject_with_a_vertical_tab_or_a_line_separator_is_sent(smtp: SmtpServer) -> None:
    sender = SmtpSender(smtp_settings(smtp))
    await sender.send(message(subject=reply_subject("Rechnung\x0bbitte\u2028Bestellung 302", None)))
    [got] = smtp.messages
    assert got["Subject"] == "Re: Rechnung bitte Bestellung 302"


def test_attachments_carry_their_name_and_type(tmp_path: Path) -> None:
    pdf = tmp_path / "Rechnung 302.pdf"
    pdf.write_bytes(b"%PDF-1.4 invoice")
    unknown = tmp_path / "notes.zzunknown"
    unknown.write_bytes(b"\x00\x01")
    msg = message(attachments=[pdf, unknown])
    parts = list(msg.iter_attachments())
    assert [(p.get_filename(), p.get_content_type()) for p in parts] == [
        ("Rechnung 302.pdf", "application/pdf"),
        ("notes.zzunknown", "application/octet-stream"),
    ]
    assert parts[0].get_content() == b"%PDF-1.4 invoice"


def test_attachments_over_amazons_10_mb_in_total_are_refused(tmp_path: Path) -> None:
    half = tmp_path / "a.pdf"
    half.write_bytes(b"x" * (MAX_ATTACHMENT_BYTES // 2))
    rest = tmp_path / "b.pdf"
    rest.write_bytes(b"x" * (MAX_ATTACHMENT_BYTES // 2))
    assert len(list(message(attachments=[half, rest]).iter_attachments())) == 2  # exactly 10 MB is allowed
    one_more = tmp_path / "c.txt"
    one_more.write_bytes(b"x")
    with pytest.raises(SendError, match=r"10 MB \(c\.txt\)") as e:
        message(attachments=[half, rest, one_more])
    assert e.value.retryable is False


def test_a_sender_needs_host_and_from_address() -> None:
    with pytest.raises(ConfigurationError, match="INBOX_BOT_SMTP_HOST"):
        SmtpSender(settings_from())
    with pytest.raises(ConfigurationError, match="INBOX_BOT_SMTP_FROM"):
        SmtpSender(settings_from(smtp_host="127.0.0.1", smtp_tls="plain"))


async def test_the_server_receives_the_reply_as_built(smtp: SmtpServer, tmp_path: Path) -> None:
    pdf = tmp_path / "rechnung.pdf"
    pdf.write_bytes(b"%PDF-1.4 invoice")
    sender = SmtpSender(smtp_settings(smtp))
    msg = message(attachments=[pdf])
    await sender.send(msg)
    assert sender.sent == 1
    [got] = smtp.messages
    assert isinstance(got, EmailMessage)  # parsed with the modern policy
    assert str(got["Message-ID"]).strip() == msg["Message-ID"] and got["To"] == ALIAS
    assert got["In-Reply-To"] == "<buyer-2@marketplace.amazon.de>"
    body = got.get_body(("plain",))
    assert body is not None and "Grüße" in body.get_content()
    assert [a.get_filename() for a in got.iter_attachments()] == ["rechnung.pdf"]
    assert smtp.recorder.envelopes[0].rcpt_tos == [ALIAS]


async def test_a_temporary_refusal_may_be_retried(smtp: SmtpServer) -> None:
    sender = SmtpSender(smtp_settings(smtp))
    smtp.refuse("451 4.7.1 Greylisted, try again later")
    with pytest.raises(SendError, match="451") as e:
        await sender.send(message())
    assert (e.value.status, e.value.retryable) == (451, True)
    assert sender.sent == 0 and smtp.messages == []


async def test_a_permanent_refusal_is_final(smtp: SmtpServer) -> None:
    sender = SmtpSender(smtp_settings(smtp))
    smtp.refuse("554 5.7.1 Message rejected")
    with pytest.raises(SendError, match="554") as e:
        await sender.send(message())
    assert (e.value.status, e.value.retryable) == (554, False)


async def test_no_server_listening_may_be_retried(smtp: SmtpServer) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sender = SmtpSender(smtp_settings(smtp, smtp_port=port, smtp_timeout=2))
    with pytest.raises(SendError, match="cannot deliver") as e:
        await sender.send(message())
    assert e.value.retryable is True


@pytest.fixture
def auth_smtp() -> Iterator[SmtpServer]:
    """The loopback SMTP server, offering AUTH without TLS and accepting only user `shop` / `right`."""

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = auth_data.login == b"shop" and auth_data.password == b"right"
        return AuthResult(success=ok, handled=False)

    server = SmtpServer()
    server.controller = Controller(
        Recorder(),
        hostname="127.0.0.1",
        port=server.port,
        authenticator=authenticator,
        auth_require_tls=False,
    )
    server.recorder = server.controller.handler
    server.start()
    yield server
    server.stop()


async def test_login_with_the_configured_user(auth_smtp: SmtpServer) -> None:
    sender = SmtpSender(smtp_settings(auth_smtp, smtp_user="shop", smtp_password="right"))
    await sender.send(message())
    assert len(auth_smtp.messages) == 1


async def test_a_refused_login_says_what_to_check_and_is_final(auth_smtp: SmtpServer) -> None:
    sender = SmtpSender(smtp_settings(auth_smtp, smtp_user="shop", smtp_password="wrong"))
    with pytest.raises(SendError, match=r"login refused .* INBOX_BOT_SMTP_USER") as e:
        await sender.send(message())
    assert e.value.retryable is False and auth_smtp.messages == []
