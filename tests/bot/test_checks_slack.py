"""`inbox-bot check` for Slack against the Slack stand-in: token, scopes, channel, commands, app-level token."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.checks import Check
from bot.checks_slack import MANIFEST_SCOPES, check_scopes, check_slack
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import make_settings
from tests.support.dovecot import free_port

ROOT = Path(__file__).resolve().parents[2]
NO_API = (
    "Slack has no API that lists an app's commands or finds another app's with the same name: compare them under "
    "Slash Commands at api.slack.com/apps"
)


def test_the_scopes_checked_are_the_manifests() -> None:
    for name in ("manifest.yml", "manifest-http.yml"):
        manifest = yaml.safe_load((ROOT / name).read_text())
        assert set(manifest["oauth_config"]["scopes"]["bot"]) == MANIFEST_SCOPES, name


async def test_a_good_setup_passes_each_slack_item(tmp_path: Path, fake_slack: FakeSlack) -> None:
    results = await check_slack(make_settings(tmp_path, fake_slack))
    assert results == [
        Check("Slack token", "connected as @inbox-bot in Example Shop"),
        Check("Slack scopes", "all 9 of manifest.yml's scopes granted"),
        Check("Slack channel", "the bot is a member of C0INBOX and can read it"),
        Check("Slack commands", f"/order, /inbox, /oncall, /inbox-bot, /case as in manifest.yml. {NO_API}"),
        Check("Slack app token", "Socket Mode can connect (apps.connections.open gave an address)"),
    ]
    assert [name for name, _ in fake_slack.calls] == [
        "auth.test",
        "conversations.history",
        "apps.connections.open",
    ]
    assert fake_slack.calls_of("conversations.history")[0]["limit"] == "1"  # reads one message, posts nothing
    assert fake_slack.messages == {}


async def test_a_wrong_bot_token_is_the_only_slack_line(tmp_path: Path, fake_slack: FakeSlack) -> None:
    results = await check_slack(make_settings(tmp_path, fake_slack, slack_bot_token="xoxb-wrong"))
    assert results == [
        Check(
            "Slack token",
            "auth.test failed (invalid_auth): the token is wrong or revoked: copy the Bot User OAuth Token again",
            "error",
        )
    ]
    assert "xoxb-wrong" not in results[0].line()


async def test_an_unreachable_slack_is_explained(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/api/"
    [result] = await check_slack(make_settings(tmp_path, slack_bot_token="xoxb-1", slack_api_url=url))
    assert result == Check(
        "Slack token",
        f"auth.test failed (connection): cannot reach {url}: check the network or INBOX_BOT_SLACK_API_URL",
        "error",
    )


async def test_missing_scopes_are_named_and_extra_ones_mentioned(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.scopes -= {"files:write", "im:write"}
    results = await check_slack(make_settings(tmp_path, fake_slack))
    assert results[1] == Check(
        "Slack scopes",
        "missing files:write, im:write of manifest.yml's scopes: add them under OAuth & Permissions (or paste "
        "manifest.yml again), reinstall the app and copy the new bot token",
        "error",
    )
    fake_slack.scopes |= {"files:write", "im:write", "channels:read"}
    results = await check_slack(make_settings(tmp_path, fake_slack))
    assert results[1] == Check(
        "Slack scopes",
        "all 9 of manifest.yml's scopes granted (also granted: channels:read, which the bot does not use)",
    )


def test_an_answer_without_the_scopes_header_is_a_warning() -> None:
    assert check_scopes(None).severity == "warning"
    assert check_scopes(None).ok


async def test_a_channel_the_bot_is_not_in_is_named(tmp_path: Path, fake_slack: FakeSlack) -> None:
    fake_slack.not_joined.add("C0INBOX")
    results = await check_slack(make_settings(tmp_path, fake_slack))
    assert results[2] == Check(
        "Slack channel",
        "C0INBOX (INBOX_BOT_SLACK_CHANNEL): not_in_channel: the bot is not a member: invite it there "
        "(/invite @inbox-bot)",
        "error",
    )
    [other] = [
        c
        for c in await check_slack(make_settings(tmp_path, fake_slack, slack_channel="C0NONE"))
        if c.item == "Slack channel"
    ]
    assert not other.ok
    assert other.detail.startswith(
        "C0NONE (INBOX_BOT_SLACK_CHANNEL): channel_not_found: no such channel the bot can"
    )


async def test_commands_that_differ_from_the_manifest_are_a_warning(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    settings = make_settings(tmp_path, fake_slack, command_order="/bestellung")
    [commands] = [c for c in await check_slack(settings) if c.item == "Slack commands"]
    assert commands == Check(
        "Slack commands",
        "INBOX_BOT_COMMAND_ORDER=/bestellung (manifest.yml: /order) differs from manifest.yml: the app's commands must "
        f"have these names too. {NO_API}",
        "warning",
    )


async def test_a_command_that_is_no_command_or_twice_the_same_fails(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    settings = make_settings(tmp_path, fake_slack, command_case="case")
    [bad] = [c for c in await check_slack(settings) if c.item == "Slack commands"]
    assert bad == Check(
        "Slack commands",
        "INBOX_BOT_COMMAND_CASE='case' is not a command name: a slash and at most 31 characters, no spaces",
        "error",
    )
    settings = make_settings(tmp_path, fake_slack, command_case="/inbox")
    [twice] = [c for c in await check_slack(settings) if c.item == "Slack commands"]
    assert twice == Check(
        "Slack commands",
        "INBOX_BOT_COMMAND_INBOX and INBOX_BOT_COMMAND_CASE are both /inbox: give each its own",
        "error",
    )


async def test_a_wrong_app_token_fails_and_http_mode_needs_none(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    settings = make_settings(tmp_path, fake_slack, slack_app_token="xapp-wrong")
    [app_token] = [c for c in await check_slack(settings) if c.item == "Slack app token"]
    assert app_token == Check(
        "Slack app token",
        "apps.connections.open failed (invalid_auth): the app-level token is wrong or revoked: create one with "
        "connections:write (Basic Information → App-Level Tokens) for INBOX_BOT_SLACK_APP_TOKEN",
        "error",
    )
    http = make_settings(tmp_path, fake_slack, slack_mode="http", slack_signing_secret="s")
    assert [c.item for c in await check_slack(http)] == [
        "Slack token",
        "Slack scopes",
        "Slack channel",
        "Slack commands",
    ]
