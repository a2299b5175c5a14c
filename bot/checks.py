"""`inbox-bot check`: the settings and every connection, each problem with what to do."""

from __future__ import annotations

import logging
from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bot.clock.clocks import clock_from
from bot.mail.source import ImapSource, MailboxError
from bot.services.slack import SlackError, SlackGateway
from bot.settings import Settings
from bot.store.store import Store

log = logging.getLogger(__name__)

Result = tuple[bool, str]


async def check_slack(settings: Settings) -> Result:
    """Slack auth.test with the bot token."""
    if not settings.slack_bot_token:
        return False, "Slack: no bot token (INBOX_BOT_SLACK_BOT_TOKEN)"
    client = AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url, timeout=10
    )
    try:
        me = await SlackGateway(client).auth_test()
    except SlackError as e:
        hint = {
            "invalid_auth": "the token is wrong or revoked: copy the Bot User OAuth Token again",
            "not_authed": "no token was sent: set INBOX_BOT_SLACK_BOT_TOKEN",
            "account_inactive": "the app was uninstalled: reinstall it to the workspace",
            "connection": f"cannot reach {settings.slack_api_url}: check the network or INBOX_BOT_SLACK_API_URL",
        }.get(e.code or "", "see Slack's error code")
        return False, f"Slack: auth.test failed ({e.code}): {hint}"
    return True, f"Slack: connected as @{me.get('user')} in {me.get('team')}"


async def check_imap(settings: Settings) -> Result:
    """IMAP login and the configured folder."""
    clock = clock_from(settings)
    source = ImapSource(settings, Store.open(":memory:", clock=clock), clock)
    try:
        client = await source.login()
    except MailboxError as e:
        return False, f"IMAP: {e}"
    except Exception as e:
        return False, f"IMAP: {type(e).__name__}: {e}: check INBOX_BOT_IMAP_HOST, _PORT and _TLS"
    try:
        response = await client.select(settings.imap_folder)
        if response.result != "OK":
            return False, f"IMAP: folder {settings.imap_folder!r} does not exist: set INBOX_BOT_IMAP_FOLDER"
        idle = "with IDLE" if client.has_capability("IDLE") else "without IDLE (polling)"
        return True, f"IMAP: logged in as {settings.imap_user}, folder {settings.imap_folder!r} {idle}"
    finally:
        try:
            await client.logout()
        except Exception:
            log.debug("logout failed", exc_info=True)


async def check_smtp(settings: Settings) -> Result:
    """SMTP connection, TLS and login as configured (nothing is sent)."""
    import aiosmtplib

    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    client = aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        use_tls=settings.smtp_tls == "ssl",
        start_tls=settings.smtp_tls == "starttls",
        timeout=10,
    )
    try:
        await client.connect()
        if settings.smtp_user:
            await client.login(settings.smtp_user, password or "")
    except aiosmtplib.SMTPAuthenticationError as e:
        return False, f"SMTP: login refused ({e.code}): check INBOX_BOT_SMTP_USER and _PASSWORD"
    except (aiosmtplib.SMTPException, OSError) as e:
        return (
            False,
            f"SMTP: cannot reach {settings.smtp_host}:{settings.smtp_port} ({e}): check _HOST, _PORT and _TLS",
        )
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except aiosmtplib.SMTPException:
                log.debug("SMTP quit failed", exc_info=True)
    return True, f"SMTP: {settings.smtp_host}:{settings.smtp_port} ready to send as {settings.smtp_from}"


def _loopback(host: str) -> bool:
    return host in ("127.0.0.1", "localhost", "::1")


