"""Message events through the whole bot: a thread message reaches the buyer only on purpose; mentions are requests."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from bot.deps import Deps
from bot.mail.source import IncomingMail
from bot.sandbox.people import People
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail, make_settings, running_bot
from tests.support.clock import pinned_clock
from tests.support.smtp import SmtpServer

# Offer → review → send is the scenario tests/scenarios/test_reply.py::test_thread_messages_stay_internal_unless_sent_on_purpose;
# `@inbox-bot order|claim|send` in a card's thread is tests/handlers/test_commands.py::test_mentions_in_a_card_thread.


class Channel:
    """The running bot with a buyer's card (de_invoice.eml), and the people writing in the channel."""

    def __init__(self, deps: Deps, slack: FakeSlack, smtp: SmtpServer) -> None:
        self.deps, self.slack, self.smtp = deps, slack, smtp
        self.people = People(slack)

    @property
    def card(self) -> dict[str, Any]:
        return self.slack.posts("C0INBOX", top_level=True)[0]

    def seen_by(self, user: str) -> list[dict[str, Any]]:
        return [e for e in self.slack.ephemerals if e["user"] == user]

    async def say(self, user: str, text: str, thread_ts: str | None = None) -> None:
        await self.people.say(user=user, channel="C0INBOX", text=text, thread_ts=thread_ts)

    async def mention(self, user: str, text: str, thread_ts: str | None = None) -> str:
        """Mention the bot and return what only `user` is told in answer (its text, then its blocks)."""
        before = len(self.seen_by(user))
        await self.say(user, f"<@{self.slack.bot_user_id}> {text}", thread_ts)
        await self.slack.wait_for(lambda: len(self.seen_by(user)) > before)
        answer = self.seen_by(user)[-1]
        return f"{answer['text']}\n{json.dumps(answer['blocks'], ensure_ascii=False)}"


@contextlib.asynccontextmanager
async def open_channel(
    tmp_path: Path, slack: FakeSlack, smtp: SmtpServer, **overrides: Any
) -> AsyncIterator[Channel]:
    settings = make_settings(tmp_path, slack, **smtp.settings(), **overrides)
    async with running_bot(settings) as deps:
        await deps.ready.wait()
        await deps.intake.handle(IncomingMail(fixture_mail("de_invoice.eml"), "t1", pinned_clock().now()))
        await slack.wait_for(lambda: len(slack.posts()) == 1)
        yield Channel(deps, slack, smtp)


@pytest.fixture
async def channel(tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer) -> AsyncIterator[Channel]:
    async with open_channel(tmp_path, fake_slack, smtp) as c:
        yield c


async def test_only_a_team_members_message_in_a_buyers_card_thread_is_offered(channel: Channel) -> None:
    await channel.deps.intake.handle(
        IncomingMail(fixture_mail("notice_atoz.eml"), "t2", pinned_clock().now())
    )
    await channel.slack.wait_for(lambda: len(channel.slack.posts(top_level=True)) == 2)
    notice = channel.slack.posts(top_level=True)[1]
    card = channel.card
    chat = channel.slack._m_chat_postMessage({"channel": "C0INBOX", "text": "lunch?"})
    await channel.say("U0AGENT", "top-level, not in a thread")
    await channel.say("U0AGENT", "in the thread of no card", thread_ts=chat["ts"])
    await channel.say("U0AGENT", "about the claim", thread_ts=notice["ts"])  # a notice has no buyer to answer
    base = {"type": "message", "channel": "C0INBOX", "thread_ts": card["ts"], "channel_type": "channel"}
    for n, extra in enumerate(
        [
            {"user": "U0AGENT", "text": "from a bot", "bot_id": "B0OTHER"},
            {"user": "U0AGENT", "text": "edited", "subtype": "message_changed"},
            {"user": channel.slack.bot_user_id, "text": "the bot's own"},
        ]
    ):
        await channel.people.send_event({**base, **extra, "ts": f"1.00000{n}"})
    await channel.say("U0AGENT", "Rechnung kommt gleich.", thread_ts=card["ts"])  # the one to offer
    await channel.slack.wait_for(lambda: bool(channel.seen_by("U0AGENT")))
    await asyncio.sleep(0.2)
    [offer] = channel.slack.ephemerals
    assert offer["user"] == "U0AGENT" and offer["thread_ts"] == card["ts"]
    blocks = json.dumps(offer["blocks"], ensure_ascii=False)
    assert (
        "> Rechnung kommt gleich." in blocks
        and "Review and send to buyer" in blocks
        and "Keep internal" in blocks
    )
    [message] = channel.slack.posts("C0INBOX", thread_ts=card["ts"])
    assert f'"value": "{card["ts"]}|{message["ts"]}"' in blocks  # the offer points at that message
    assert channel.smtp.messages == []


