"""What people do in the Slack stand-in, delivered to a real Bolt app as Slack delivers it: Socket Mode or signed HTTP."""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.people import DeliveryError, People, sign
from bot.sandbox.slack_api import FakeSlack
from tests.bot.sandbox.conftest import MODAL


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


class Recorder:
    """A Bolt app that takes everything and remembers what it got."""

    def __init__(self, slack: FakeSlack, *, http: bool = False) -> None:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.base_url)
        self.app = AsyncApp(
            client=client, signing_secret=slack.signing_secret, request_verification_enabled=http
        )
        self.got: list[tuple[str, Any, list[str] | None]] = []

        def retries(request: AsyncBoltRequest) -> list[str] | None:
            value = request.headers.get("x-slack-retry-num")
            return list(value) if value else None

        @self.app.action({"action_id": re.compile(".*")})
        async def action(ack: Any, body: dict[str, Any]) -> None:
            await ack()
            self.got.append(("action", body, None))

        @self.app.view("reply")
        async def submit(ack: Any, view: dict[str, Any]) -> None:
            what = view["state"]["values"]["body"]["text"]["value"]
            changed = {**MODAL, "title": {"type": "plain_text", "text": what.title()}}
            if what in ("update", "push"):
                await ack(response_action=what, view=changed)
            else:
                await ack(response_action="clear")

        @self.app.command(re.compile(".*"))
        async def command(ack: Any, command: dict[str, Any]) -> None:
            await ack(text=f"ok {command['text']}")
            self.got.append(("command", command, None))

        for kind in ("message", "app_mention", "app_home_opened"):

            async def event(event: dict[str, Any], request: AsyncBoltRequest) -> None:
                self.got.append((event["type"], event, retries(request)))

            self.app.event(kind)(event)

    def of(self, kind: str) -> list[Any]:
        return [body for k, body, _ in self.got if k == kind]


@pytest.fixture
async def recorder(fake_slack: FakeSlack) -> AsyncIterator[Recorder]:
    recorder = Recorder(fake_slack)
    handler = AsyncSocketModeHandler(recorder.app, fake_slack.app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    yield recorder
    await handler.close_async()  # type: ignore[no-untyped-call]


class TenSecondsLater(Clock):
    def now(self) -> float:
        return 1_700_000_010.0


def test_sign_makes_the_headers_slack_sdk_verifies() -> None:
    headers = sign("s3cret", '{"a":1}', timestamp=1_700_000_000)
    assert headers["x-slack-request-timestamp"] == "1700000000"
    verifier = SignatureVerifier("s3cret", clock=TenSecondsLater())
    assert verifier.is_valid('{"a":1}', headers["x-slack-request-timestamp"], headers["x-slack-signature"])
    assert not verifier.is_valid(
        '{"a":2}', headers["x-slack-request-timestamp"], headers["x-slack-signature"]
    )


async def test_a_menu_choice_carries_the_option_and_a_click_in_a_thread_its_thread(
    fake_slack: FakeSlack, recorder: Recorder
) -> None:
    menu = {
        "type": "static_select",
        "action_id": "pick",
        "placeholder": {"type": "plain_text", "text": "More"},
        "option_groups": [
            {
                "label": {"type": "plain_text", "text": "Replies"},
                "options": [{"text": {"type": "plain_text", "text": "Damaged"}, "value": "damaged"}],
            }
        ],
    }
    card = fake_slack._m_chat_postMessage({"channel": "C0INBOX", "text": "card"})
    note = fake_slack._m_chat_postMessage(
        {
            "channel": "C0INBOX",
            "text": "note",
            "thread_ts": card["ts"],
            "blocks": [
                {
                    "type": "section",
                    "block_id": "s",
                    "text": {"type": "mrkdwn", "text": "x"},
                    "accessory": menu,
                }
            ],
        }
    )
    people = People(fake_slack)
    await people.click(
        user="U0AGENT", channel="C0INBOX", message_ts=note["ts"], action_id="pick", selected="damaged"
    )
    await fake_slack.wait_for(lambda: bool(recorder.of("action")))
    [body] = recorder.of("action")
    assert (
        body["actions"][0]["selected_option"]["value"] == "damaged" and body["actions"][0]["block_id"] == "s"
    )
    assert body["container"]["thread_ts"] == card["ts"] and body["container"]["is_ephemeral"] is False
    assert body["response_url"] == fake_slack.response_url("U0AGENT", "C0INBOX", note["ts"])
    assert body["trigger_id"] in fake_slack._triggers  # a fresh trigger the app may open a modal with

    with pytest.raises(KeyError, match="no option"):
        await people.click(
            user="U0AGENT", channel="C0INBOX", message_ts=note["ts"], action_id="pick", selected="x"
        )
    with pytest.raises(KeyError, match="no element"):
        await people.click(user="U0AGENT", channel="C0INBOX", message_ts=note["ts"], action_id="gone")
    with pytest.raises(KeyError, match="no message"):
        await people.click(user="U0AGENT", channel="C0INBOX", message_ts="1.000000", action_id="pick")


async def test_a_click_on_a_message_only_the_person_sees(fake_slack: FakeSlack, recorder: Recorder) -> None:
    button = {
        "type": "button",
        "action_id": "keep",
        "value": "v",
        "text": {"type": "plain_text", "text": "Keep"},
    }
    shown = fake_slack._m_chat_postEphemeral(
        {
            "channel": "C0INBOX",
            "user": "U0AGENT",
            "text": "t",
            "blocks": [{"type": "actions", "elements": [button]}],
        }
    )
    with pytest.raises(KeyError):  # someone else does not see it
        await People(fake_slack).click(
            user="U0LEAD", channel="C0INBOX", message_ts=shown["message_ts"], action_id="keep"
        )
    await People(fake_slack).click(
        user="U0AGENT", channel="C0INBOX", message_ts=shown["message_ts"], action_id="keep", value="other"
    )
    await fake_slack.wait_for(lambda: bool(recorder.of("action")))
    [body] = recorder.of("action")
    assert body["container"]["is_ephemeral"] is True and body["actions"][0]["value"] == "other"


async def test_a_submission_answer_updates_pushes_or_clears_the_modals(
    fake_slack: FakeSlack, recorder: Recorder
) -> None:
    client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url)
    await client.views_open(trigger_id=fake_slack.new_trigger("U0AGENT"), view=MODAL)
    people = People(fake_slack)

    def typed(text: str) -> dict[str, dict[str, Any]]:
        return {"body": {"text": {"type": "plain_text_input", "value": text}}}

    await people.submit_view(user="U0AGENT", values=typed("update"))
    assert fake_slack.open_view("U0AGENT")["title"]["text"] == "Update"  # type: ignore[index]
    await people.submit_view(user="U0AGENT", values=typed("push"))
    assert len(fake_slack.view_stacks["U0AGENT"]) == 2
    assert fake_slack.open_view("U0AGENT")["title"]["text"] == "Push"  # type: ignore[index]
    await people.submit_view(user="U0AGENT", values=typed("done"))
    assert fake_slack.open_view("U0AGENT") is None  # "clear" closes the whole stack
    with pytest.raises(KeyError, match="no open modal"):
        await people.submit_view(user="U0AGENT")


