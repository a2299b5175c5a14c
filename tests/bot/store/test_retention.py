"""The retention purge: which conversations are settled long enough, what goes, what stays."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from bot.store.retention import purge, purgeable
from bot.store.store import Store, iso
from tests.support.clock import pinned_clock

DAYS = 30


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """On both engines, on the running test's clock (instead of the package's fixed one)."""
    s = Store.connect(database_url, clock=pinned_clock())
    yield s
    s.close()


def now_of(store: Store) -> datetime:
    return store.clock.now()


def ago(store: Store, days: float) -> datetime:
    return now_of(store) - timedelta(days=days)


def conversation(store: Store, key: str, *, kind: str = "buyer", last_mail_days: float = 40) -> int:
    """A conversation with one buyer message (and its personal data) that arrived `last_mail_days` ago."""
    arrived = iso(ago(store, last_mail_days))
    cid = store.create_conversation(
        key=key,
        kind=kind,
        buyer_name="Max Müller",
        buyer_alias=f"{key}@marketplace.amazon.de",
        order_id="302-1234567-1234567",
        opened_at=arrived,
        deadline=iso(ago(store, last_mail_days - 1)),
        last_message_at=arrived,
    )
    store.insert_message(
        message_id=f"<{key}@marketplace.amazon.de>",
        conversation_id=cid,
        direction="in",
        kind="buyer_message",
        received_at=arrived,
        sender=f"{key}@marketplace.amazon.de",
        subject="Frage zu Bestellung",
        text="Wo ist mein Paket? Meine Adresse: Hauptstr. 1",
        raw=b"From: ...\r\n\r\nWo ist mein Paket?",
        attachments=[{"filename": "foto.jpg"}],
        no_response_link="https://sellercentral.amazon.de/no-response-needed?x=1",
        intent="where_is_my_order",
    )
    return cid


def keys(rows: list[dict[str, object]]) -> list[object]:
    return [r["key"] for r in rows]


def test_conversations_settled_before_the_retention_period_are_purgeable(store: Store) -> None:
    old_answer = conversation(store, "old-answer")
    store.answer(conversation_id=old_answer, by="U1", at=ago(store, 31))
    recent_answer = conversation(store, "recent-answer")
    store.answer(conversation_id=recent_answer, by="U1", at=ago(store, 29))
    conversation(store, "still-open", last_mail_days=90)  # an open buyer conversation is never purged
    old_notice = conversation(store, "old-notice", kind="notice", last_mail_days=31)
    conversation(store, "recent-notice", kind="notice", last_mail_days=2)
    conversation(store, "old-raw", kind="raw", last_mail_days=45)
    assert keys(purgeable(store, now_of(store), DAYS)) == ["old-answer", "old-notice", "old-raw"]
    assert old_notice  # notices count from their last mail, open or not


def test_a_closed_conversation_counts_from_its_last_mail_when_no_time_is_stamped(store: Store) -> None:
    closed = conversation(store, "closed", last_mail_days=31)
    store.settle(conversation_id=closed, by="U1")  # closed now
    assert keys(purgeable(store, now_of(store), DAYS)) == []
    store.conn.execute("UPDATE conversations SET closed_at = NULL WHERE id = ?", [closed])
    assert keys(purgeable(store, now_of(store), DAYS)) == ["closed"]


def test_a_shorter_retention_period_takes_more(store: Store) -> None:
    cid = conversation(store, "answered")
    store.answer(conversation_id=cid, by="U1", at=ago(store, 10))
    assert keys(purgeable(store, now_of(store), DAYS)) == []
    assert keys(purgeable(store, now_of(store), 7)) == ["answered"]


def test_a_dry_run_counts_and_changes_nothing(store: Store) -> None:
    cid = conversation(store, "answered")
    store.answer(conversation_id=cid, by="U1", at=ago(store, 31))
    store.create_send(key="s1", conversation_id=cid, reply_to_row=None, text="Hallo Max", by_user="U1")
    before = store.conversation(conversation_id=cid)
    summary = purge(store, now_of(store), DAYS, dry_run=True)
    assert summary == {
        "dry_run": True,
        "retention_days": DAYS,
        "conversations": 1,
        "messages": 1,
        "sends": 1,
        "ids": [cid],
    }
    assert store.conversation(conversation_id=cid) == before
    assert store.sends()[0]["text"] == "Hallo Max"
    assert store.query("SELECT * FROM audit WHERE action = 'purged'") == []


def test_purge_removes_personal_data_and_keeps_the_numbers(store: Store) -> None:
    cid = conversation(store, "answered")
    store.answer(conversation_id=cid, by="U0AGENT", at=ago(store, 31))
    store.create_send(key="s1", conversation_id=cid, reply_to_row=None, text="Hallo Max", by_user="U0AGENT")
    summary = purge(store, now_of(store), DAYS)
    assert (summary["dry_run"], summary["conversations"], summary["messages"], summary["sends"]) == (
        False,
        1,
        1,
        1,
    )

    conv = store.conversation(conversation_id=cid)
    assert (
        conv is not None and (conv["buyer_name"], conv["buyer_alias"]) == (None, None) and conv["purged_at"]
    )
    assert (conv["state"], conv["answered_by"], conv["order_id"]) == (
        "answered",
        "U0AGENT",
        "302-1234567-1234567",
    )
    assert conv["deadline"] and conv["answered_at"]

    [message] = store.query("SELECT * FROM messages WHERE conversation_id = ?", [cid])
    gone = ("text", "raw", "sender", "subject", "attachments", "no_response_link")
    assert {name: message[name] for name in gone} == dict.fromkeys(gone)
    assert message["purged_at"] == conv["purged_at"]
    assert (message["intent"], message["direction"]) == ("where_is_my_order", "in")
    assert message["received_at"] and message["message_id"]  # still known, so a redelivered mail is not new

    assert store.sends()[0]["text"] == "" and store.sends()[0]["by_user"] == "U0AGENT"
    [audit] = store.query("SELECT * FROM audit WHERE action = 'purged'")
    assert audit["actor"] == "retention" and json.loads(audit["detail"]) == {
        "conversations": 1,
        "messages": 1,
    }


def test_purge_leaves_other_conversations_alone_and_does_nothing_twice(store: Store) -> None:
    old = conversation(store, "old")
    store.answer(conversation_id=old, by="U1", at=ago(store, 31))
    young = conversation(store, "young")
    store.answer(conversation_id=young, by="U1", at=ago(store, 1))
    assert purge(store, now_of(store), DAYS)["ids"] == [old]
    kept = store.conversation(conversation_id=young)
    assert kept is not None and kept["buyer_name"] == "Max Müller" and kept["purged_at"] is None
    [message] = store.query("SELECT text FROM messages WHERE conversation_id = ?", [young])
    assert message["text"].startswith("Wo ist mein Paket?")
    again = purge(store, now_of(store), DAYS)
    assert (again["conversations"], again["messages"], again["ids"]) == (0, 0, [])
    assert len(store.query("SELECT * FROM audit WHERE action = 'purged'")) == 1


def test_a_conversation_reopened_and_closed_recently_is_kept(store: Store) -> None:
    cid = conversation(store, "reopened")
    store.answer(conversation_id=cid, by="U1", at=ago(store, 39))
    store.reopen(  # the buyer wrote again two days ago
        conversation_id=cid,
        opened_at=ago(store, 2),
        deadline=ago(store, 1),
        last_message_at=iso(ago(store, 2)),
    )
    store.settle(conversation_id=cid, by="U1")  # and the team closed it today
    assert keys(purgeable(store, now_of(store), DAYS)) == []
