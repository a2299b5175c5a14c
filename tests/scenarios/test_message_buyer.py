"""Writing to a buyer first, through the whole bot: the card's menu asks Amazon what it allows for the order, the
window offers only that, the guard checks in proactive mode, and one message goes through SP-API Messaging."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.mail.source import IncomingMail
from bot.sandbox.fake_services import FakeServices, StoredOrder
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail
from tests.support.clock import pinned_clock
from tests.support.desk import Desk, open_desk, texts
from tests.support.smtp import SmtpServer

ORDER = "302-1234567-1234567"  # the order of de_invoice.eml


@pytest.fixture
async def desk(
    tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer, fake_services: FakeServices
) -> AsyncIterator[Desk]:
    """The bot with the card of de_invoice.eml, its order known to the Amazon stand-in, and an invoice PDF."""
    fake_services.orders[ORDER] = StoredOrder(
        ORDER,
        "A1PA6795UKMFR9",
        fake_services.clock() - timedelta(days=4),
        [("Mühle", "B0X", 1, "9.99")],
        "EUR",
    )
    invoices = tmp_path / "invoices"
    invoices.mkdir()
    (invoices / f"Rechnung-{ORDER}.pdf").write_bytes(b"%PDF-1.4 Rechnung")
    urls = fake_services.urls(fake_services.base_url)
    async with open_desk(tmp_path, fake_slack, smtp, invoice_folder=invoices, **urls) as d:
        await fake_slack.wait_for(lambda: "message_buyer" in texts(d.card["blocks"]))
        yield d


def channels(view: dict[str, Any]) -> list[str]:
    block = next(b for b in view["blocks"] if b.get("block_id") == "channel")
    return [o["value"] for o in block["element"]["options"]]


def values(text: str, channel: str, *, confirm: bool = False) -> dict[str, dict[str, Any]]:
    state: dict[str, dict[str, Any]] = {
        "reply": {"text": {"type": "plain_text_input", "value": text}},
        "channel": {"channel": {"type": "static_select", "selected_option": {"value": channel}}},
    }
    if confirm:
        state["confirm"] = {"confirm": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}
    return state


async def open_window(desk: Desk, user: str, choice: str = "blank") -> dict[str, Any]:
    await desk.click(user, "message_buyer", selected=choice)
    await desk.slack.wait_for(lambda: desk.slack.open_view(user) is not None)
    view = desk.slack.open_view(user)
    assert view is not None and view["callback_id"] == "message_modal"
    return view


async def test_only_what_amazon_allows_is_offered_and_one_message_goes(
    desk: Desk, fake_services: FakeServices
) -> None:
    fake_services.messaging.allowed[ORDER] = ("unexpectedProblem", "attributes", "negativeFeedbackRemoval")
    view = await open_window(desk, "U0AGENT")
    assert channels(view) == [
        "amazon:unexpectedProblem",
        "email",
    ]  # the alias of the buyer's mail stays offered

    ack = await desk.people.submit_view(
        user="U0AGENT",
        values=values("Hallo, Ihr Paket hat sich leider verzögert.", "amazon:unexpectedProblem"),
    )
    assert "order id" in ack["payload"]["errors"]["reply"]  # proactive: the order must be named
    assert fake_services.messaging.sent == []

    text = f"Hallo, zu Ihrer Bestellung {ORDER}: das Paket verzögert sich um einen Tag."
    ack = await desk.people.submit_view(user="U0AGENT", values=values(text, "amazon:unexpectedProblem"))
    assert not ack.get("payload")
    await eventually(lambda: len(fake_services.messaging.sent) == 1, what="the Amazon message")
    [sent] = fake_services.messaging.sent
    assert (sent.order_id, sent.action, sent.body) == (ORDER, "unexpectedProblem", {"text": text})
    note = await desk.note("sent to the buyer")
    assert "Amazon's messaging (unexpectedProblem)" in texts(note["blocks"])
    assert desk.smtp.messages == []
    # in the buyer's conversation a message through Amazon's messaging answers it, as an e-mail would
    assert (desk.conv["state"], desk.conv["answered_by"]) == ("answered", "U0AGENT")
    [send] = desk.deps.store.sends()
    assert (send["channel"], send["state"]) == ("amazon:unexpectedProblem", "sent")


async def test_a_way_not_offered_is_refused_and_amazon_refusal_is_explained(
    desk: Desk, fake_services: FakeServices
) -> None:
    fake_services.messaging.allowed[ORDER] = ("unexpectedProblem",)
    await open_window(desk, "U0AGENT")
    text = f"Bestellung {ORDER}: kurze Frage zur Lieferung."
    forged = await desk.people.submit_view(
        user="U0AGENT", values=values(text, "amazon:confirmDeliveryDetails")
    )
    assert "Choose one of the ways offered" in forged["payload"]["errors"]["channel"]

    fake_services.messaging.allowed[ORDER] = ()  # Amazon changed its mind before the send
    ack = await desk.people.submit_view(user="U0AGENT", values=values(text, "amazon:unexpectedProblem"))
    assert not ack.get("payload")
    note = await desk.note("NOT sent")
    assert "not available for order" in texts(note["blocks"]) and "Retry" in texts(note["blocks"])
    assert fake_services.messaging.sent == [] and desk.deps.store.sends()[0]["state"] == "failed"


async def test_the_invoice_goes_through_send_invoice_when_amazon_allows_it(
    desk: Desk, fake_services: FakeServices
) -> None:
    view = await open_window(desk, "U0AGENT", "invoice_resent")
    assert "amazon:invoice" in channels(view)
    ack = await desk.people.submit_view(user="U0AGENT", values=values("", "amazon:invoice"))
    assert not ack.get("payload")
    await eventually(lambda: len(fake_services.messaging.sent) == 1, what="the invoice message")
    [sent] = fake_services.messaging.sent
    [attachment] = sent.body["attachments"]
    assert attachment["fileName"] == f"Rechnung-{ORDER}.pdf"
    assert fake_services.messaging.uploads[attachment["uploadDestinationId"]] == b"%PDF-1.4 Rechnung"


async def test_an_old_order_offers_e_mail_only_and_a_server_error_is_uncertain(
    desk: Desk, fake_services: FakeServices
) -> None:
    fake_services.messaging.allowed[ORDER] = ()
    view = await open_window(desk, "U0AGENT")
    assert channels(view) == ["email"] and "allows no message" in texts(view["blocks"])
    desk.slack.close_views("U0AGENT", all_views=True)

    fake_services.messaging.allowed[ORDER] = ("unexpectedProblem",)
    await open_window(desk, "U0LEAD")
    internal = {"errors": [{"code": "InternalFailure", "message": "We encountered an internal error."}]}
    fake_services.fail("sp-api", 500, internal)
    text = f"Bestellung {ORDER}: das Paket ist unterwegs."
    await desk.people.submit_view(user="U0LEAD", values=values(text, "amazon:unexpectedProblem"))
    note = await desk.note("may or may not")
    assert "It was sent" in json.dumps(note["blocks"])
    assert desk.deps.store.sends()[0]["state"] == "uncertain"  # a person checks; never sent twice on its own


async def test_an_undelivered_invoice_is_sent_again_through_send_invoice(
    desk: Desk, fake_services: FakeServices, tmp_path: Path
) -> None:
    await desk.click("U0AGENT", "send_invoice")
    await desk.slack.wait_for(lambda: desk.slack.open_view("U0AGENT") is not None)
    await desk.people.submit_view(
        user="U0AGENT", values=values(f"Bestellung {ORDER}: Rechnung anbei.", "email")
    )
    await eventually(lambda: len(desk.smtp.messages) == 1, what="the invoice e-mail")
    await desk.note("sent to the buyer")
    notice = fixture_mail("notice_opted_out.eml").replace(b"111-7366207-0755439", ORDER.encode())
    await desk.deps.intake.handle(IncomingMail(notice, "t9", pinned_clock().now()))
    note = await desk.note("did not deliver")
    assert f"Rechnung-{ORDER}.pdf" in texts(note["blocks"])

    send_id = desk.deps.store.sends()[0]["id"]
    await desk.click(
        "U0LEAD", "message_buyer", ts=note["ts"], value="send:999"
    )  # edited on its way through Slack
    await desk.click("U0LEAD", "message_buyer", ts=note["ts"], value=f"send:{send_id}")
    await desk.slack.wait_for(lambda: desk.slack.open_view("U0LEAD") is not None)
    view = desk.slack.open_view("U0LEAD")
    assert view is not None and channels(view)[0] == "amazon:invoice"  # what did not arrive was the invoice
    text = next(b for b in view["blocks"] if b.get("block_id") == "reply")["element"]["initial_value"]
    assert text == desk.deps.store.sends()[0]["text"]  # the words that did not arrive
    await desk.people.submit_view(user="U0LEAD")
    await eventually(lambda: len(fake_services.messaging.sent) == 1, what="sendInvoice")
    assert fake_services.messaging.sent[0].action == "invoice"
    assert len(desk.smtp.messages) == 1  # and no second e-mail to an alias that does not deliver


async def test_send_invoice_prefers_amazon_and_two_people_at_once_send_one(
    desk: Desk, fake_services: FakeServices
) -> None:
    for user in ("U0AGENT", "U0LEAD"):
        await desk.click(user, "send_invoice")
        await desk.slack.wait_for(lambda user=user: desk.slack.open_view(user) is not None)
        view = desk.slack.open_view(user)
        assert view is not None and view["callback_id"] == "message_modal"
        assert channels(view) == [
            "amazon:invoice",
            "amazon:confirmDeliveryDetails",
            "amazon:unexpectedProblem",
            "email",
        ]
    first, second = await asyncio.gather(
        desk.people.submit_view(user="U0AGENT"), desk.people.submit_view(user="U0LEAD")
    )
    errors = [a.get("payload", {}).get("errors", {}).get("reply", "") for a in (first, second)]
    assert sum(1 for e in errors if "already answered" in e) == 1
    await eventually(lambda: len(fake_services.messaging.sent) == 1, what="one sendInvoice")
    await desk.slack.wait_for(lambda: "Answered by" in texts(desk.card["blocks"]))
    await asyncio.sleep(0.3)
    assert len(fake_services.messaging.sent) == 1 and len(desk.deps.store.sends()) == 1


async def test_send_invoice_falls_back_to_the_e_mail_with_the_pdf(
    desk: Desk, fake_services: FakeServices
) -> None:
    fake_services.messaging.allowed[ORDER] = ("unexpectedProblem",)  # Amazon does not take the invoice now
    await desk.click("U0AGENT", "send_invoice")
    await desk.slack.wait_for(lambda: desk.slack.open_view("U0AGENT") is not None)
    view = desk.slack.open_view("U0AGENT")
    assert view is not None and channels(view) == ["amazon:unexpectedProblem", "email"]
    refused = await desk.people.submit_view(
        user="U0AGENT", values=values(f"Bestellung {ORDER}: Rechnung anbei.", "amazon:unexpectedProblem")
    )
    assert "cannot carry files" in refused["payload"]["errors"]["channel"]
    await desk.people.submit_view(
        user="U0AGENT", values=values(f"Bestellung {ORDER}: Rechnung anbei.", "email")
    )
    await eventually(lambda: len(desk.smtp.messages) == 1, what="the e-mail")
    [mail] = desk.smtp.messages
    names = [part.get_filename() for part in mail.iter_attachments()]
    assert names == [f"Rechnung-{ORDER}.pdf"] and mail["In-Reply-To"]  # threaded to the buyer's message
