"""The Slack stand-in with a real Bolt app over Socket Mode: clicks, modals, commands, thread messages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.people import DeliveryError, People
from bot.sandbox.slack_api import FakeSlack

MODAL = {
    "type": "modal",
    "callback_id": "reply",
    "title": {"type": "plain_text", "text": "Reply"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [
        {
            "type": "input",
            "block_id": "body",
            "label": {"type": "plain_text", "text": "Text"},
            "element": {"type": "plain_text_input", "action_id": "text", "initial_value": "Hello"},
        }
    ],
}


@pytest.fixture
async def bolt(fake_slack: FakeSlack) -> AsyncIterator[tuple[AsyncApp, list[Any]]]:
    client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url)
    app = AsyncApp(client=client, request_verification_enabled=False)
    seen: list[Any] = []

    @app.action("open")
    async def open_modal(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        seen.append(("action", body["user"]["id"], body["actions"][0]["value"]))
        await client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @app.view("reply")
    async def submit(ack: Any, view: dict[str, Any]) -> None:
        text = view["state"]["values"]["body"]["text"]["value"]
        if "http" in text:
            await ack(response_action="errors", errors={"body": "No links, please"})
            return
        await ack()
        seen.append(("submitted", text))

    @app.command("/order")
    async def order(ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack()
        await respond(f"Order {command['text']} for <@{command['user_id']}>")

    @app.event("message")
    async def message(event: dict[str, Any]) -> None:
        seen.append(("message", event["user"], event.get("thread_ts")))

    handler = AsyncSocketModeHandler(app, fake_slack.app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    yield app, seen
    await handler.close_async()  # type: ignore[no-untyped-call]


async def test_click_opens_a_modal_and_submission_errors_keep_it_open(
    fake_slack: FakeSlack, bolt: tuple[AsyncApp, list[Any]]
) -> None:
    _, seen = bolt
    people = People(fake_slack)
    button = {
        "type": "button",
        "action_id": "open",
        "value": "conv-7",
        "text": {"type": "plain_text", "text": "Reply"},
    }
    card = fake_slack._m_chat_postMessage(
        {
            "channel": "C0INBOX",
            "text": "card",
            "blocks": [{"type": "actions", "block_id": "b", "elements": [button]}],
        }
    )
    await people.click(user="U0AGENT", channel="C0INBOX", message_ts=card["ts"], action_id="open")
    await fake_slack.wait_for(lambda: fake_slack.open_view("U0AGENT") is not None)
    assert seen == [("action", "U0AGENT", "conv-7")]
    assert fake_slack.open_view("U0AGENT")["title"]["text"] == "Reply"  # type: ignore[index]

    bad = {"body": {"text": {"type": "plain_text_input", "value": "see http://x"}}}
    ack = await people.submit_view(user="U0AGENT", values=bad)
    assert ack["payload"] == {"response_action": "errors", "errors": {"body": "No links, please"}}
    assert fake_slack.open_view("U0AGENT") is not None  # still open, as in Slack

    await people.submit_view(user="U0AGENT")  # the initial value, untouched
    assert seen[-1] == ("submitted", "Hello")
    assert fake_slack.open_view("U0AGENT") is None


async def test_a_trigger_id_works_once_and_expires(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url)
    trigger = fake_slack.new_trigger("U0AGENT")
    assert (await client.views_open(trigger_id=trigger, view=MODAL))["ok"]
    with pytest.raises(Exception, match="invalid_trigger_id"):
        await client.views_open(trigger_id=trigger, view=MODAL)
    old = fake_slack.new_trigger("U0AGENT")
    user, created = fake_slack._triggers[old]
    fake_slack._triggers[old] = (user, created - 4)
    with pytest.raises(Exception, match="expired_trigger_id"):
        await client.views_open(trigger_id=old, view=MODAL)


async def test_command_answer_reaches_only_the_person_and_messages_are_heard(
    fake_slack: FakeSlack, bolt: tuple[AsyncApp, list[Any]]
) -> None:
    _, seen = bolt
    people = People(fake_slack)
    await people.command(user="U0LEAD", channel="C0INBOX", command="/order", text="302-1234567-1234567")
    await fake_slack.wait_for(lambda: bool(fake_slack.ephemerals))
    [answer] = fake_slack.ephemerals
    assert answer["user"] == "U0LEAD" and "302-1234567-1234567" in answer["text"]
    assert fake_slack.posts() == []  # nobody else sees it

    card = fake_slack._m_chat_postMessage({"channel": "C0INBOX", "text": "card"})
    await people.say(user="U0AGENT", channel="C0INBOX", text="looking into it", thread_ts=card["ts"])
    assert ("message", "U0AGENT", card["ts"]) in seen
    assert fake_slack.find_message("C0INBOX", card["ts"])["reply_count"] == 1  # type: ignore[index]

    with pytest.raises(DeliveryError, match="did not acknowledge"):
        await People(fake_slack, ack_timeout=0.5).command(
            user="U0AGENT", channel="C0INBOX", command="/unknown"
        )