async def test_a_mention_in_a_thread_is_a_request_not_a_message_for_the_buyer(channel: Channel) -> None:
    told = await channel.mention("U0AGENT", "help", channel.card["ts"])
    assert "/order 302-1234567-1234567" in told
    await asyncio.sleep(0.2)
    assert not any("Send this to the buyer" in e["text"] for e in channel.slack.ephemerals)


async def test_mentions_outside_a_card_thread_say_where_they_work(channel: Channel) -> None:
    assert "Which order?" in await channel.mention("U0AGENT", "order")
    assert "Claim from a card's thread" in await channel.mention("U0AGENT", "claim")
    assert "`send` works in a card's thread" in await channel.mention("U0AGENT", "send damaged")
    assert "*inbox-bot* answers Amazon buyers" in await channel.mention("U0AGENT", "")  # no verb: help
    assert "*inbox-bot* answers Amazon buyers" in await channel.mention("U0AGENT", "dance")
    assert channel.deps.store.conversations()[0]["claimed_by"] is None and channel.smtp.messages == []


async def test_send_with_an_unknown_template_lists_the_templates(channel: Channel) -> None:
    told = await channel.mention("U0LEAD", "send thank_you_so_much", channel.card["ts"])
    assert told.startswith(":warning: There is no template “thank_you_so_much”. Templates: ")
    assert "invoice_request" in told and "damaged" in told
    assert channel.smtp.messages == []


async def test_when_thread_replies_are_off_nothing_is_offered(
    tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer
) -> None:
    async with open_channel(tmp_path, fake_slack, smtp, thread_reply_mode="off") as channel:
        await channel.say("U0AGENT", "Rechnung kommt gleich.", thread_ts=channel.card["ts"])
        await channel.mention("U0AGENT", "help", channel.card["ts"])  # mentions still work
        await asyncio.sleep(0.2)
        assert [e["text"] for e in channel.slack.ephemerals if "Send this" in e["text"]] == []


async def test_in_prefix_mode_only_prefixed_messages_go_to_the_buyer_after_the_guard(
    tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer
) -> None:
    async with open_channel(tmp_path, fake_slack, smtp, thread_reply_mode="prefix") as channel:
        ts = channel.card["ts"]
        await channel.say("U0AGENT", "Intern: Rechnung liegt im ERP.", thread_ts=ts)
        await channel.say("U0AGENT", "!buyer Schreiben Sie an service@example-shop.de", thread_ts=ts)
        await channel.slack.wait_for(lambda: bool(channel.seen_by("U0AGENT")))
        [warning] = channel.seen_by("U0AGENT")
        assert warning["text"].startswith(":warning: ") and "e-mail addresses" in warning["text"]
        assert warning["thread_ts"] == ts

        await channel.say("U0AGENT", "!buyer Guten Tag, die Rechnung ist unterwegs.", thread_ts=ts)
        await eventually(lambda: len(channel.smtp.messages) == 1, what="the reply")
        [mail] = channel.smtp.messages
        assert isinstance(mail, EmailMessage)
        text = mail.get_content()
        assert (
            "Guten Tag, die Rechnung ist unterwegs." in text and "!buyer" not in text and "Intern" not in text
        )
        assert [s["by_user"] for s in channel.deps.store.sends()] == ["U0AGENT"]
        assert not any("Send this" in e["text"] for e in channel.slack.ephemerals)  # no offers in this mode
