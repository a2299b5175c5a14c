"""The outbox of Slack actions and the record of Slack posts: queued once, drained earliest deadline first."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock.clocks import FakeClock
from bot.store.store import Store, iso
from tests.support.clock import TEAM_TIME
from tests.support.postgres import database_url_of


def test_enqueue_is_idempotent_and_due_items_come_earliest_deadline_first(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store.connect(database_url_of(tmp_path), clock=clock)
    now = clock.now()
    assert store.enqueue(kind="post_card", dedupe_key="a", due_by=iso(now + timedelta(hours=20)))
    assert not store.enqueue(kind="post_card", dedupe_key="a", due_by=iso(now))
    store.enqueue(kind="post_card", dedupe_key="b", due_by=iso(now + timedelta(hours=2)))
    store.enqueue(kind="post_card", dedupe_key="c", due_by=iso(now + timedelta(hours=9)))
    assert [i["dedupe_key"] for i in store.due_outbox()] == ["b", "c", "a"]


def test_deferred_items_wait_and_in_flight_attempts_are_counted(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store.connect(database_url_of(tmp_path), clock=clock)
    store.enqueue(kind="post_card", dedupe_key="a", due_by=None)
    item = store.due_outbox()[0]
    assert store.mark_in_flight(outbox_id=item["id"]) == 1
    store.defer_outbox(outbox_id=item["id"], until=clock.now() + timedelta(seconds=30), error="boom")
    assert store.due_outbox() == []
    assert store.next_outbox_time() == clock.now() + timedelta(seconds=30)
    clock.advance(seconds=31)
    assert store.due_outbox()[0]["attempts"] == 1
    store.defer_outbox(outbox_id=item["id"], until=clock.now(), error="429", not_sent=True)
    assert store.due_outbox()[0]["attempts"] == 0


def test_items_without_a_deadline_come_after_those_with_one(store: Store) -> None:
    store.enqueue(kind="post_note", dedupe_key="digest", due_by=None)
    store.enqueue(kind="post_card", dedupe_key="card", due_by=iso(TEAM_TIME + timedelta(hours=23)))
    assert [i["dedupe_key"] for i in store.due_outbox()] == ["card", "digest"]


def test_a_payload_is_stored_as_json(store: Store) -> None:
    store.enqueue(kind="post_thread", dedupe_key="t", due_by=None, payload={"part": 2, "note": "Grüße"})
    [item] = store.due_outbox()
    assert json.loads(item["payload"]) == {"part": 2, "note": "Grüße"}


def test_a_completed_card_is_recorded_and_becomes_the_conversations_card(store: Store) -> None:
    cid = store.create_conversation(key="alias@marketplace.amazon.de|302-1234567-1234567", kind="buyer")
    store.enqueue(kind="post_card", dedupe_key="card", due_by=None, conversation_id=cid, channel="C0INBOX")
    store.enqueue(
        kind="post_thread", dedupe_key="thread", due_by=None, conversation_id=cid, channel="C0INBOX"
    )
    card, thread = store.due_outbox()
    store.complete_outbox(outbox_id=card["id"], channel="C0INBOX", ts="1.000100", role="card")
    store.complete_outbox(
        outbox_id=thread["id"], channel="C0INBOX", ts="1.000200", thread_ts="1.000100", role="thread"
    )
    posts = store.slack_posts(conversation_id=cid)
    assert [(p["role"], p["ts"], p["thread_ts"], p["outbox_id"]) for p in posts] == [
        ("card", "1.000100", None, card["id"]),
        ("thread", "1.000200", "1.000100", thread["id"]),
    ]
    found = store.conversation_by_card(
        channel="C0INBOX", ts="1.000100"
    )  # a thread post does not move the card
    assert found is not None and found["id"] == cid
    assert store.outbox_item(outbox_id=card["id"])["state"] == "done"
    assert store.due_outbox() == [] and store.pending_outbox_count() == 0 and store.next_outbox_time() is None


def test_a_completed_action_without_a_post_records_none(store: Store) -> None:
    store.enqueue(kind="update_card", dedupe_key="u", due_by=None)
    [item] = store.due_outbox()
    store.complete_outbox(outbox_id=item["id"])
    assert store.slack_posts() == [] and store.outbox_item(outbox_id=item["id"])["done_at"] == store.now()


def test_a_failed_item_is_no_longer_due_but_still_counted_as_not_done(store: Store) -> None:
    store.enqueue(kind="post_card", dedupe_key="a", due_by=None)
    [item] = store.due_outbox()
    store.defer_outbox(outbox_id=item["id"], until=TEAM_TIME, error="x" * 3000, failed=True)
    assert store.due_outbox() == [] and store.next_outbox_time() is None
    assert store.pending_outbox_count() == 1
    failed = store.outbox_item(outbox_id=item["id"])
    assert failed["state"] == "failed" and len(failed["last_error"]) == 2000


def test_a_redraw_is_pending_only_while_it_has_not_started(store: Store) -> None:
    one = store.create_conversation(key="one", kind="buyer")
    two = store.create_conversation(key="two", kind="buyer")
    store.enqueue(kind="post_card", dedupe_key="card", due_by=None, conversation_id=one)
    assert not store.update_pending(conversation_id=one)  # a card is not a redraw
    store.enqueue(kind="update_card", dedupe_key="u1", due_by=None, conversation_id=one)
    assert store.update_pending(conversation_id=one) and not store.update_pending(conversation_id=two)
    redraw = next(i for i in store.due_outbox() if i["dedupe_key"] == "u1")
    store.mark_in_flight(outbox_id=redraw["id"])
    assert not store.update_pending(conversation_id=one)  # it may have read the state already


def test_an_unknown_outbox_item_is_an_error(store: Store) -> None:
    with pytest.raises(KeyError):
        store.outbox_item(outbox_id=404)


def test_items_not_done_are_counted_by_state(store: Store) -> None:
    assert store.outbox_counts() == {}
    for key in ("a", "b", "c", "d"):
        store.enqueue(kind="post_card", dedupe_key=key, due_by=None)
    a, b, c, _ = store.due_outbox()
    store.mark_in_flight(outbox_id=a["id"])
    store.defer_outbox(outbox_id=b["id"], until=TEAM_TIME, error="refused", failed=True)
    store.complete_outbox(outbox_id=c["id"])
    assert store.outbox_counts() == {"in_flight": 1, "failed": 1, "pending": 1}
