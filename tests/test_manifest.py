"""The Slack app manifests ask for what the bot uses: its commands, events, scopes and interactivity."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.settings_sources import settings_from

ROOT = Path(__file__).resolve().parents[1]


def test_manifests_match_the_bot() -> None:
    defaults = settings_from()
    for name, socket in (("manifest.yml", True), ("manifest-http.yml", False)):
        manifest = yaml.safe_load((ROOT / name).read_text())
        commands = {c["command"] for c in manifest["features"]["slash_commands"]}
        assert commands == {
            defaults.command_order,
            defaults.command_inbox,
            defaults.command_oncall,
            defaults.command_help,
            defaults.command_case,
        }
        events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
        assert {"message.channels", "app_mention", "app_home_opened"} <= events
        scopes = set(manifest["oauth_config"]["scopes"]["bot"])
        assert {
            "chat:write",
            "commands",
            "channels:history",
            "app_mentions:read",
            "usergroups:read",
            "im:write",
        } <= scopes
        assert manifest["settings"]["interactivity"]["is_enabled"] is True
        assert manifest["settings"]["socket_mode_enabled"] is socket
        assert manifest["features"]["app_home"]["home_tab_enabled"] is True
        if not socket:
            assert all(c["url"].endswith("/slack/events") for c in manifest["features"]["slash_commands"])
            assert manifest["settings"]["event_subscriptions"]["request_url"].endswith("/slack/events")


def test_readme_shows_the_manifest() -> None:
    readme = (ROOT / "README.md").read_text()
    assert (ROOT / "manifest.yml").read_text().strip() in readme
