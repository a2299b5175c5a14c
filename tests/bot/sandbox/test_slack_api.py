"""The Slack stand-in: Slack's Web API on the wire (messages, threads, ephemerals, response URLs, people), faults and limits."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.ratelimit import TokenBucket
from bot.sandbox.slack_api import FakeSlack
from tests.bot.sandbox.test_block_kit import section


def client_of(slack: FakeSlack, token: str | None = None) -> AsyncWebClient:
    return AsyncWebClient(token=token or slack.bot_token, base_url=slack.base_url)


async def test_tokens_are_checked_and_the_app_token_only_opens_socket_mode(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as e:
        await client_of(fake_slack, "xoxb-someone-else").auth_test()
    assert e.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as e:
        await client_of(fake_slack, fake_slack.app_token).auth_test()
    assert e.value.response["error"] == "invalid_auth"
    me = await client_of(fake_slack).auth_test()
    assert me["user_id"] == fake_slack.bot_user_id and me["team_id"] == fake_slack.team_id
    opened = await client_of(fake_slack, fake_slack.app_token).apps_connections_open(
        app_token=fake_slack.app_token
    )
    assert opened["url"] == f"ws://127.0.0.1:{fake_slack.port}/link"
    with pytest.raises(SlackApiError) as e:
        await client_of(fake_slack).api_call("chat.doesNotExist")
    assert e.value.response["error"] == "unknown_method"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")
async def test_messages_threads_and_direct_messages_are_kept_as_slack_keeps_them(
    fake_slack: FakeSlack,
) -> None:
    client = client_of(fake_slack)
    heard: list[tuple[str, str]] = []
    fake_slack.on_post.append(lambda channel, message: heard.append((channel, message["text"])))
    card = await client.chat_postMessage(
        channel="C0INBOX", text="card", metadata={"event_type": "card", "event_payload": {"id": 1}}
    )
    reply = await client.chat_postMessage(channel="C0INBOX", text="note", thread_ts=card["ts"])
    assert float(reply["ts"]) > float(card["ts"])
    parent = fake_slack.find_message("C0INBOX", card["ts"])
    assert parent is not None and parent["reply_count"] == 1 and parent["thread_ts"] == card["ts"]
    assert parent["metadata"]["event_payload"] == {"id": 1}
    assert [m["text"] for m in fake_slack.posts("C0INBOX", thread_ts=card["ts"])] == ["note"]
    assert [m["text"] for m in fake_slack.posts(top_level=True)] == ["card"]

    dm = await client.chat_postMessage(channel="U0AGENT", text="only for you")
    assert dm["channel"] == fake_slack.dm_channel("U0AGENT") == "D0AGENT"
    assert heard == [("C0INBOX", "card"), ("C0INBOX", "note"), ("D0AGENT", "only for you")]

    refusals: list[tuple[dict[str, Any], str]] = [
        ({"channel": "C0ELSEWHERE", "text": "x"}, "channel_not_found"),
        ({"channel": "C0INBOX", "text": ""}, "no_text"),
        ({"channel": "C0INBOX", "text": "x", "thread_ts": "1.000000"}, "thread_not_found"),
    ]
    for kwargs, error in refusals:
        with pytest.raises(SlackApiError) as e:
            await client.chat_postMessage(**kwargs)
        assert e.value.response["error"] == error
    assert len(fake_slack.calls_of("chat.postMessage")) == 6


async def test_an_update_replaces_text_and_blocks_and_keeps_blocks_it_was_not_given(
    fake_slack: FakeSlack,
) -> None:
    client = client_of(fake_slack)
    card = await client.chat_postMessage(channel="C0INBOX", text="v1", blocks=[section("one")])
    await client.chat_update(channel="C0INBOX", ts=card["ts"], text="v2")
    message = fake_slack.find_message("C0INBOX", card["ts"])
    assert message is not None and message["text"] == "v2" and message["blocks"] == [section("one")]
    assert "edited" in message
    await client.chat_update(channel="C0INBOX", ts=card["ts"], text="v3", blocks=[section("two")])
    assert message["blocks"] == [section("two")]
    with pytest.raises(SlackApiError) as e:
        await client.chat_update(channel="C0INBOX", ts="1.000000", text="x")
    assert e.value.response["error"] == "message_not_found"


async def test_injected_faults_answer_the_next_calls_then_slack_recovers(fake_slack: FakeSlack) -> None:
    client = client_of(fake_slack)
    fake_slack.fail("chat.postMessage", retry_after=7, times=2)
    fake_slack.fail("chat.postMessage", status=200, error="fatal_error", retry_after=None)
    for _ in range(2):
        with pytest.raises(SlackApiError) as e:
            await client.chat_postMessage(channel="C0INBOX", text="x")
        assert e.value.response.status_code == 429 and e.value.response.headers["Retry-After"] == "7"
    with pytest.raises(SlackApiError) as e:
        await client.chat_postMessage(channel="C0INBOX", text="x")
    assert e.value.response["error"] == "fatal_error" and "Retry-After" not in e.value.response.headers
    assert (await client.chat_postMessage(channel="C0INBOX", text="x"))["ok"]
    assert len(fake_slack.posts()) == 1  # refused calls stored nothing


async def test_the_posting_limit_is_per_channel_with_a_retry_after(fake_slack: FakeSlack) -> None:
    fake_slack.channels.add("C0OTHER")
    fake_slack.post_limit = TokenBucket(rate=1.0, burst=2)
    client = client_of(fake_slack)
    await client.chat_postMessage(channel="C0INBOX", text="1")
    await client.chat_postMessage(channel="C0INBOX", text="2")
    with pytest.raises(SlackApiError) as e:
        await client.chat_postMessage(channel="C0INBOX", text="3")
    assert e.value.response.status_code == 429 and e.value.response["error"] == "ratelimited"
    assert int(e.value.response.headers["Retry-After"]) >= 1
    assert (await client.chat_postMessage(channel="C0OTHER", text="elsewhere"))["ok"]
    assert [m["text"] for m in fake_slack.posts()] == ["1", "2", "elsewhere"]


async def test_a_held_call_is_carried_out_but_never_answered(fake_slack: FakeSlack) -> None:
    fake_slack.hold("chat.postMessage")
    call = asyncio.create_task(client_of(fake_slack).chat_postMessage(channel="C0INBOX", text="card"))
    await fake_slack.wait_for(lambda: len(fake_slack.posts()) == 1)
    await asyncio.sleep(0.2)
    assert not call.done()  # the caller would die waiting: the post exists, its answer never came
    call.cancel()
    assert (await client_of(fake_slack).chat_postMessage(channel="C0INBOX", text="next"))["ok"]  # once only


async def test_answers_through_a_response_url(fake_slack: FakeSlack) -> None:
    card = fake_slack._m_chat_postMessage({"channel": "C0INBOX", "text": "card", "blocks": [section("card")]})
    async with aiohttp.ClientSession() as session:

        async def respond(url: str, body: Any) -> int:
            data = body if isinstance(body, str) else json.dumps(body)
            async with session.post(url, data=data) as response:
                return response.status

        assert await respond(fake_slack.response_url("U0AGENT", "C0INBOX"), {"text": "only you"}) == 200
        [ephemeral] = fake_slack.ephemerals
        assert ephemeral["user"] == "U0AGENT" and ephemeral["text"] == "only you"
        shared = {"text": "everyone", "response_type": "in_channel"}
        assert await respond(fake_slack.response_url("U0AGENT", "C0INBOX"), shared) == 200
        assert [m["text"] for m in fake_slack.posts()] == ["card", "everyone"]

        on_card = fake_slack.response_url("U0AGENT", "C0INBOX", card["ts"])
        assert await respond(on_card, {"text": "redrawn", "replace_original": True}) == 200
        assert fake_slack.posts()[0]["text"] == "redrawn" and fake_slack.posts()[0]["blocks"] == []
        on_ephemeral = fake_slack.response_url("U0AGENT", "C0INBOX", ephemeral["ts"])
        assert await respond(on_ephemeral, {"delete_original": True}) == 200
        assert fake_slack.ephemerals == []

        assert await respond(fake_slack.response_url("U0AGENT", "C0INBOX"), "not json{") == 400
    assert fake_slack.refused == []


async def test_a_response_url_refuses_a_json_body_that_is_no_object(fake_slack: FakeSlack) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(fake_slack.response_url("U0AGENT", "C0INBOX"), json="only you") as response,
    ):
        assert response.status == 400


@pytest.mark.slack_refusals
async def test_a_response_url_refuses_blocks_slack_would_refuse(fake_slack: FakeSlack) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            fake_slack.response_url("U0AGENT", "C0INBOX"), json={"text": "t", "blocks": [{"type": "bogus"}]}
        ) as response,
    ):
        assert response.status == 400 and await response.text() == "invalid_blocks"
    assert fake_slack.ephemerals == [] and "unknown block type" in fake_slack.refused[0]


async def test_people_lookups_permalinks_and_the_home_tab(fake_slack: FakeSlack) -> None:
    client = client_of(fake_slack)
    assert (await client.users_info(user="U0LEAD"))["user"]["profile"]["title"] == "Team lead"
    fake_slack.usergroups["S0CS"] = ["U0AGENT", "U0ONCALL"]
    assert (await client.usergroups_users_list(usergroup="S0CS"))["users"] == ["U0AGENT", "U0ONCALL"]
    card = await client.chat_postMessage(channel="C0INBOX", text="card")
    link = (await client.chat_getPermalink(channel="C0INBOX", message_ts=card["ts"]))["permalink"]
    assert link.endswith(f"/#C0INBOX/{card['ts']}")
    await client.views_publish(user_id="U0AGENT", view={"type": "home", "blocks": [section("Mine (0)")]})
    assert fake_slack.home_views["U0AGENT"]["blocks"] == [section("Mine (0)")]
    for call, error in (
        (client.users_info(user="U0NOBODY"), "user_not_found"),
        (client.usergroups_users_list(usergroup="S0NONE"), "no_such_subteam"),
        (client.chat_getPermalink(channel="C0INBOX", message_ts="1.000000"), "message_not_found"),
        (client.views_publish(user_id="U0NOBODY", view={"type": "home", "blocks": []}), "user_not_found"),
        (client.chat_postEphemeral(channel="C0INBOX", user="U0NOBODY", text="x"), "user_not_in_channel"),
    ):
        with pytest.raises(SlackApiError) as e:
            await call
        assert e.value.response["error"] == error


async def test_every_answer_names_the_tokens_scopes(fake_slack: FakeSlack) -> None:
    from bot.checks_slack import MANIFEST_SCOPES

    me = await client_of(fake_slack).auth_test()
    assert set(me.headers["x-oauth-scopes"].split(",")) == MANIFEST_SCOPES  # what the app's manifest grants
    fake_slack.scopes = {"chat:write"}
    assert (await client_of(fake_slack).auth_test()).headers["x-oauth-scopes"] == "chat:write"
