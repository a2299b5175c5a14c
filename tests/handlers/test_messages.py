"""Message events through the whole bot: a thread message reaches the buyer only on purpose; mentions are requests."""

from __future__ import annotations

import asyncio
import json
from email.message import EmailMessage
from pathlib import Path

from bot.mail.source import IncomingMail
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail
from tests.support.clock import pinned_clock
from tests.support.desk import Desk, open_desk
from tests.support.smtp import SmtpServer

# Offer → review → send is the scenario tests/scenarios/test_reply.py::test_thread_messages_stay_internal_unless_sent_on_purpose;
# `@inbox-bot order|claim|send` in a card's thread is tests/handlers/test_commands.py::test_mentions_in_a_card_thread.


async def test_only_a_team_members_message_in_a_buyers_card_thread_is_offered(desk: Desk) -> None:
    await desk.deps.intake.handle(IncomingMail(fixture_mail("notice_atoz.eml"), "t2", pinned_clock().now()))
    await desk.slack.wait_for(lambda: len(desk.slack.posts(top_level=True)) == 2)
    notice = desk.slack.posts(top_level=True)[1]
    card = desk.card
    chat = desk.slack._m_chat_postMessage({"channel": "C0INBOX", "text": "lunch?"})
    await desk.say("U0AGENT", "top-level, not in a thread")
    await desk.say("U0AGENT", "in the thread of no card", thread_ts=chat["ts"])
    await desk.say("U0AGENT", "about the claim", thread_ts=notice["ts"])  # a notice has no buyer to answer
    base = {"type": "message", "channel": "C0INBOX", "thread_ts": card["ts"], "channel_type": "channel"}
    for n, extra in enumerate(
        [
            {"user": "U0AGENT", "text": "from a bot", "bot_id": "B0OTHER"},
            {"user": "U0AGENT", "text": "edited", "subtype": "message_changed"},
            {"user": desk.slack.bot_user_id, "text": "the bot's own"},
        ]
    ):
        await desk.people.send_event({**base, **extra, "ts": f"1.00000{n}"})
    await desk.say("U0AGENT", "Rechnung kommt gleich.", thread_ts=card["ts"])  # the one to offer
    await desk.slack.wait_for(lambda: bool(desk.seen_by("U0AGENT")))
    await asyncio.sleep(0.2)
    [offer] = desk.slack.ephemerals
    assert offer["user"] == "U0AGENT" and offer["thread_ts"] == card["ts"]
    blocks = json.dumps(offer["blocks"], ensure_ascii=False)
    assert (
        "> Rechnung kommt gleich." in blocks
        and "Review and send to buyer" in blocks
        and "Keep internal" in blocks
    )
    [message] = desk.slack.posts("C0INBOX", thread_ts=card["ts"])
    assert f'"value": "{card["ts"]}|{message["ts"]}"' in blocks  # the offer points at that message
    assert desk.smtp.messages == []


async def test_a_mention_in_a_thread_is_a_request_not_a_message_for_the_buyer(desk: Desk) -> None:
    told = await desk.mention("U0AGENT", "help", desk.card["ts"])
    assert "/order 302-1234567-1234567" in told
    await asyncio.sleep(0.2)
    assert not any("Send this to the buyer" in e["text"] for e in desk.slack.ephemerals)


async def test_mentions_outside_a_card_thread_say_where_they_work(desk: Desk) -> None:
    assert "Which order?" in await desk.mention("U0AGENT", "order")
    assert "Claim from a card's thread" in await desk.mention("U0AGENT", "claim")
    assert "`send` works in a card's thread" in await desk.mention("U0AGENT", "send damaged")
    assert "*inbox-bot* answers Amazon buyers" in await desk.mention("U0AGENT", "")  # no verb: help
    assert "*inbox-bot* answers Amazon buyers" in await desk.mention("U0AGENT", "dance")
    assert desk.deps.store.conversations()[0]["claimed_by"] is None and desk.smtp.messages == []


async def test_send_with_an_unknown_template_lists_the_templates(desk: Desk) -> None:
    told = await desk.mention("U0LEAD", "send thank_you_so_much", desk.card["ts"])
    assert told.startswith(":warning: There is no template “thank_you_so_much”. Templates: ")
    assert "invoice_request" in told and "damaged" in told
    assert desk.smtp.messages == []


async def test_when_thread_replies_are_off_nothing_is_offered(
    tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer
) -> None:
    async with open_desk(tmp_path, fake_slack, smtp, thread_reply_mode="off") as desk:
        await desk.say("U0AGENT", "Rechnung kommt gleich.", thread_ts=desk.card["ts"])
        await desk.mention("U0AGENT", "help", desk.card["ts"])  # mentions still work
        await asyncio.sleep(0.2)
        assert [e["text"] for e in desk.slack.ephemerals if "Send this" in e["text"]] == []


async def test_in_prefix_mode_only_prefixed_messages_go_to_the_buyer_after_the_guard(
    tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer
) -> None:
    async with open_desk(tmp_path, fake_slack, smtp, thread_reply_mode="prefix") as desk:
        ts = desk.card["ts"]
        await desk.say("U0AGENT", "Intern: Rechnung liegt im ERP.", thread_ts=ts)
        await desk.say("U0AGENT", "!buyer Schreiben Sie an service@example-shop.de", thread_ts=ts)
        await desk.slack.wait_for(lambda: bool(desk.seen_by("U0AGENT")))
        [warning] = desk.seen_by("U0AGENT")
        assert warning["text"].startswith(":warning: ") and "e-mail addresses" in warning["text"]
        assert warning["thread_ts"] == ts

        await desk.say("U0AGENT", "!buyer Guten Tag, die Rechnung ist unterwegs.", thread_ts=ts)
        await eventually(lambda: len(desk.smtp.messages) == 1, what="the reply")
        [mail] = desk.smtp.messages
        assert isinstance(mail, EmailMessage)
        text = mail.get_content()
        assert (
            "Guten Tag, die Rechnung ist unterwegs." in text and "!buyer" not in text and "Intern" not in text
        )
        assert [s["by_user"] for s in desk.deps.store.sends()] == ["U0AGENT"]
        assert not any("Send this" in e["text"] for e in desk.slack.ephemerals)  # no offers in this mode
