"""`inbox-bot check` for Slack: the bot token, its scopes against manifest.yml, the channel, the slash commands and
the Socket Mode token."""

from __future__ import annotations

import logging
import re

from slack_sdk.web.async_client import AsyncWebClient

from bot.checks import Check, failed
from bot.services.slack import SlackError, SlackGateway
from bot.settings import Settings

log = logging.getLogger(__name__)

# manifest.yml's `oauth_config.scopes.bot` (and manifest-http.yml's): tests/bot/test_checks_slack.py keeps them equal,
# so a running bot, installed without the manifest, compares the token's scopes with the ones its app asks for.
MANIFEST_SCOPES = frozenset(
    {
        "chat:write",
        "commands",
        "channels:history",
        "groups:history",
        "app_mentions:read",
        "usergroups:read",
        "users:read",
        "im:write",
        "files:write",
    }
)
# What Slack accepts as a command's name: a slash, then at most 31 characters without spaces.
COMMAND_NAME = re.compile(r"^/\S{1,31}$")
NO_COMMAND_API = (
    "Slack has no API that lists an app's commands or finds another app's with the same name: compare them under "
    "Slash Commands at api.slack.com/apps"
)

TOKEN_HINTS = {
    "invalid_auth": "the token is wrong or revoked: copy the Bot User OAuth Token again",
    "not_authed": "no token was sent: set INBOX_BOT_SLACK_BOT_TOKEN",
    "account_inactive": "the app was uninstalled: reinstall it to the workspace",
    "token_revoked": "the token was revoked: reinstall the app and copy the new Bot User OAuth Token",
}
CHANNEL_HINTS = {
    "not_in_channel": "the bot is not a member: invite it there (/invite @inbox-bot)",
    "channel_not_found": "no such channel the bot can see: check the ID (C…, in the channel's details) and, for a "
    "private channel, invite the bot first",
    "missing_scope": "the token lacks channels:history or groups:history (see the scopes line)",
}


def _client(settings: Settings, token: str) -> SlackGateway:
    return SlackGateway(AsyncWebClient(token=token, base_url=settings.slack_api_url, timeout=10))


def _failure(e: SlackError, hints: dict[str, str], settings: Settings) -> str:
    if e.code == "connection":
        return f"cannot reach {settings.slack_api_url}: check the network or INBOX_BOT_SLACK_API_URL"
    if e.code == "ratelimited":
        return f"Slack answered 429 (rate limited for {e.retry_after or 1:.0f} s): try again in a minute"
    return hints.get(e.code or "", f"Slack answered {e.code}")


async def check_slack(settings: Settings) -> list[Check]:
    """The bot token (auth.test), its scopes, the channel, the commands, and in Socket Mode the app-level token."""
    if not settings.slack_bot_token:
        return [failed("Slack token", "no bot token (INBOX_BOT_SLACK_BOT_TOKEN)")]
    gateway = _client(settings, settings.slack_bot_token.get_secret_value())
    try:
        me = await gateway.auth_test()
    except SlackError as e:
        return [failed("Slack token", f"auth.test failed ({e.code}): {_failure(e, TOKEN_HINTS, settings)}")]
    out = [
        Check("Slack token", f"connected as @{me.get('user')} in {me.get('team')}"),
        check_scopes(gateway.scopes),
    ]
    if settings.slack_channel:
        out.append(await check_channel(gateway, settings))
    out.append(check_commands(settings))
    if settings.slack_mode == "socket" and settings.slack_app_token:
        out.append(await check_app_token(gateway, settings.slack_app_token.get_secret_value(), settings))
    return out


