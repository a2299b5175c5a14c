"""Writing to a buyer first: which ways are offered, where an e-mail goes, and what Send checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.mail.source import IncomingMail
from bot.replies.library import TemplateProblem
from bot.replies.proactive import EMAIL, channel_label, reference, via
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail
from tests.support.clock import pinned_clock
from tests.support.desk import Desk, open_desk
from tests.support.smtp import SmtpServer

ORDER = "302-1234567-1234567"
ALIAS = "3x7kq2mdl0zy1vd@marketplace.amazon.de"


@pytest.fixture
async def desk(tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer) -> AsyncIterator[Desk]:
    """The bot without SP-API: the card of de_invoice.eml and Amazon's cancellation notice about the same order."""
    async with open_desk(tmp_path, fake_slack, smtp) as d:
        mail = IncomingMail(fixture_mail("notice_cancellation.eml"), "t2", pinned_clock().now())
        await d.deps.intake.handle(mail)
        await fake_slack.wait_for(lambda: len(fake_slack.posts(top_level=True)) == 2)
        yield d


def notice(desk: Desk) -> dict[str, object]:
    return next(c for c in desk.deps.store.conversations() if c["kind"] == "notice")


def buyer(desk: Desk) -> dict[str, object]:
    return next(c for c in desk.deps.store.conversations() if c["kind"] == "buyer")


def test_labels_and_references_name_the_way() -> None:
    assert channel_label(EMAIL) == "E-mail to the buyer's relay address"
    assert "unexpected problem" in channel_label("amazon:unexpectedProblem")
    assert via({"channel": "email"}) == "" and "(unexpectedProblem)" in via(
        {"channel": "amazon:unexpectedProblem"}
    )
    assert reference({"channel": "email"}, "<m@x>") == "Message-ID <m@x>"
    assert "Seller Central" in reference({"channel": "amazon:invoice"}, "<m@x>")


async def test_a_notice_offers_e_mail_to_the_buyer_conversation_of_its_order(desk: Desk) -> None:
    assert desk.deps.proactive.email_target(notice(desk))["id"] == buyer(desk)["id"]  # type: ignore[index]
    opened = await desk.deps.proactive.open(notice(desk), user="U0AGENT")
    assert opened.channels == [EMAIL] and "SP-API is not set up" in opened.notes[0]

    text = (
        f"Hallo, Ihre Stornierung zu Bestellung {ORDER} ist angekommen; das Paket ist leider schon unterwegs."
    )
    outcome = desk.deps.proactive.submit(opened.draft.metadata, text, user="U0AGENT", channel=EMAIL)
    assert outcome.created and outcome.send is not None
    assert (
        outcome.send["conversation_id"] == buyer(desk)["id"]
    )  # the e-mail belongs to the buyer's conversation
    await eventually(lambda: len(desk.smtp.messages) == 1, what="the e-mail")
    assert desk.smtp.messages[0]["To"] == ALIAS
    again = desk.deps.proactive.submit(opened.draft.metadata, text, user="U0AGENT", channel=EMAIL)
    assert not again.created and again.send is not None and again.send["id"] == outcome.send["id"]


async def test_send_checks_the_draft_the_person_and_the_way(desk: Desk) -> None:
    opened = await desk.deps.proactive.open(buyer(desk), user="U0AGENT")
    text = f"Bestellung {ORDER}: kurze Nachricht."
    stolen = desk.deps.proactive.submit(opened.draft.metadata, text, user="U0LEAD", channel=EMAIL)
    assert "out of date" in stolen.errors["reply"]
    forged = desk.deps.proactive.submit(
        opened.draft.metadata, text, user="U0AGENT", channel="amazon:warranty"
    )
    assert "ways offered" in forged.errors["channel"]
    reply_draft = desk.deps.replies.draft(buyer(desk), user="U0AGENT")  # a reply window's draft has no ways
    assert (
        "ways offered"
        in desk.deps.proactive.submit(reply_draft.metadata, text, user="U0AGENT", channel=EMAIL).errors[
            "channel"
        ]
    )
    unnamed = desk.deps.proactive.submit(opened.draft.metadata, "Hallo!", user="U0AGENT", channel=EMAIL)
    assert "order id" in unnamed.errors["reply"]
    assert desk.deps.store.sends() == []


async def test_without_an_order_or_any_way_the_person_is_told_why(desk: Desk) -> None:
    conv = {**buyer(desk), "order_id": None}
    with pytest.raises(TemplateProblem, match="needs an order"):
        await desk.deps.proactive.open(conv, user="U0AGENT")
    lonely = {**notice(desk), "order_id": "302-9999999-9999999"}  # no buyer ever wrote about it
    with pytest.raises(TemplateProblem, match="no way to write to this buyer"):
        await desk.deps.proactive.open(lonely, user="U0AGENT")


async def test_a_reply_and_a_message_from_the_notice_card_send_one_mail(desk: Desk) -> None:
    reply = desk.deps.replies.draft(buyer(desk), user="U0AGENT")
    message = await desk.deps.proactive.open(notice(desk), user="U0LEAD")
    text = f"Hallo, zu Bestellung {ORDER}: das Paket ist schon unterwegs."
    first = desk.deps.replies.submit(reply.metadata, text, user="U0AGENT")
    second = desk.deps.proactive.submit(message.draft.metadata, text, user="U0LEAD", channel=EMAIL)
    assert first.created and "already answered" in second.errors["reply"]
    await eventually(lambda: len(desk.smtp.messages) == 1, what="one e-mail")
    assert len(desk.deps.store.sends()) == 1


async def test_sending_again_carries_the_files_that_did_not_arrive(desk: Desk, tmp_path: Path) -> None:
    manual = tmp_path / "KM-1-manual.pdf"
    manual.write_bytes(b"%PDF-1.4 manual")
    again = {"text": "Die Anleitung anbei.", "attachments": f'[{{"path": "{manual}"}}]'}
    opened = await desk.deps.proactive.open(buyer(desk), user="U0AGENT", again=again)
    assert opened.draft.attachments == [str(manual)]  # the manual, not an invoice in its place
    assert any("KM-1-manual.pdf will be attached" in n for n in opened.notes)


async def test_it_was_sent_on_a_notice_leaves_the_notice_open(desk: Desk) -> None:
    conv = notice(desk)
    send, _ = desk.deps.store.create_send(
        key="k-notice", conversation_id=int(conv["id"]), reply_to_row=None, text="x", by_user="U0LEAD"
    )
    desk.deps.store.update_send(send_id=int(send["id"]), state="uncertain")
    desk.deps.replies.mark_sent(int(send["id"]), user="U0LEAD")
    assert (
        notice(desk)["state"] == "open" and desk.deps.store.send(send_id=int(send["id"]))["state"] == "sent"
    )  # type: ignore[index]
