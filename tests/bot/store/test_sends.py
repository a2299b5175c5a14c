"""Send records: idempotent queuing, one live reply per buyer message, due sends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.store.engine import is_integrity_error
from bot.store.store import Store, iso
from tests.bot.store.conftest import conversation_with_message
from tests.support.clock import pinned_clock


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """On both engines, on the running test's clock (instead of the package's fixed one)."""
    s = Store.connect(database_url, clock=pinned_clock())
    yield s
    s.close()


def test_a_queued_send_keeps_what_was_asked(store: Store) -> None:
    cid, row = conversation_with_message(store)
    send, created = store.create_send(
        key="k1",
        conversation_id=cid,
        reply_to_row=row,
        text="Hallo Max, Ihr Paket ist unterwegs.",
        by_user="U0AGENT",
        template="where_is_my_order",
        language="de",
        edited=True,
        attachments=[{"name": "Rechnung.pdf", "size": 1234}],
    )
    assert created
    assert (send["state"], send["attempts"], send["edited"], send["by_user"]) == ("queued", 0, 1, "U0AGENT")
    assert (send["template"], send["language"], send["reply_to_row"]) == ("where_is_my_order", "de", row)
    assert json.loads(send["attachments"]) == [{"name": "Rechnung.pdf", "size": 1234}]
    assert send["created_at"] == send["next_attempt_at"]  # due at once
    assert store.send(send_id=send["id"]) == send == store.send_by_key(key="k1")


def test_the_same_key_returns_the_existing_send(store: Store) -> None:
    cid, row = conversation_with_message(store)
    first, _ = store.create_send(key="k1", conversation_id=cid, reply_to_row=row, text="A", by_user="U1")
    again, created = store.create_send(
        key="k1", conversation_id=cid, reply_to_row=row, text="B", by_user="U2"
    )
    assert not created and again == first and again["text"] == "A"
    assert len(store.sends()) == 1


def test_a_second_reply_to_the_same_buyer_message_returns_the_live_one(store: Store) -> None:
    cid, row = conversation_with_message(store)
    first, _ = store.create_send(key="click-1", conversation_id=cid, reply_to_row=row, text="A", by_user="U1")
    other, created = store.create_send(
        key="click-2", conversation_id=cid, reply_to_row=row, text="B", by_user="U2"
    )
    assert not created and other["id"] == first["id"]
    assert store.send_by_key(key="click-2") is None


def test_after_a_failed_send_a_new_reply_may_be_queued(store: Store) -> None:
    cid, row = conversation_with_message(store)
    first, _ = store.create_send(key="k1", conversation_id=cid, reply_to_row=row, text="A", by_user="U1")
    store.update_send(send_id=first["id"], state="failed", error="554 rejected")
    assert store.live_send_for(reply_to_row=row) is None
    second, created = store.create_send(
        key="k2", conversation_id=cid, reply_to_row=row, text="A", by_user="U1"
    )
    assert created and second["id"] != first["id"]
    assert store.live_send_for(reply_to_row=row) == second


@pytest.mark.parametrize("state", ["queued", "sending", "sent", "uncertain"])
def test_live_sends_are_found_for_their_buyer_message(store: Store, state: str) -> None:
    cid, row = conversation_with_message(store)
    send, _ = store.create_send(key="k1", conversation_id=cid, reply_to_row=row, text="A", by_user="U1")
    store.update_send(send_id=send["id"], state=state)
    live = store.live_send_for(reply_to_row=row)
    assert live is not None and live["id"] == send["id"] and live["state"] == state


def test_replies_not_tied_to_a_buyer_message_are_not_limited(store: Store) -> None:
    cid, _ = conversation_with_message(store)
    _, one = store.create_send(key="k1", conversation_id=cid, reply_to_row=None, text="A", by_user="U1")
    _, two = store.create_send(key="k2", conversation_id=cid, reply_to_row=None, text="B", by_user="U1")
    assert one and two and len(store.sends(conversation_id=cid)) == 2


def test_a_send_for_an_unknown_conversation_is_refused(store: Store) -> None:
    for key, reply_to_row in (("k1", None), ("k2", 12345)):  # a foreign key, on either engine
        with pytest.raises(Exception) as refused:
            store.create_send(key=key, conversation_id=999, reply_to_row=reply_to_row, text="A", by_user="U1")
        assert is_integrity_error(refused.value)


def test_sends_are_listed_oldest_first_by_conversation_and_state(store: Store) -> None:
    c1, r1 = conversation_with_message(store, 1)
    c2, r2 = conversation_with_message(store, 2)
    a, _ = store.create_send(key="a", conversation_id=c1, reply_to_row=r1, text="A", by_user="U1")
    store.create_send(key="b", conversation_id=c2, reply_to_row=r2, text="B", by_user="U1")
    store.create_send(key="c", conversation_id=c1, reply_to_row=None, text="C", by_user="U1")
    store.update_send(send_id=a["id"], state="sent")
    assert [s["key"] for s in store.sends()] == ["a", "b", "c"]
    assert [s["key"] for s in store.sends(conversation_id=c1)] == ["a", "c"]
    assert [s["key"] for s in store.sends(state="queued")] == ["b", "c"]
    assert [s["key"] for s in store.sends(conversation_id=c1, state="queued")] == ["c"]


def test_only_queued_sends_whose_time_has_come_are_due(store: Store) -> None:
    cid, _ = conversation_with_message(store)
    now = store.clock.now()
    keys = ["later", "now", "sooner", "sending"]
    ids = {
        k: store.create_send(key=k, conversation_id=cid, reply_to_row=None, text=k, by_user="U1")[0]["id"]
        for k in keys
    }
    store.update_send(send_id=ids["later"], next_attempt_at=iso(now + timedelta(minutes=5)))
    store.update_send(send_id=ids["sooner"], next_attempt_at=iso(now - timedelta(minutes=5)))
    store.update_send(send_id=ids["sending"], state="sending")
    assert [s["key"] for s in store.due_sends()] == ["sooner", "now"]  # earliest first, not first queued
    assert store.next_send_time() == now - timedelta(minutes=5)
    store.update_send(send_id=ids["sooner"], state="sent")
    store.update_send(send_id=ids["now"], state="failed")
    assert store.due_sends() == []
    assert store.next_send_time() == now + timedelta(minutes=5)


def test_no_queued_send_means_no_next_send_time(store: Store) -> None:
    assert store.next_send_time() is None
