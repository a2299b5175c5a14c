"""`inbox-bot check`: the settings and every connection, each problem with what to do.

One `Check` per item (a setting, a token, a mailbox, an API key …), printed one line each or as JSON for scripts. The
connections are tried by `checks_slack.py` (Slack), `checks_mail.py` (IMAP, SMTP) and `checks_services.py` (SP-API,
carriers); this module loads the settings, runs those side by side and lints the templates.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import tomllib
from collections.abc import Awaitable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError
from pydantic_settings import SettingsError

from bot.accounts import Accounts
from bot.settings import CONFIG_ENV, Settings
from bot.settings_sources import load_settings, secret_fields
from bot.settings_values import ENV_PREFIX

log = logging.getLogger(__name__)

Severity = Literal["ok", "info", "warning", "error"]
MARKS: dict[str, str] = {"ok": "✓", "info": "•", "warning": "⚠", "error": "✗"}


@dataclass(frozen=True)
class Check:
    """One item's outcome: `ok` unless its severity is "error" (a warning or a note does not fail the check)."""

    item: str
    detail: str
    severity: Severity = "ok"

    @property
    def ok(self) -> bool:
        """Whether this item lets the bot run as configured."""
        return self.severity != "error"

    def line(self) -> str:
        """The item as one line of text, marked ✓ ok, • note, ⚠ warning, ✗ failure."""
        return f"{MARKS[self.severity]} {self.item}: {self.detail}"

    def to_json(self) -> dict[str, Any]:
        """The item for `--json`: item, ok, detail, severity."""
        return {"item": self.item, "ok": self.ok, "detail": self.detail, "severity": self.severity}


def failed(item: str, detail: str) -> Check:
    """A failure."""
    return Check(item, detail, "error")


def render(checks: list[Check], *, as_json: bool = False) -> str:
    """One line per item, or one JSON list of {"item", "ok", "detail", "severity"}."""
    if as_json:
        return json.dumps([c.to_json() for c in checks], ensure_ascii=False, indent=1)
    return "\n".join(c.line() for c in checks)


# ---- the settings ------------------------------------------------------------------------------------

_SOURCE = re.compile(r'field "(\w+)" from source "(\w+)"')
SOURCES = {
    "EnvSettingsSource": "the environment",
    "DotEnvSettingsSource": ".env",
    "TomlConfigSettingsSource": "the TOML file",
}


def setting_errors(error: ValidationError) -> list[str]:
    """One line per setting that does not parse: its variable first, what is wrong, the value (never a secret's)."""
    secrets = secret_fields()
    lines = []
    for e in error.errors():
        loc = [str(part) for part in e["loc"]]
        name = f"{ENV_PREFIX}{loc[0].upper()}" + "".join(f"[{p}]" for p in loc[1:]) if loc else "Settings"
        message = " ".join(str(e["msg"]).removeprefix("Value error, ").split())
        message = message.removeprefix(f"{name}: ")
        text = message if message.startswith(name) else f"{name}: {message}"
        if loc and loc[0] in secrets:
            lines.append(f"{text} (the value is not shown: it is a secret)")
            continue
        given = repr(e["input"])
        given = given if len(given) <= 80 else given[:77] + "…"
        lines.append(text if given in text else f"{text} (given: {given})")
    return lines


def source_error(error: SettingsError) -> str:
    """A value pydantic-settings could not even decode (a list or table setting that is not JSON), named by its
    variable and where it came from."""
    found = _SOURCE.search(str(error))
    if not found:
        return f"Settings: {error}"
    field, source = found.groups()
    cause = f" ({error.__cause__})" if error.__cause__ else ""
    where = SOURCES.get(source, source)
    return f"{ENV_PREFIX}{field.upper()}: not valid JSON in {where}{cause}: write it as .env.example shows"


def load_checked(config: Path | None) -> tuple[Settings | None, list[Check]]:
    """The settings, or None and one failed Check per setting that does not parse (never a traceback)."""
    path = config or os.environ.get(CONFIG_ENV)
    try:
        return load_settings(config), []
    except ValidationError as e:  # secrets' values are masked by load_settings and left out here
        lines = setting_errors(e)
    except SettingsError as e:
        lines = [source_error(e)]
    except FileNotFoundError as e:
        lines = [f"{CONFIG_ENV}: {e}"]
    except tomllib.TOMLDecodeError as e:
        lines = [f"{CONFIG_ENV}: {path} is not valid TOML: {e}"]
    checks = [failed("Settings", line) for line in lines]
    return None, [*checks, Check("Connections", "not tried until the settings above are fixed", "info")]


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


def check_settings(settings: Settings) -> list[Check]:
    """What is missing or unsafe in settings that parsed (each with what to do), or one line saying all is there."""
    missing = [failed("Settings", p) for p in problems(settings)]
    return missing or [Check("Settings", "every setting parsed; nothing the bot needs is missing")]


# ---- the mail folder and the templates ---------------------------------------------------------------


def check_mail_folder(settings: Settings) -> list[Check]:
    """The folder of .eml files read instead of a mailbox (INBOX_BOT_MAIL_SOURCE=directory)."""
    folder = settings.mail_directory
    if folder is None:
        return []  # a missing setting: problems() says so
    if folder.is_dir():
        return [Check("Mail folder", f"{folder}")]
    return [failed("Mail folder", f"{folder} does not exist: create it or fix INBOX_BOT_MAIL_DIRECTORY")]


