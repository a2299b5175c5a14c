"""The demo page's routes on the Slack stand-in: the page, its state (long-polled), and what a visitor does."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.mail.parser import parse_relay_mail
from bot.sandbox import page
from bot.sandbox.demo import Demo
from bot.sandbox.people import People
from tests.bot.sandbox.conftest import MODAL as REPLY_MODAL
from tests.support.clock import TEAM_TIME

# the reply modal with a text to read instead of a field to fill
MODAL = {
    **REPLY_MODAL,
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Reply to the buyer"}}],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Visitor:
    """The page's browser: calls the page's routes."""

    def __init__(self, demo: Demo, session: aiohttp.ClientSession) -> None:
        self.demo, self.session = demo, session

    async def get(self, path: str) -> tuple[int, str, str]:
        async with self.session.get(self.demo.url.rstrip("/") + path) as response:
            return response.status, response.content_type, await response.text()

    async def state(self, query: str = "") -> dict[str, Any]:
        async with self.session.get(self.demo.url + "demo/state" + query) as response:
            assert response.status == 200
            state: dict[str, Any] = await response.json()
            return state

    async def post(
        self, route: str, body: Any = None, *, raw: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        url = self.demo.url + "demo/" + route
        kwargs: dict[str, Any] = {"data": raw} if raw is not None else {"json": body}
        async with self.session.post(url, **kwargs) as response:
            data = (
                await response.json()
                if response.content_type == "application/json"
                else {"text": await response.text()}
            )
            return response.status, data


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    """A demo world with its page served and no bot: the routes alone."""
    world = Demo(port=free_port(), workdir=tmp_path, start=TEAM_TIME)
    await world.slack.start(lambda app: page.add_routes(app, world))
    yield world
    await world.slack.stop()


@pytest.fixture
async def visitor(demo: Demo) -> AsyncIterator[Visitor]:
    async with aiohttp.ClientSession() as session:
        yield Visitor(demo, session)


@pytest.fixture
async def app(demo: Demo) -> AsyncIterator[list[str]]:
    """A Bolt app standing in for inbox-bot: it takes every command, click, submission and Home opening."""
    bolt = AsyncApp(client=AsyncWebClient(token=demo.slack.bot_token, base_url=demo.slack.base_url))
    seen: list[str] = []

    @bolt.command("/order")
    async def order(ack: Any, command: dict[str, Any]) -> None:
        await ack(text=f"Looking up {command['text']}")
        seen.append("command")

    @bolt.action("open")
    async def open_modal(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=MODAL)
        seen.append("click")

    @bolt.view("reply")
    async def submit(ack: Any) -> None:
        await ack()
        seen.append("submit")

    @bolt.event("message")
    async def message(event: dict[str, Any]) -> None:
        seen.append("message " + event["text"])

    @bolt.event("app_home_opened")
    async def home(event: dict[str, Any]) -> None:
        seen.append("home " + event["user"])

    handler = AsyncSocketModeHandler(bolt, demo.slack.app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    yield seen
    await handler.close_async()  # type: ignore[no-untyped-call]


async def test_the_page_and_only_its_own_assets_are_served(visitor: Visitor) -> None:
    status, kind, html = await visitor.get("/")
    assert status == 200 and kind == "text/html" and '<script src="/static/page.js">' in html
    assert (await visitor.get("/static/page.js"))[:2] == (200, "text/javascript")
    assert (await visitor.get("/static/page.css"))[:2] == (200, "text/css")
    assert (await visitor.get("/static/page.html"))[0] == 404
    assert (await visitor.get("/static/..%2Fdemo.py"))[0] == 404


async def test_the_state_is_what_one_person_sees(demo: Demo, visitor: Visitor) -> None:
    card = demo.slack._m_chat_postMessage({"channel": "C0INBOX", "text": "a card"})
    demo.slack._m_chat_postEphemeral({"channel": "C0INBOX", "user": "U0LEAD", "text": "only Lena"})
    await AsyncWebClient(token=demo.slack.bot_token, base_url=demo.slack.base_url).views_open(
        trigger_id=demo.slack.new_trigger("U0LEAD"), view=MODAL
    )
    demo.slack.home_views["U0LEAD"] = {"type": "home", "blocks": []}
    mail = EmailMessage()
    mail["To"], mail["Subject"] = "buyer@marketplace.amazon.de", "Re: Rechnung"
    mail.set_content("Hallo")
    demo.relay.receive(mail)

    agent = await visitor.state()  # the agent by default
    assert abs(datetime.fromisoformat(agent["now"]) - TEAM_TIME) < timedelta(seconds=5)  # the demo's clock
    assert agent["speed"] == 1.0
    assert agent["channel"] == {"id": "C0INBOX", "name": "amazon-inbox"}
    assert [m["ts"] for m in agent["messages"]] == [card["ts"]]
    assert agent["ephemerals"] == [] and agent["view"] is None and agent["home"] is None
    assert {u["id"] for u in agent["users"]} == {"U0AGENT", "U0ONCALL", "U0LEAD"}
    assert [m["subject"] for m in agent["mails"]] == ["Re: Rechnung"]

    lead = await visitor.state("?user=U0LEAD")
    assert [e["text"] for e in lead["ephemerals"]] == ["only Lena"]
    assert lead["view"]["title"]["text"] == "Reply" and lead["home"] == {"type": "home", "blocks": []}


async def test_the_state_waits_for_a_change_after_the_version_the_page_has(
    demo: Demo, visitor: Visitor
) -> None:
    version = (await visitor.state())["version"]
    assert (await visitor.state(f"?since={version - 1}"))["version"] == version  # behind: answered at once
    waiting = asyncio.create_task(visitor.state(f"?since={version}"))
    await asyncio.sleep(0.3)
    assert not waiting.done()  # nothing changed: the page's request is held
    await demo.slack.notify()
    assert (await asyncio.wait_for(waiting, 5))["version"] > version


async def test_a_buyer_message_lands_in_the_mailbox_as_amazons_relay_mail(
    demo: Demo, visitor: Visitor
) -> None:
    status, answer = await visitor.post(
        "buyer",
        {
            "name": "Eva Beispiel",
            "text": "Wo ist mein Paket?",
            "language": "de",
            "order_id": "30212345671234567",
        },
    )
    assert status == 200 and answer["ok"]
    path = demo.maildir / "new" / answer["file"]
    parsed = parse_relay_mail(path.read_bytes())
    assert parsed.buyer_name == "Eva Beispiel" and parsed.order_id == "302-1234567-1234567"
    assert parsed.language == "de" and parsed.marketplace == "amazon.de"
    assert parsed.text == "Wo ist mein Paket?"
    assert parsed.date is not None and abs((parsed.date - demo.clock.now()).total_seconds()) < 5

    status, answer = await visitor.post(
        "buyer", {"name": "Joe " + "x" * 200, "text": "Where?", "topic": "shipping"}
    )
    parsed = parse_relay_mail((demo.maildir / "new" / answer["file"]).read_bytes())
    assert parsed.marketplace == "amazon.com" and parsed.order_id is None and parsed.topic == "Shipping"
    assert parsed.buyer_name is not None and len(parsed.buyer_name) == 100


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"name": "", "text": "hi"}, "a buyer needs a name and a message"),
        ({"name": "Eva", "text": "   "}, "a buyer needs a name and a message"),
        ({"name": "Eva", "text": "x" * (page.MAX_BUYER_TEXT + 1)}, "at most 20000 characters"),
        ({"name": "Eva", "text": "hi", "order_id": "12-34"}, "looks like 302-1234567-1234567"),
    ],
)
async def test_a_buyer_message_the_page_cannot_send_is_refused_with_why(
    demo: Demo, visitor: Visitor, body: dict[str, str], why: str
) -> None:
    status, answer = await visitor.post("buyer", body)
    assert status == 400 and why in answer["error"]
    assert not (demo.maildir / "new").exists() or list((demo.maildir / "new").iterdir()) == []


async def test_requests_the_page_would_never_send_are_refused(visitor: Visitor) -> None:
    assert (await visitor.post("buyer", raw="not json"))[0] == 400
    assert (await visitor.post("click", ["a", "list"]))[0] == 400
    status, answer = await visitor.post("home", {"user": "U0STRANGER"})
    assert status == 400 and "unknown user 'U0STRANGER'" in answer["text"]
    status, answer = await visitor.post("say", {"user": "U0AGENT", "channel": "C0INBOX", "text": "  "})
    assert status == 400 and answer["error"] == "write something first"
    status, answer = await visitor.post(
        "command", {"user": "U0AGENT", "channel": "C0INBOX", "line": "order 1"}
    )
    assert status == 400 and answer["error"] == "a slash command starts with /"
    status, answer = await visitor.post(
        "click", {"user": "U0AGENT", "channel": "C0INBOX", "ts": "1.000000", "action_id": "x"}
    )
    assert status == 404 and "no message 1.000000" in answer["error"]


async def test_when_the_bot_does_not_answer_the_page_says_so(demo: Demo, visitor: Visitor) -> None:
    demo.people = People(demo.slack, ack_timeout=0.2)  # no bot is connected in this test
    status, answer = await visitor.post(
        "command", {"user": "U0AGENT", "channel": "C0INBOX", "line": "/order 1"}
    )
    assert status == 502 and answer["error"].startswith("inbox-bot did not respond")


async def test_what_a_visitor_does_reaches_the_app_as_that_person(
    demo: Demo, visitor: Visitor, app: list[str]
) -> None:
    status, answer = await visitor.post(
        "command", {"user": "U0AGENT", "channel": "C0INBOX", "line": "/order 302-1234567-1234567"}
    )
    assert status == 200 and answer["ack"]["payload"]["text"] == "Looking up 302-1234567-1234567"

    button = {"type": "button", "action_id": "open", "text": {"type": "plain_text", "text": "Reply"}}
    card = demo.slack._m_chat_postMessage(
        {"channel": "C0INBOX", "text": "card", "blocks": [{"type": "actions", "elements": [button]}]}
    )
    status, _ = await visitor.post(
        "click", {"user": "U0LEAD", "channel": "C0INBOX", "ts": card["ts"], "action_id": "open"}
    )
    assert status == 200
    await demo.slack.wait_for(lambda: demo.slack.open_view("U0LEAD") is not None)
    assert (await visitor.post("submit", {"user": "U0LEAD", "values": "not a dict"}))[0] == 200
    assert demo.slack.open_view("U0LEAD") is None  # submitted: the modal closed

    await visitor.post(
        "click", {"user": "U0LEAD", "channel": "C0INBOX", "ts": card["ts"], "action_id": "open"}
    )
    await demo.slack.wait_for(lambda: demo.slack.open_view("U0LEAD") is not None)
    assert (await visitor.post("close", {"user": "U0LEAD"}))[0] == 200
    assert demo.slack.open_view("U0LEAD") is None and app.count("submit") == 1  # closed, not submitted

    status, _ = await visitor.post(
        "say", {"user": "U0AGENT", "channel": "C0INBOX", "text": "note", "thread_ts": card["ts"]}
    )
    assert status == 200 and demo.slack.posts("C0INBOX", thread_ts=card["ts"])[0]["user"] == "U0AGENT"
    await demo.slack.wait_for(lambda: "message note" in app)
    assert (await visitor.post("home", {"user": "U0ONCALL"}))[0] == 200
    await demo.slack.wait_for(lambda: "home U0ONCALL" in app)
    assert app[:3] == ["command", "click", "submit"]
