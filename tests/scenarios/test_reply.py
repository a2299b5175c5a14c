"""Answering from Slack, through the whole bot: click → modal → guard → SMTP to Amazon's relay, exactly once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually
from tests.support.desk import Desk, open_desk, texts
from tests.support.smtp import SmtpServer

BUYER_ID = "<0100018f-de-invoice-0002@email.amazonses.com>"
ALIAS = "3x7kq2mdl0zy1vd@marketplace.amazon.de"


@pytest.fixture
async def desk(tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer) -> AsyncIterator[Desk]:
    """The bot with the card of de_invoice.eml, and a folder of invoices to attach."""
    (tmp_path / "invoices").mkdir()
    async with open_desk(tmp_path, fake_slack, smtp, invoice_folder=tmp_path / "invoices") as d:
        yield d


async def test_template_click_preview_and_send_reaches_the_buyer_threaded(desk: Desk) -> None:
    card = texts(desk.card["blocks"])
    assert "Rechnung: wo finden" in card  # the invoice request's templates come first
    view = await desk.open_reply("U0AGENT", "reply_template:invoice_request")
    text = view["blocks"][1]["element"]["initial_value"]
    assert (
        text.startswith("Hallo Max Müller,")
        and "302-1234567-1234567" in text
        and "Example Shop Kundenservice" in text
    )

    ack = await desk.submit("U0AGENT")  # sent as rendered
    assert not ack.get("payload")  # accepted: the modal closes
    await eventually(lambda: len(desk.smtp.messages) == 1, what="the e-mail")
    [mail] = desk.smtp.messages
    assert mail["To"] == ALIAS and mail["From"] == "service@example-shop.de"
    assert mail["Subject"] == "Re: Frage von Amazon-Kunde Max Müller (Bestellung: 302-1234567-1234567)"
    assert mail["In-Reply-To"] == BUYER_ID and BUYER_ID in mail["References"]
    assert "Rechnung" in mail.get_payload(decode=True).decode()

    await desk.slack.wait_for(
        lambda: any(
            "Sent to the buyer" in p["text"] or "sent to the buyer" in p["text"] for p in desk.thread()
        )
    )
    note = next(p for p in desk.thread() if "sent to the buyer" in p["text"].lower())
    assert "<@U0AGENT>" in texts(note["blocks"]) and "Rechnung" in texts(note["blocks"])
    await desk.slack.wait_for(lambda: "Answered by <@U0AGENT>" in texts(desk.card["blocks"]))
    conv = desk.deps.store.conversations()[0]
    assert conv["state"] == "answered" and conv["answered_by"] == "U0AGENT"
    actions = [a["action"] for a in desk.deps.store.query("SELECT * FROM audit ORDER BY id")]
    assert {"reply_drafted", "reply_queued", "reply_sent"} <= set(actions)


async def test_the_guard_keeps_the_modal_open_and_nothing_is_sent(desk: Desk) -> None:
    await desk.open_reply("U0AGENT", "reply_blank")
    ack = await desk.submit(
        "U0AGENT", "Hallo, schreiben Sie an service@example-shop.de und bewerten Sie uns!"
    )
    errors = ack["payload"]["errors"]["reply"]
    assert "e-mail addresses" in errors and "review" in errors
    assert desk.slack.open_view("U0AGENT") is not None
    await asyncio.sleep(0.3)
    assert desk.smtp.messages == [] and desk.deps.store.sends() == []


async def test_double_submit_and_two_people_at_once_send_exactly_one_mail(desk: Desk) -> None:
    await desk.open_reply("U0AGENT", "reply_template:invoice_request")
    await desk.open_reply("U0LEAD", "reply_template:invoice_request")
    agent_view = desk.slack.open_view("U0AGENT")
    assert agent_view is not None
    first, second = await asyncio.gather(desk.submit("U0AGENT"), desk.submit("U0LEAD"))
    errors = [a.get("payload", {}).get("errors", {}).get("reply", "") for a in (first, second)]
    assert sum(1 for e in errors if e) == 1
    assert any("already answered" in e for e in errors)  # the second person sees who answered
    # A retry of the same submission (Slack resends, a double click) is the same send.
    metadata = json.loads(agent_view["private_metadata"])
    outcome = desk.deps.replies.submit(metadata, "Hallo", user="U0AGENT")
    assert outcome.send is not None and not outcome.created
    await eventually(lambda: len(desk.smtp.messages) == 1, what="one e-mail")
    await asyncio.sleep(0.3)
    assert len(desk.smtp.messages) == 1 and len(desk.deps.store.sends()) == 1


async def test_refused_send_is_shown_with_retry_and_nothing_is_lost(desk: Desk) -> None:
    desk.smtp.refuse("550 5.7.1 Sender not authorised")
    await desk.open_reply("U0AGENT", "reply_template:invoice_request")
    await desk.submit("U0AGENT")
    await desk.slack.wait_for(lambda: any("NOT sent" in p["text"] for p in desk.thread()))
    note = next(p for p in desk.thread() if "NOT sent" in p["text"])
    assert "550" in texts(note["blocks"]) and desk.deps.store.sends()[0]["state"] == "failed"
    assert desk.deps.store.conversations()[0]["state"] == "open"  # the clock keeps running
    retry = next(e for b in note["blocks"] if b["type"] == "actions" for e in b["elements"])
    await desk.click("U0AGENT", retry["action_id"], ts=note["ts"])
    await eventually(lambda: len(desk.smtp.messages) == 1, what="the retried e-mail")
    await desk.slack.wait_for(lambda: any("sent to the buyer" in p["text"].lower() for p in desk.thread()))


async def test_thread_messages_stay_internal_unless_sent_on_purpose(desk: Desk) -> None:
    await desk.people.say(
        user="U0AGENT",
        channel="C0INBOX",
        text="Rechnung liegt im ERP, ich schicke sie gleich.",
        thread_ts=desk.card["ts"],
    )
    await desk.slack.wait_for(lambda: any(e["user"] == "U0AGENT" for e in desk.slack.ephemerals))
    [offer] = [e for e in desk.slack.ephemerals if e["user"] == "U0AGENT"]
    assert offer["thread_ts"] == desk.card["ts"] and "Send this to the buyer?" in offer["text"]
    await asyncio.sleep(0.3)
    assert desk.smtp.messages == []  # a thread message alone never reaches the buyer

    await desk.click("U0AGENT", "thread_send", ts=offer["ts"])
    await desk.slack.wait_for(lambda: desk.slack.open_view("U0AGENT") is not None)
    view = desk.slack.open_view("U0AGENT")
    assert (
        view is not None
        and view["blocks"][1]["element"]["initial_value"] == "Rechnung liegt im ERP, ich schicke sie gleich."
    )
    await desk.submit("U0AGENT")
    await eventually(lambda: len(desk.smtp.messages) == 1, what="the e-mail")


async def test_claim_and_no_response_needed(desk: Desk) -> None:
    await desk.click("U0ONCALL", "claim", value="claim")
    await desk.slack.wait_for(lambda: "<@U0ONCALL> is on it" in texts(desk.card["blocks"]))
    view = await desk.open_reply("U0AGENT", "reply_blank")
    assert "<@U0ONCALL> has claimed this conversation" in texts(view["blocks"])  # a collision warning
    desk.slack.close_views("U0AGENT")
    await desk.click("U0LEAD", "no_response")
    await desk.slack.wait_for(
        lambda: "No response needed: decided by <@U0LEAD>" in texts(desk.card["blocks"])
    )
    conv = desk.deps.store.conversations()[0]
    assert conv["state"] == "closed" and conv["closed_by"] == "U0LEAD"


async def test_two_people_opening_replies_are_warned_of_each_other(desk: Desk) -> None:
    await desk.open_reply("U0AGENT", "reply_template:invoice_request")
    view = await desk.open_reply("U0LEAD", "reply_blank")
    assert "<@U0AGENT> opened a reply to this conversation" in texts(view["blocks"])


async def test_missing_invoice_pdf_is_said_on_the_card_and_a_found_one_is_attached(
    desk: Desk, tmp_path: Path
) -> None:
    assert "No invoice PDF for order `302-1234567-1234567`" in texts(desk.card["blocks"])
    from bot.sandbox.world import invoice_pdf

    (tmp_path / "invoices" / "RE-2026-0042_302-1234567-1234567.pdf").write_bytes(
        invoice_pdf("302-1234567-1234567", "39,90 EUR")
    )
    desk.deps.outbox.conversation_changed(int(desk.deps.store.conversations()[0]["id"]))
    await desk.slack.wait_for(lambda: "Send invoice" in texts(desk.card["blocks"]))
    view = await desk.open_reply("U0AGENT", "send_invoice")
    assert "RE-2026-0042_302-1234567-1234567.pdf will be attached" in texts(view["blocks"])
    await desk.submit("U0AGENT")
    await eventually(lambda: len(desk.smtp.messages) == 1, what="the e-mail with the invoice")
    [attachment] = list(desk.smtp.messages[0].iter_attachments())
    assert attachment.get_content_type() == "application/pdf" and attachment.get_filename().endswith(
        "1234567.pdf"
    )


async def test_greylisting_through_the_whole_bot_is_retried_and_the_reply_arrives_once(
    tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer
) -> None:
    """Amazon's relay (or the seller's SMTP server) greylists the first attempts: the thread says it is retrying,
    once; the reply goes out when the server takes it, exactly once; nothing busy-loops meanwhile."""
    from bot.clock.clocks import ScaledClock

    clock = ScaledClock(speed=120)  # the mailer's minutes of backoff pass in half-seconds
    async with open_desk(tmp_path, fake_slack, smtp, clock=clock) as desk:
        smtp.refuse("451 4.7.1 Greylisted, try again later", "451 4.7.1 Greylisted, try again later")
        await desk.open_reply("U0AGENT", "reply_template:invoice_request")
        await desk.submit("U0AGENT")
        await fake_slack.wait_for(
            lambda: any("retrying" in p["text"].lower() for p in desk.thread()), timeout=10
        )
        await eventually(lambda: len(smtp.messages) == 1, timeout=20, what="the reply after the greylisting")
        await fake_slack.wait_for(
            lambda: any("sent to the buyer" in p["text"].lower() for p in desk.thread())
        )
        [send] = desk.deps.store.sends()
        assert send["state"] == "sent" and send["attempts"] == 3
    assert len([p for p in desk.thread() if "retrying" in p["text"].lower()]) == 1
    assert len(smtp.messages) == 1