async def test_a_mention_arrives_as_app_mention_and_message_and_retries_say_so(
    fake_slack: FakeSlack, recorder: Recorder
) -> None:
    people = People(fake_slack)
    await people.say(user="U0AGENT", channel="C0INBOX", text=f"<@{fake_slack.bot_user_id}> help", retry=2)
    await fake_slack.wait_for(lambda: len(recorder.got) == 2)
    assert sorted((kind, retry) for kind, _, retry in recorder.got) == [
        ("app_mention", ["2"]),
        ("message", ["2"]),
    ]
    await people.open_home(user="U0LEAD")
    await fake_slack.wait_for(lambda: bool(recorder.of("app_home_opened")))
    [home] = recorder.of("app_home_opened")
    assert home["user"] == "U0LEAD" and home["tab"] == "home" and home["channel"] == "D0LEAD"
    assert [m["user"] for m in fake_slack.posts()] == ["U0AGENT"]  # the person's message is in the channel


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def over_http(fake_slack: FakeSlack) -> AsyncIterator[tuple[Recorder, str]]:
    recorder = Recorder(fake_slack, http=True)
    runner = web.AppRunner(recorder.app.web_app())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield recorder, f"http://127.0.0.1:{port}/slack/events"
    await runner.cleanup()


async def test_over_http_commands_clicks_and_events_arrive_signed_as_slack_sends_them(
    fake_slack: FakeSlack, over_http: tuple[Recorder, str]
) -> None:
    recorder, url = over_http
    people = People(fake_slack, http_url=url)
    ack = await people.command(
        user="U0AGENT", channel="C0INBOX", command="/order", text="302-1234567-1234567"
    )
    assert ack == {"payload": {"text": "ok 302-1234567-1234567"}}  # the app's answer to the request
    card = fake_slack._m_chat_postMessage(
        {
            "channel": "C0INBOX",
            "text": "card",
            "blocks": [
                {
                    "type": "actions",
                    "elements": [
                        {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}}
                    ],
                }
            ],
        }
    )
    assert await people.click(user="U0AGENT", channel="C0INBOX", message_ts=card["ts"], action_id="go") == {}
    await people.say(user="U0AGENT", channel="C0INBOX", text="hello", thread_ts=card["ts"], retry=1)
    await fake_slack.wait_for(lambda: bool(recorder.of("message")))
    assert [k for k, _, _ in recorder.got] == ["command", "action", "message"]
    assert recorder.got[-1][2] == ["1"] and recorder.of("message")[0]["thread_ts"] == card["ts"]

    fake_slack.signing_secret = "someone-elses"  # the app now refuses what the stand-in signs
    with pytest.raises(DeliveryError, match="401"):
        await people.command(user="U0AGENT", channel="C0INBOX", command="/order")
