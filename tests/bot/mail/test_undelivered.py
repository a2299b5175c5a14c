"""'Your message was not delivered': the conversation it is about opens again and its thread says which reply (and
which attachment) did not reach the buyer; without such a conversation the notice keeps a card of its own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.mail.parser import parse_relay_mail
from bot.mail.undelivered import conversation_for
from bot.sandbox.slack_api import FakeSlack
from tests.bot.workers.conftest import Rig
from tests.conftest import fixture_mail


@pytest.fixture
def rig(tmp_path: Path, fake_slack: FakeSlack) -> Rig:
    """Intake, outbox and poster over one store, as the workers' tests have them."""
    return Rig(tmp_path, fake_slack)


ORDER = "111-7366207-0755439"  # en_shipping.eml and notice_opted_out.eml


async def test_an_undelivered_reply_reopens_its_conversation_and_says_which_one(rig: Rig) -> None:
    await rig.mail("en_shipping.eml")
    await rig.poster.drain()
    conv = rig.store.conversations()[0]
    send, _ = rig.store.create_send(
        key="k1",
        conversation_id=int(conv["id"]),
        reply_to_row=None,
        text="Hello John, here is your invoice.",
        by_user="U0AGENT",
        attachments=[{"path": "/srv/invoices/RE-0042.pdf"}],
    )
    rig.store.update_send(send_id=int(send["id"]), state="sent", sent_at=rig.store.now())
    rig.store.answer(conversation_id=int(conv["id"]), by="U0AGENT")

    await rig.mail("notice_opted_out.eml")
    await rig.poster.drain()
    [only] = rig.store.conversations()  # no card of its own
    assert only["id"] == conv["id"] and only["state"] == "open" and only["deadline"]
    [card] = rig.slack.posts("C0INBOX", top_level=True)
    [note] = rig.slack.posts("C0INBOX", thread_ts=card["ts"])
    text = json.dumps(note["blocks"], ensure_ascii=False)
    assert "Amazon did not deliver the reply <@U0AGENT> sent" in text and "RE-0042.pdf" in text
    assert "opted out" in text and "Write again" in text
    assert "Answered" not in json.dumps(card["blocks"], ensure_ascii=False)  # the card is open again
    latest = rig.store.latest_buyer_message(conversation_id=int(conv["id"]))
    assert latest is not None and latest["kind"] == "buyer_message"  # a reply still answers the buyer's mail


async def test_without_a_conversation_about_the_order_the_notice_has_its_own_card(rig: Rig) -> None:
    await rig.mail("notice_opted_out.eml")
    await rig.poster.drain()
    [conv] = rig.store.conversations()
    assert conv["kind"] == "notice" and conv["notice_type"] == "message_not_delivered"


def test_only_not_delivered_notices_with_an_order_are_joined(rig: Rig) -> None:
    assert conversation_for(rig.store, parse_relay_mail(fixture_mail("notice_return.eml"))) is None
    assert (
        conversation_for(rig.store, parse_relay_mail(fixture_mail("notice_opted_out.eml"))) is None
    )  # no conv
