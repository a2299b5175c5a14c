"""One Slack door: every Web API call of the bot goes through bot.services.slack.SlackGateway (pacing, Retry-After, typed
errors, one log line), never through the client directly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.sandbox.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parents[3]
DIRECT_CALL = re.compile(
    r"client\.(?:chat|views|conversations|users|usergroups|reactions|files|apps|auth|team)_\w+\("
)


def test_no_web_api_call_bypasses_the_gateway() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("bot", "handlers", "jobs")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "slack.py" and "sandbox" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if DIRECT_CALL.search(line)
    ]
    assert offenders == [], "call Slack through SlackGateway (bot/services/slack.py)"


def test_granted_scopes_come_from_slacks_header_in_any_case() -> None:
    from bot.services.slack import granted_scopes

    assert granted_scopes({"X-OAuth-Scopes": "chat:write, commands,"}) == {"chat:write", "commands"}
    assert granted_scopes({"content-type": "application/json"}) is None
    assert granted_scopes({"x-oauth-scopes": ""}) == frozenset()


async def test_the_gateway_remembers_the_scopes_and_reads_a_channel(fake_slack: FakeSlack) -> None:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.services.slack import SlackError, SlackGateway

    gateway = SlackGateway(AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url))
    fake_slack.scopes = {"chat:write", "channels:history"}
    await gateway.auth_test()
    assert gateway.scopes == {"chat:write", "channels:history"} and gateway.bot_user_id == "U0INBOXBOT"
    await gateway.read_latest("C0INBOX")
    fake_slack.not_joined.add("C0INBOX")
    with pytest.raises(SlackError) as refused:
        await gateway.read_latest("C0INBOX")
    assert refused.value.code == "not_in_channel"
    assert await gateway.socket_url(fake_slack.app_token) == f"ws://127.0.0.1:{fake_slack.port}/link"


async def test_nothing_is_posted_redrawn_or_shared_once_the_write_check_refuses(
    fake_slack: FakeSlack,
) -> None:
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.services.slack import SlackGateway
    from bot.store.base import LeaseLost

    leading = True

    def still_leading() -> None:  # the store's lease check (Store.assert_leading)
        if not leading:
            raise LeaseLost("the lease was not renewed in time")

    client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url)
    gateway = SlackGateway(client, post_interval=0.01, before_write=still_leading)
    ts = await gateway.post(channel="C0INBOX", text="card", key="card:1")
    leading = False
    with pytest.raises(LeaseLost):
        await gateway.post(channel="C0INBOX", text="another card", key="card:2")
    with pytest.raises(LeaseLost):
        await gateway.update(channel="C0INBOX", ts=ts, text="redrawn")
    with pytest.raises(LeaseLost):
        await gateway.complete_upload(file_id="F1", title="photo", channel="C0INBOX", thread_ts=ts)
    assert [m["text"] for m in fake_slack.posts("C0INBOX")] == ["card"]
    assert (
        fake_slack.calls_of("chat.update") == [] and fake_slack.calls_of("files.completeUploadExternal") == []
    )
    await gateway.ephemeral(channel="C0INBOX", user="U0AGENT", text="only you")  # answers to people still go
    assert len(fake_slack.calls_of("chat.postEphemeral")) == 1