def check_templates(settings: Settings) -> list[Check]:
    """`inbox-bot templates lint`: the shipped templates with the team's folder over them, each rendered with sample
    data and guarded; one line with the count of problems, then one line per problem."""
    from bot.replies.library import Library, TemplateProblem, lint

    team = settings.template_dir
    try:
        library = Library.load(overlay=team)
    except TemplateProblem as e:
        return [failed("Templates", f"{e}: fix the file or INBOX_BOT_TEMPLATE_DIR")]
    found = lint(library)
    languages = ", ".join(sorted({lang for _, lang in library.templates}))
    own = sum(1 for key, t in library.templates.items() if library.shipped.get(key) is not t)
    whose = f" ({own} of your team's from {team})" if team is not None else ""
    summary = f"{len(library.templates)} templates in {languages}{whose}: {len(found)} problem(s)"
    if not found:
        return [Check("Templates", summary)]
    return [failed("Templates", summary), *(failed("Template", line) for line in found)]


# ---- everything --------------------------------------------------------------------------------------


async def _guarded(item: str, work: Awaitable[list[Check]]) -> list[Check]:
    """A group of checks; one that breaks in an unexpected way is a failed line (and a logged traceback)."""
    try:
        return await work
    except Exception as e:
        log.exception("the %s check failed unexpectedly", item)
        return [failed(item, f"the check itself failed ({type(e).__name__}: {e}): see the log above")]


async def _none() -> list[Check]:
    return []


async def account_checks(settings: Settings, accounts: Accounts) -> list[Check]:
    """Each Amazon account after the first ([[accounts]]): what it sets of its own — its mailbox, its SP-API grant
    and region, its channel, its templates — tried as the bot will use them; each line names the account."""
    from bot.checks_mail import check_imap
    from bot.checks_services import check_sp_api
    from bot.checks_slack import _client, check_channel

    first = accounts.first
    out: list[Check] = []
    listed_by_name = {a.name: a for a in settings.accounts}
    for name, theirs in accounts.others.items():
        work: list[Awaitable[list[Check]]] = [_guarded("SP-API", check_sp_api(theirs))]
        own = listed_by_name[name]
        borrowed = [
            f"{what} {value!r}"
            for what, value, given in (
                ("replies from", theirs.smtp_from, own.reply_from),
                ("signed", theirs.reply_signature, own.signature),
                ("cards in", theirs.slack_channel, own.channel),
            )
            if given is None and value
        ]
        if borrowed:  # another seller's identity, unless that is meant (one brand, two regions)
            out.append(
                Check(
                    f"Identity ({name})",
                    f"{', '.join(borrowed)}: taken from the settings around the list, as it sets none of its own "
                    "(reply_from, signature, channel in its [[accounts]] entry) — right for one brand in two regions, "
                    "wrong for another seller",
                    "warning",
                )
            )
        if theirs.mail_source == "imap" and None not in accounts.sharing(name):  # a mailbox of its own
            work.append(_guarded("IMAP", check_imap(theirs)))
        if theirs.slack_bot_token and theirs.slack_channel != first.slack_channel:
            gateway = _client(theirs, theirs.slack_bot_token.get_secret_value())
            work.append(_guarded("Slack channel", _one(check_channel(gateway, theirs))))
        if theirs.smtp_host and theirs.smtp_from and theirs.smtp_from != first.smtp_from:
            login = theirs.smtp_user or "the SMTP server"
            out.append(
                Check(
                    f"SMTP sender ({name})",
                    f"replies are sent as {theirs.smtp_from} through {login}: that login must be allowed to send as "
                    "this address, and the address must be an approved sender in this account's Seller Central, or "
                    "Amazon's relay refuses the mail",
                    "warning",
                )
            )
        if theirs.template_dir != first.template_dir:
            work.append(_guarded("Templates", asyncio.to_thread(check_templates, theirs)))
        for group in await asyncio.gather(*work):
            out += [Check(f"{c.item} ({name})", c.detail, c.severity) for c in group]
    return out


async def _one(work: Awaitable[Check]) -> list[Check]:
    return [await work]


async def run_checks(settings: Settings) -> list[Check]:
    """Every check, in order: settings first, then each connection that is configured (tried side by side), the
    templates, each further Amazon account's own, and the notes."""
    from bot.checks_mail import check_imap, check_smtp
    from bot.checks_services import check_carriers, check_database, check_sp_api
    from bot.checks_slack import check_slack

    accounts = Accounts.from_settings(settings)
    listed, settings = settings, accounts.first  # the first account's settings
    imap = settings.mail_source == "imap" and bool(settings.imap_host and settings.imap_user)
    groups = await asyncio.gather(
        _guarded("Slack", check_slack(settings) if settings.slack_bot_token else _none()),
        _guarded("IMAP", check_imap(settings) if imap else _none()),
        _guarded("SMTP", check_smtp(settings)),
        _guarded("SP-API", check_sp_api(settings)),
        _guarded("Tracking", check_carriers(settings)),
        _guarded("Templates", asyncio.to_thread(check_templates, settings)),
        _guarded("Database", asyncio.to_thread(check_database, settings)),
    )
    slack, mailbox, smtp, amazon, carriers, templates, database = groups
    if settings.mail_source == "directory":
        mailbox = check_mail_folder(settings)
    others = await account_checks(listed, accounts)
    results = [
        *check_settings(settings),
        *database,
        *slack,
        *mailbox,
        *smtp,
        *amazon,
        *carriers,
        *templates,
        *others,
    ]
    return results + [Check("Note", note, "info") for note in notes(settings)]
