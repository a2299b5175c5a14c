"""`inbox-bot check` for mail: the IMAP mailbox (login, folder, IDLE) and the SMTP server replies leave by (connection,
TLS, login; nothing is sent)."""

from __future__ import annotations

import asyncio
import logging
import ssl

import aioimaplib
import aiosmtplib

from bot.checks import Check, failed
from bot.clock.clocks import clock_from
from bot.mail.source import ImapSource, MailboxError
from bot.settings import Settings
from bot.store.store import Store

log = logging.getLogger(__name__)


def _tls_reason(error: BaseException | None) -> str | None:
    """What went wrong in a TLS handshake, if `error` (or its cause) is one."""
    while error is not None:
        if isinstance(error, ssl.SSLError):
            return str(getattr(error, "verify_message", None) or error.reason or error)
        error = error.__cause__
    return None


async def check_imap(settings: Settings) -> list[Check]:
    """IMAP: the login, the folder (selected, nothing read or changed) and whether the server offers IDLE."""
    clock = clock_from(settings)
    store = Store.open(":memory:", clock=clock)
    try:
        return await _imap(settings, ImapSource(settings, store, clock))
    finally:
        store.close()


async def _imap(settings: Settings, source: ImapSource) -> list[Check]:
    where = f"{settings.imap_host}:{settings.imap_port}"
    try:
        client = await source.login()
    except MailboxError as e:
        tls = _tls_reason(e)
        if tls:
            return [failed("IMAP", f"TLS with {where} failed ({tls}): check INBOX_BOT_IMAP_TLS and _PORT")]
        return [failed("IMAP", f"{e}")]
    except (OSError, TimeoutError, aioimaplib.Abort, aioimaplib.CommandTimeout) as e:
        problem = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        return [
            failed(
                "IMAP",
                f"{where} did not answer the login ({problem}): check INBOX_BOT_IMAP_HOST, _PORT, _TLS",
            )
        ]
    out = [Check("IMAP", f"logged in to {where} as {settings.imap_user}")]
    try:
        response = await client.examine(settings.imap_folder)  # read-only: a check marks no mail as seen
        if response.result != "OK":
            out.append(
                failed(
                    "IMAP folder",
                    f"{settings.imap_folder!r} cannot be opened ({response.result}): does it exist? "
                    "Set INBOX_BOT_IMAP_FOLDER to the folder Amazon's mails land in",
                )
            )
            return out
        out.append(Check("IMAP folder", f"{settings.imap_folder!r} opened (read-only)"))
        out.append(_idle(settings, client.has_capability("IDLE")))
        return out
    finally:
        try:
            await asyncio.wait_for(client.logout(), 5)
        except (OSError, TimeoutError, aioimaplib.Abort, aioimaplib.CommandTimeout) as e:
            log.debug("IMAP logout after the check failed: %s", e)


def _idle(settings: Settings, offered: bool) -> Check:
    poll = f"{settings.imap_poll_seconds:g}"
    if not settings.imap_idle:
        return Check(
            "IMAP IDLE", f"switched off (INBOX_BOT_IMAP_IDLE=false): the bot polls every {poll} s", "info"
        )
    if offered:
        return Check("IMAP IDLE", "offered: new mail arrives at once")
    return Check(
        "IMAP IDLE",
        f"the server does not offer IDLE: the bot polls every {poll} s (INBOX_BOT_IMAP_POLL_SECONDS), so a mail "
        "can wait that long",
        "warning",
    )


async def check_smtp(settings: Settings) -> list[Check]:
    """SMTP as configured: connect (with TLS for `ssl`), STARTTLS for `starttls`, the login; nothing is sent."""
    if not settings.smtp_host:
        return [
            Check(
                "SMTP",
                "not set up: cards can be read but replies cannot be sent (INBOX_BOT_SMTP_HOST)",
                "info",
            )
        ]
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
    client = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        use_tls=settings.smtp_tls == "ssl",
        start_tls=False,  # asked for below, so a failure names its step
        timeout=settings.smtp_timeout,
    )
    step = "connect"
    try:
        await client.connect()
        if settings.smtp_tls == "starttls":
            step = "STARTTLS"
            await client.starttls()
        if settings.smtp_user:
            step = "login"
            await client.login(settings.smtp_user, password)
    except aiosmtplib.SMTPAuthenticationError as e:
        return [
            failed("SMTP", f"{where} refused the login ({e.code}): check INBOX_BOT_SMTP_USER and _PASSWORD")
        ]
    except (aiosmtplib.SMTPException, OSError) as e:
        return [failed("SMTP", _smtp_problem(settings, where, step, e))]
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError) as e:
                log.debug("SMTP QUIT after the check failed: %s", e)
    how = {"ssl": "over TLS", "starttls": "with STARTTLS", "plain": "unencrypted"}[settings.smtp_tls]
    who = f", logged in as {settings.smtp_user}" if settings.smtp_user else ", without a login"
    return [Check("SMTP", f"{where} {how}{who}: ready to send as {settings.smtp_from}")]


def _smtp_problem(settings: Settings, where: str, step: str, error: Exception) -> str:
    """What a failed step means and what to change."""
    text = str(error).strip() or type(error).__name__
    tls = _tls_reason(error)
    if tls:
        return (
            f"TLS with {where} failed at {step} ({tls}): check INBOX_BOT_SMTP_TLS (starttls on 587, ssl on 465) "
            "and that the server's certificate is valid for INBOX_BOT_SMTP_HOST"
        )
    if step == "STARTTLS":
        return f"{where} cannot STARTTLS ({text}): set INBOX_BOT_SMTP_TLS=ssl with port 465, or ask your provider"
    if step == "login":
        return f"{where} offers no login here ({text}): check INBOX_BOT_SMTP_TLS (most servers ask for TLS first)"
    return f"cannot reach {where} ({text}): check INBOX_BOT_SMTP_HOST, _PORT and _TLS"
