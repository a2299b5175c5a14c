"""The numbers behind the digest and the weekly report: buyer messages and replies in a time window, packages with
their orders, and who is drafting a reply right now."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock.clocks import FakeClock
from bot.mail.intake import Intake
from bot.mail.source import IncomingMail
from bot.store.store import Row, Store, iso, parse_iso
from tests.bot.store.conftest import feed
from tests.conftest import fixture_mail
from tests.support.clock import TEAM_TIME


@pytest.fixture
async def day(intake: Intake) -> dict[str, int]:
    """A morning's mail: buyer messages, a follow-up, a notice and Amazon's copies of two replies."""
    return {
        "invoice": await feed(intake, "de_invoice.eml", 8),
        "followup": await feed(intake, "de_followup_aw.eml", 7),
        "shipping": await feed(intake, "en_shipping.eml", 6),
        "refund": await feed(intake, "notice_refund.eml", 4),
        "damaged": await feed(
            intake, "fr_damaged.eml", 6.5
        ),  # read late, delivered before the shipping question
        "reply_de": await feed(intake, "confirmation_de.eml", 3),
        "reply_en": await feed(intake, "confirmation_en.eml", 2),
    }


def received(rows: list[Row]) -> list[float]:
    """How many hours before the team's time each row's message arrived."""
    hours = []
    for row in rows:
        at = parse_iso(row["received_at"])
        assert at is not None
        hours.append((TEAM_TIME - at) / timedelta(hours=1))
    return hours


async def test_buyer_messages_in_a_window_oldest_first(store: Store, day: dict[str, int]) -> None:
    since = TEAM_TIME - timedelta(hours=7)
    rows = store.buyer_messages_since(since=since)
    assert received(rows) == [7, 6.5, 6]  # from `since` on; no notice, no reply
    assert [r["conversation_id"] for r in rows] == [day["invoice"], day["damaged"], day["shipping"]]
    assert received(store.buyer_messages_since(since=since, until=TEAM_TIME - timedelta(hours=6))) == [7, 6.5]
    assert received(store.buyer_messages_since(since=TEAM_TIME - timedelta(hours=9))) == [8, 7, 6.5, 6]


async def test_buyer_messages_carry_their_conversation(store: Store, day: dict[str, int]) -> None:
    store.settle(conversation_id=day["damaged"], by="U0LEAD")
    rows = {
        r["conversation_id"]: r for r in store.buyer_messages_since(since=TEAM_TIME - timedelta(hours=6.5))
    }
    shipping, damaged = rows[day["shipping"]], rows[day["damaged"]]
    assert (shipping["order_id"], shipping["topic"], shipping["intent"]) == (
        "111-7366207-0755439",
        "Shipping",
        "where_is_my_order",
    )
    assert shipping["text"].startswith("Hello, I ordered the lamp")
    stored = store.conversation_messages(conversation_id=day["damaged"])[0]["intent"]
    assert stored in ("damaged", "return_refund")  # "arrived broken, I want a refund or an exchange"
    assert (damaged["order_id"], damaged["intent"], damaged["closed_at"]) == (
        "404-1111111-2222222",
        stored,
        iso(TEAM_TIME),
    )
    assert shipping["closed_at"] is None


async def test_replies_that_went_out_since(store: Store, day: dict[str, int]) -> None:
    assert [r["conversation_id"] for r in store.outgoing_since(since=TEAM_TIME - timedelta(hours=2))] == [
        day["shipping"]
    ]
    out = store.outgoing_since(since=TEAM_TIME - timedelta(hours=9))
    assert sorted(received(out)) == [2, 3]  # Amazon's copies only, never the buyers' messages
    assert store.outgoing_since(since=TEAM_TIME - timedelta(hours=1)) == []


def test_packages_by_tracking_number_with_their_last_lookup(store: Store) -> None:
    store.upsert_package(
        order_id="302-1234567-1234567", tracking_number="A1", status="delivered", provider="dhl"
    )
    store.upsert_package(order_id="302-1234567-1234567", tracking_number="A2", status="unknown", error="404")
    store.upsert_package(order_id="302-7654321-7654321", tracking_number="B1", status="label_created")
    found = store.package_lookups(tracking_numbers=["A1", "A2", "A1", "C9"])
    assert {n: (r["status"], r["error"], r["provider"]) for n, r in found.items()} == {
        "A1": ("delivered", None, "dhl"),
        "A2": ("unknown", "404", None),
    }
    many = [f"N{n}" for n in range(1200)]  # more than SQLite binds in one statement
    for n in many[::300]:
        store.upsert_package(order_id="302-1111111-1111111", tracking_number=n, status="in_transit")
    assert sorted(store.package_lookups(tracking_numbers=many)) == ["N0", "N300", "N600", "N900"]


async def test_notices_outcomes_and_marketplaces_of_a_window(store: Store, day: dict[str, int]) -> None:
    since, until = TEAM_TIME - timedelta(hours=7), TEAM_TIME
    [refund] = store.notices_between(
        since=TEAM_TIME - timedelta(hours=9), until=until, types=["refund_issued"]
    )
    assert refund["notice_type"] == "refund_issued" and received([refund]) == [4]
    assert store.notices_between(since=since, until=until, types=["a_to_z_claim", "chargeback"]) == []
    assert store.marketplaces_between(since=since, until=until) == ["amazon.com", "amazon.de", "amazon.fr"]
    store.settle(conversation_id=day["refund"], by="U0LEAD", outcome="refunded")
    store.settle(conversation_id=day["damaged"], by="U0LEAD", outcome="replaced")
    store.settle(conversation_id=day["invoice"], by="U0LEAD")  # no response needed: no outcome
    assert store.outcomes_between(since=since, until=until + timedelta(seconds=1)) == {
        "refunded": 1,
        "replaced": 1,
    }
    assert (
        store.outcomes_between(since=since, until=until) == {}
    )  # settled at the window's end: the next one's


def test_sends_with_when_their_sender_took_them(store: Store, clock: FakeClock) -> None:
    conv = store.create_conversation(key="k", kind="buyer")
    clock.set(TEAM_TIME - timedelta(minutes=30))
    store.audit(actor="U0ANNA", action="reply_drafted", conversation_id=conv)
    store.claim(conversation_id=conv, by="U0ANNA")
    clock.set(TEAM_TIME - timedelta(minutes=10))
    row, _ = store.create_send(
        key="s1", conversation_id=conv, reply_to_row=None, text="Hallo", by_user="U0ANNA"
    )
    store.update_send(send_id=int(row["id"]), state="sent")
    auto, _ = store.create_send(key="s2", conversation_id=conv, reply_to_row=None, text="Auto", by_user="bot")
    store.update_send(send_id=int(auto["id"]), state="sent", auto=1)
    [sent] = store.handled_sends(since=TEAM_TIME - timedelta(hours=1), until=TEAM_TIME)
    assert (sent["by_user"], sent["claimed"], sent["drafted"]) == (
        "U0ANNA",
        iso(TEAM_TIME - timedelta(minutes=30)),
        iso(TEAM_TIME - timedelta(minutes=30)),
    )
    assert store.handled_sends(since=TEAM_TIME - timedelta(minutes=9), until=TEAM_TIME) == []


def test_recent_drafters_are_others_who_opened_a_reply_since(store: Store, clock: FakeClock) -> None:
    cid = store.create_conversation(key="k", kind="buyer")
    other = store.create_conversation(key="k2", kind="buyer")

    def at(minutes_ago: float, actor: str, *, action: str = "reply_drafted", conversation: int = cid) -> None:
        clock.set(TEAM_TIME - timedelta(minutes=minutes_ago))
        store.audit(actor=actor, action=action, conversation_id=conversation, template=None)

    at(20, "U0OLD")  # before the window
    at(15, "U0EDGE")  # exactly at its start
    at(10, "U0ANNA")
    at(8, "U0ME")  # the person asking
    at(5, "U0ANNA")  # twice: named once
    at(4, "U0BEN", action="claimed")  # not a draft
    at(3, "U0CARL", conversation=other)  # another conversation
    drafters = store.recent_drafters(
        conversation_id=cid, since=TEAM_TIME - timedelta(minutes=15), besides="U0ME"
    )
    assert sorted(drafters) == ["U0ANNA", "U0EDGE"]
    assert store.recent_drafters(
        conversation_id=other, since=TEAM_TIME - timedelta(minutes=15), besides="U0ME"
    ) == ["U0CARL"]


async def test_the_amazon_mail_stored_last_is_found_from_the_newest_rows(
    store: Store, intake: Intake
) -> None:
    assert store.newest_amazon_mail() is None
    await feed(intake, "de_invoice.eml", 8)
    await feed(intake, "notice_refund.eml", 3)
    await intake.handle(IncomingMail(fixture_mail("not_amazon.eml"), "spam", TEAM_TIME))  # not Amazon's
    assert store.newest_amazon_mail() == TEAM_TIME - timedelta(hours=3)