def problems(settings: Settings) -> list[str]:
    """Configuration problems, each with what to do; empty when the settings can run the bot."""
    out: list[str] = []
    if not settings.slack_bot_token:
        out.append("INBOX_BOT_SLACK_BOT_TOKEN is missing: copy the Bot User OAuth Token (xoxb-…) of your app")
    if not settings.slack_channel:
        out.append("INBOX_BOT_SLACK_CHANNEL is missing: set the channel ID (C…) and invite the bot there")
    if settings.slack_mode == "socket" and not settings.slack_app_token:
        out.append(
            "INBOX_BOT_SLACK_APP_TOKEN is missing: create an app-level token with connections:write "
            "(Basic Information → App-Level Tokens), or set INBOX_BOT_SLACK_MODE=http"
        )
    if settings.slack_mode == "http" and not settings.slack_signing_secret:
        out.append("INBOX_BOT_SLACK_SIGNING_SECRET is missing: HTTP mode verifies every request with it")
    if settings.mail_source == "imap":
        for name in ("imap_host", "imap_user"):
            if not getattr(settings, name):
                out.append(f"INBOX_BOT_{name.upper()} is missing: the mailbox that receives Amazon's mails")
        if not settings.imap_password:
            out.append("INBOX_BOT_IMAP_PASSWORD is missing: use the mailbox's (app) password")
        if settings.imap_tls == "plain" and not _loopback(settings.imap_host):
            out.append(
                "INBOX_BOT_IMAP_TLS=plain sends the password unencrypted: use ssl (port 993) "
                "for any server that is not on this machine"
            )
    elif settings.mail_directory is None:
        out.append("INBOX_BOT_MAIL_DIRECTORY is missing: mail_source=directory needs a folder")
    if settings.smtp_host and not settings.smtp_from:
        out.append(
            "INBOX_BOT_SMTP_FROM is missing: replies must come from the address registered in Seller Central"
        )
    if settings.smtp_host and settings.smtp_tls == "plain" and not _loopback(settings.smtp_host):
        out.append("INBOX_BOT_SMTP_TLS=plain sends the password unencrypted: use starttls or ssl")
    return out


def notes(settings: Settings) -> list[str]:
    """What `check` points out without failing: open roles, deprecated names, how Amazon's mails are authenticated."""
    out: list[str] = []
    if settings.reply_senders:
        out.append(
            "INBOX_BOT_REPLY_SENDERS is deprecated: its people count as responders; rename it INBOX_BOT_RESPONDERS"
        )
    if not settings.responders:
        out.append(
            "Roles: INBOX_BOT_RESPONDERS is empty, so everyone may send replies, close conversations, release "
            "other people's claims and track cases (fine for a small team; name responders and leads to limit it)"
        )
    elif not settings.leads:
        out.append(
            "Roles: INBOX_BOT_LEADS is empty, so every responder may put others on call and set overrides longer "
            f"than {settings.max_override_hours:g} hours"
        )
    if not settings.dkim_verify and not settings.trusted_authserv_id:
        out.append(
            "Sender: Amazon's mails are checked by their exact sender domain only; set INBOX_BOT_DKIM_VERIFY=true or "
            "INBOX_BOT_TRUSTED_AUTHSERV_ID (your mail server's Authentication-Results) to check Amazon signed them"
        )
    elif not settings.authentication_required:
        out.append(
            "Sender: authentication is checked but not required (INBOX_BOT_REQUIRE_AUTHENTICATED_AMAZON=false): "
            "unauthenticated Amazon mail is still believed"
        )
    return out


async def run_checks(settings: Settings) -> list[Result]:
    """Every check, in order: settings first, then each connection that is configured."""
    results: list[Result] = [(False, p) for p in problems(settings)]
    if not results:
        results.append((True, "Settings: complete"))
    if settings.slack_bot_token:
        results.append(await check_slack(settings))
    if settings.mail_source == "imap" and settings.imap_host and settings.imap_user:
        results.append(await check_imap(settings))
    elif settings.mail_source == "directory" and settings.mail_directory:
        ok = settings.mail_directory.is_dir()
        results.append((ok, f"Mail folder: {settings.mail_directory}" + ("" if ok else " does not exist")))
    if settings.smtp_host:
        results.append(await check_smtp(settings))
    else:
        results.append(
            (True, "SMTP: not set up; cards can be read but replies cannot be sent (INBOX_BOT_SMTP_HOST)")
        )
    if settings.template_dir is not None:
        results += check_templates(settings.template_dir)
    results += [(True, f"Note: {note}") for note in notes(settings)]
    return results


def check_templates(folder: Path) -> list[Result]:
    """The team's template folder read over the shipped one, and every template rendered and guarded."""
    from bot.replies.library import Library, TemplateProblem, lint

    try:
        library = Library.load(overlay=folder)
    except TemplateProblem as e:
        return [(False, f"Templates (INBOX_BOT_TEMPLATE_DIR): {e}")]
    problems = lint(library)
    if problems:
        return [(False, f"Templates: {line}") for line in problems]
    own = sum(1 for key, t in library.templates.items() if library.shipped.get(key) is not t)
    return [(True, f"Templates: {own} of your team's over {len(library.shipped)} shipped, no problems")]
