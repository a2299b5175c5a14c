"""Replies go out by SMTP from the seller's approved address to the buyer's relay alias, threaded to the buyer's mail."""

from __future__ import annotations

import logging
import mimetypes
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import aiosmtplib

from bot.errors import ConfigurationError, UpstreamError
from bot.settings import Settings

log = logging.getLogger(__name__)

REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|antw|sv|vs|r|rif|tr|wg|fw|fwd)\s*(?:\[\d+\])?\s*:\s*)+", re.I)
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # Amazon's limit per message
# C0 controls (tab, vertical tab, CR, LF … included), DEL, C1 controls (NEL U+0085 included) and Unicode's line and
# paragraph separators: each would break a header line (or make Python's email package refuse the header).
UNSAFE_IN_HEADER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@dataclass(frozen=True)
class OutgoingReply:
    """What one reply consists of."""

    to: str
    subject: str
    text: str
    in_reply_to: str | None
    references: list[str]
    attachments: list[Path]
    message_id: str
    sender: str = ""  # the From address (its account's); empty: INBOX_BOT_SMTP_FROM


class SendError(UpstreamError):
    """SMTP refused or failed; `retryable` says whether trying again later can help."""


def header_value(text: str) -> str:
    """A value safe in one header line: control characters and line separators become single spaces."""
    return re.sub(" {2,}", " ", UNSAFE_IN_HEADER.sub(" ", text)).strip()


def reply_subject(original: str | None, order_id: str | None) -> str:
    """'Re: <the buyer's subject>' (without stacked prefixes), or a subject naming the order."""
    base = REPLY_PREFIX.sub("", header_value(original or "")).strip()
    if base:
        return f"Re: {base}"
    return f"Ihre Bestellung {order_id}" if order_id else "Re: Ihre Nachricht"


def new_message_id(send_id: int, sender: str) -> str:
    """A Message-ID for a send, in the sender's domain."""
    domain = sender.rpartition("@")[2] or "inbox-bot.invalid"
    return make_msgid(idstring=f"inbox-bot.{send_id}", domain=domain)


def build_message(reply: OutgoingReply, *, sender: str, now: datetime) -> EmailMessage:
    """The e-mail: plain text UTF-8, threaded with In-Reply-To/References, attachments checked for size and type;
    every header value is cleaned of control characters and line separators (`header_value`)."""
    msg = EmailMessage()
    msg["From"] = header_value(sender)
    msg["To"] = header_value(reply.to)
    msg["Subject"] = header_value(reply.subject)
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = header_value(reply.message_id)
    in_reply_to = header_value(reply.in_reply_to or "")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    refs = [r for r in (header_value(r) for r in [*reply.references, in_reply_to] if r) if r]
    if refs:
        msg["References"] = " ".join(dict.fromkeys(refs))
    msg.set_content(reply.text, charset="utf-8")
    total = 0
    for path in reply.attachments:
        data = path.read_bytes()
        total += len(data)
        if total > MAX_ATTACHMENT_BYTES:
            raise SendError("SMTP", f"attachments exceed Amazon's 10 MB ({path.name})", retryable=False)
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=header_value(path.name))
    return msg


class SmtpSender:
    """One SMTP connection per send, with TLS and login as configured."""

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host or not settings.smtp_from:
            raise ConfigurationError(
                "SMTP", "set INBOX_BOT_SMTP_HOST and INBOX_BOT_SMTP_FROM to send replies"
            )
        self.settings = settings
        self.sent = 0

    async def send(self, message: EmailMessage) -> None:
        """Deliver one message; SendError says whether a retry can help (4xx, connection) or not (5xx)."""
        s = self.settings
        password = s.smtp_password.get_secret_value() if s.smtp_password else None
        try:
            await aiosmtplib.send(
                message,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_user or None,
                password=password if s.smtp_user else None,
                use_tls=s.smtp_tls == "ssl",
                start_tls=s.smtp_tls == "starttls",
                timeout=s.smtp_timeout,
            )
        except aiosmtplib.SMTPAuthenticationError as e:
            raise SendError(
                "SMTP", f"login refused ({e.code}): check INBOX_BOT_SMTP_USER and _PASSWORD", retryable=False
            ) from e
        except aiosmtplib.SMTPResponseException as e:
            temporary = 400 <= e.code < 500
            raise SendError(
                "SMTP", f"the server answered {e.code} {e.message}", status=e.code, retryable=temporary
            ) from e
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as e:
            raise SendError("SMTP", f"cannot deliver: {type(e).__name__}: {e}") from e
        self.sent += 1
        log.info("reply %s sent to %s", message["Message-ID"], message["To"])