def check_scopes(granted: frozenset[str] | None) -> Check:
    """The token's scopes (Slack's `x-oauth-scopes` header) against manifest.yml's: each missing one named."""
    if granted is None:
        return Check(
            "Slack scopes",
            "Slack did not say which scopes the token has (no x-oauth-scopes header)",
            "warning",
        )
    missing = sorted(MANIFEST_SCOPES - granted)
    if missing:
        return failed(
            "Slack scopes",
            f"missing {', '.join(missing)} of manifest.yml's scopes: add them under OAuth & Permissions (or paste "
            "manifest.yml again), reinstall the app and copy the new bot token",
        )
    extra = sorted(granted - MANIFEST_SCOPES)
    more = f" (also granted: {', '.join(extra)}, which the bot does not use)" if extra else ""
    return Check("Slack scopes", f"all {len(MANIFEST_SCOPES)} of manifest.yml's scopes granted{more}")


async def check_channel(gateway: SlackGateway, settings: Settings) -> Check:
    """The bot is a member of INBOX_BOT_SLACK_CHANNEL: it reads the channel's newest message.

    Not conversations.info or conversations.members: they need channels:read/groups:read, which manifest.yml does
    not ask for (Slack answers missing_scope); conversations.history needs the history scopes the bot has and
    uses, and answers not_in_channel (a private channel: channel_not_found) when the bot is not a member.
    """
    channel = settings.slack_channel
    try:
        await gateway.read_latest(channel)
    except SlackError as e:
        return failed(
            "Slack channel",
            f"{channel} (INBOX_BOT_SLACK_CHANNEL): {e.code}: {_failure(e, CHANNEL_HINTS, settings)}",
        )
    return Check("Slack channel", f"the bot is a member of {channel} and can read it")


def check_commands(settings: Settings) -> Check:
    """The slash commands the bot listens for (INBOX_BOT_COMMAND_*) against manifest.yml's (the settings' defaults,
    which tests/test_manifest.py keeps equal to the manifest's commands)."""
    fields = {name: info for name, info in Settings.model_fields.items() if name.startswith("command_")}
    configured = {name: str(getattr(settings, name)) for name in fields}
    invalid = [
        f"INBOX_BOT_{name.upper()}={value!r}"
        for name, value in configured.items()
        if not COMMAND_NAME.match(value)
    ]
    if invalid:
        return failed(
            "Slack commands",
            f"{', '.join(invalid)} is not a command name: a slash and at most 31 characters, no spaces",
        )
    seen: dict[str, str] = {}
    for name, value in configured.items():
        if value in seen:
            return failed(
                "Slack commands",
                f"INBOX_BOT_{seen[value].upper()} and INBOX_BOT_{name.upper()} are both {value}: give each its own",
            )
        seen[value] = name
    differ = [
        f"INBOX_BOT_{name.upper()}={value} (manifest.yml: {fields[name].default})"
        for name, value in configured.items()
        if value != fields[name].default
    ]
    if differ:
        return Check(
            "Slack commands",
            f"{', '.join(differ)} {'differs' if len(differ) == 1 else 'differ'} from manifest.yml: the app's "
            "commands must have these names too. "
            f"{NO_COMMAND_API}",
            "warning",
        )
    return Check("Slack commands", f"{', '.join(configured.values())} as in manifest.yml. {NO_COMMAND_API}")


async def check_app_token(gateway: SlackGateway, app_token: str, settings: Settings) -> Check:
    """The app-level token Socket Mode connects with: apps.connections.open gives an address (not connected to)."""
    hints = {
        **TOKEN_HINTS,
        "invalid_auth": "the app-level token is wrong or revoked: create one with connections:write "
        "(Basic Information → App-Level Tokens) for INBOX_BOT_SLACK_APP_TOKEN",
        "not_allowed_token_type": "INBOX_BOT_SLACK_APP_TOKEN is not an app-level token (xapp-…)",
        "missing_scope": "the app-level token lacks connections:write: create one with it",
    }
    try:
        url = await gateway.socket_url(app_token)
    except SlackError as e:
        return failed(
            "Slack app token", f"apps.connections.open failed ({e.code}): {_failure(e, hints, settings)}"
        )
    if not url:
        return failed(
            "Slack app token", "apps.connections.open gave no address: is Socket Mode on for the app?"
        )
    return Check("Slack app token", "Socket Mode can connect (apps.connections.open gave an address)")
