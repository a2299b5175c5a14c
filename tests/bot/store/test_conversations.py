"""Conversations and their messages: lookups, the state transitions (answer, settle, reopen) and claims."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock.clocks import FakeClock
from bot.mail.intake import Intake
from bot.store.store import ANSWERED_OUTSIDE_SLACK, Store, iso, parse_iso
from tests.bot.store.conftest import conversation_with_message, feed
from tests.conftest import fixture_mail
from tests.support.clock import TEAM_TIME


def test_claim_and_release_a_conversation(store: Store) -> None:
    cid, _ = conversation_with_message(store)
    store.claim(conversation_id=cid, by="U0AGENT")
    claimed = store.conversation(conversation_id=cid)
    assert claimed is not None and claimed["claimed_by"] == "U0AGENT"
    assert (
        claimed["claimed_at"] == store.now() and claimed["state"] == "open"
    )  # stamped from the store's clock
    store.release(conversation_id=cid, by="U0LEAD")
    released = store.conversation(conversation_id=cid)
    assert released is not None and (released["claimed_by"], released["claimed_at"]) == (None, None)
    audit = [
        (a["actor"], a["action"]) for a in store.query("SELECT * FROM audit WHERE conversation_id = ?", [cid])
    ]
    assert audit == [("U0AGENT", "claimed"), ("U0LEAD", "released")]  # who did it, when, in the log


def test_a_conversation_starts_open_and_cannot_be_created_in_another_state(store: Store) -> None:
    cid = store.create_conversation(key="k", kind="buyer")
    conv = store.conversation(conversation_id=cid)
    assert conv is not None and conv["state"] == "open"
    assert conv["created_at"] == conv["updated_at"] == iso(TEAM_TIME)
    with pytest.raises(ValueError, match="starts open"):
        store.create_conversation(key="k2", kind="buyer", state="answered")
    assert store.conversation_by_key(key="k2") is None


def test_a_change_stamps_updated_at(store: Store) -> None:
    cid = store.create_conversation(key="k", kind="buyer")
    assert isinstance(store.clock, FakeClock)
    store.clock.advance(minutes=3)
    store.update_conversation(conversation_id=cid, topic="Shipping")
    conv = store.conversation(conversation_id=cid)
    assert conv is not None and conv["topic"] == "Shipping"
    assert conv["updated_at"] == iso(TEAM_TIME + timedelta(minutes=3)) != conv["created_at"]


async def test_answer_and_settle_stamp_who_and_when(store: Store, intake: Intake) -> None:
    answered = await feed(intake, "de_invoice.eml", 5)
    settled = await feed(intake, "notice_refund.eml", 4)
    outside = await feed(intake, "en_shipping.eml", 3)
    store.answer(conversation_id=answered, by="U0AGENT")
    store.answer(conversation_id=outside, by=ANSWERED_OUTSIDE_SLACK, at=TEAM_TIME - timedelta(hours=1))
    store.settle(conversation_id=settled, by="U0LEAD")
    a, s, o = (store.conversation(conversation_id=c) for c in (answered, settled, outside))
    assert a is not None and s is not None and o is not None
    assert (a["state"], a["answered_by"], a["answered_at"]) == ("answered", "U0AGENT", iso(TEAM_TIME))
    assert (o["answered_by"], o["answered_at"]) == ("seller_central", iso(TEAM_TIME - timedelta(hours=1)))
    assert (s["state"], s["closed_by"], s["closed_at"]) == ("closed", "U0LEAD", iso(TEAM_TIME))
    assert [c["id"] for c in store.conversations(state="open")] == []


async def test_reopen_starts_a_fresh_clock(store: Store, intake: Intake) -> None:
    cid = await feed(intake, "de_invoice.eml", 30)
    store.update_conversation(conversation_id=cid, sla_stage="due_soon", next_sla_at=iso(TEAM_TIME))
    store.answer(conversation_id=cid, by="U0AGENT")
    arrived = TEAM_TIME - timedelta(minutes=10)
    store.reopen(
        conversation_id=cid, opened_at=arrived, deadline=arrived + timedelta(hours=24), message_count=2
    )
    conv = store.conversation(conversation_id=cid)
    assert conv is not None and conv["state"] == "open" and conv["message_count"] == 2
    assert parse_iso(conv["opened_at"]) == arrived
    assert parse_iso(conv["deadline"]) == arrived + timedelta(hours=24)
    assert (conv["sla_stage"], conv["next_sla_at"]) == (None, None)  # the old clock's plan is gone


async def test_conversations_are_found_by_key_card_and_message_ids(store: Store, intake: Intake) -> None:
    cid = await feed(intake, "de_invoice.eml", 5)
    other = await feed(intake, "en_shipping.eml", 4)
    store.update_conversation(conversation_id=cid, slack_channel="C0INBOX", slack_ts="1.000100")
    by_key = store.conversation_by_key(key="3x7kq2mdl0zy1vd@marketplace.amazon.de|302-1234567-1234567")
    by_card = store.conversation_by_card(channel="C0INBOX", ts="1.000100")
    by_ids = store.conversation_for_message_ids(
        message_ids=["<unknown@example.com>", "<0100018f-de-invoice-0002@email.amazonses.com>"]
    )
    assert [c and c["id"] for c in (by_key, by_card, by_ids)] == [cid, cid, cid]
    assert store.conversation_by_card(channel="C0OTHER", ts="1.000100") is None
    assert store.conversation_for_message_ids(message_ids=[]) is None
    assert store.conversation_for_message_ids(message_ids=["<unknown@example.com>"]) is None
    assert store.conversation(conversation_id=other + 100) is None


async def test_the_open_buyer_conversation_about_an_order_with_the_earliest_deadline(
    store: Store, intake: Intake
) -> None:
    order = "111-7366207-0755439"  # en_shipping's order, also the refund notice's
    notice = await feed(intake, "notice_refund.eml", 9)
    later = store.create_conversation(key="later", kind="buyer", order_id=order, deadline=iso(TEAM_TIME))
    earlier = await feed(intake, "en_shipping.eml", 2)  # arrived 2 hours ago: its deadline is 22 hours ahead
    store.update_conversation(conversation_id=earlier, deadline=iso(TEAM_TIME - timedelta(hours=1)))
    found = store.open_conversation_for_order(order_id=order)
    assert found is not None and found["id"] == earlier
    store.answer(conversation_id=earlier, by="U0AGENT")
    found = store.open_conversation_for_order(order_id=order)
    assert found is not None and found["id"] == later  # answered ones and the notice do not count
    assert [c["id"] for c in store.conversations_for_order(order_id=order)] == [notice, later, earlier]


async def test_conversations_are_listed_earliest_deadline_first(store: Store, intake: Intake) -> None:
    young = await feed(intake, "de_invoice.eml", 1)
    old = await feed(intake, "en_shipping.eml", 6)
    middle = await feed(intake, "fr_damaged.eml", 3)
    store.answer(conversation_id=middle, by="U0AGENT")
    assert [c["id"] for c in store.conversations()] == [old, middle, young]
    assert [c["id"] for c in store.conversations(state="open")] == [old, young]
    assert [c["id"] for c in store.conversations(state="answered")] == [middle]


async def test_messages_come_oldest_first_without_the_raw_mail(store: Store, intake: Intake) -> None:
    cid = await feed(intake, "de_followup_aw.eml", 1)  # the follow-up was read first
    assert await feed(intake, "de_invoice.eml", 5) == cid
    assert await feed(intake, "confirmation_de.eml", 0.5) == cid  # the seller's reply, Amazon's copy
    messages = store.conversation_messages(conversation_id=cid)
    assert [(m["direction"], m["kind"]) for m in messages] == [
        ("in", "buyer_message"),
        ("in", "buyer_message"),
        ("out", "confirmation"),
    ]
    assert [parse_iso(m["received_at"]) for m in messages] == [
        TEAM_TIME - timedelta(hours=5),
        TEAM_TIME - timedelta(hours=1),
        TEAM_TIME - timedelta(hours=0.5),
    ]
    assert all("raw" not in m for m in messages)
    row = store.message(row_id=messages[0]["id"])
    assert row is not None and row["raw"] == fixture_mail("de_invoice.eml")
    latest = store.latest_buyer_message(conversation_id=cid)  # the newest from the buyer, not the reply
    assert latest is not None and latest["message_id"] == "<0100018f-de-followup-0010@email.amazonses.com>"


def test_a_message_is_known_by_its_message_id_and_mailbox_place(store: Store) -> None:
    cid = store.create_conversation(key="k", kind="buyer")
    row = store.insert_message(
        message_id="<m1@marketplace.amazon.de>",
        conversation_id=cid,
        direction="in",
        kind="buyer_message",
        received_at=iso(datetime(2026, 11, 26, 8, tzinfo=UTC)),
        source_ref="imap:INBOX:7:1234",
        attachments=[{"filename": "Foto 1.jpg", "size": 2048}],
        refs=["<a@x>", "<b@x>"],
    )
    assert store.has_message(message_id="<m1@marketplace.amazon.de>")
    assert not store.has_message(message_id="<m2@marketplace.amazon.de>")
    assert store.has_source_ref(source_ref="imap:INBOX:7:1234")
    assert not store.has_source_ref(source_ref="imap:INBOX:7:1235")
    message = store.message(row_id=row)
    assert message is not None and message["created_at"] == iso(TEAM_TIME)
    assert json.loads(message["attachments"]) == [{"filename": "Foto 1.jpg", "size": 2048}]
    assert json.loads(message["refs"]) == ["<a@x>", "<b@x>"]


def test_a_conversation_state_changes_only_through_its_transitions(intake: Intake) -> None:
    conv_id = intake.store.create_conversation(key="k", kind="buyer")
    with pytest.raises(ValueError, match="answer/settle/reopen"):
        intake.store.update_conversation(conversation_id=conv_id, state="answered")
    intake.store.settle(conversation_id=conv_id, by="U0LEAD")
    conv = intake.store.conversation(conversation_id=conv_id)
    assert (
        conv is not None and (conv["state"], conv["closed_by"]) == ("closed", "U0LEAD") and conv["closed_at"]
    )
