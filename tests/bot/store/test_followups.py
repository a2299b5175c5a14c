"""The follow-up records: set by a send that promised one, due once per due time, snoozed, finished, cleared by
the buyer writing again."""

from __future__ import annotations

from datetime import timedelta

from bot.clock.clocks import FakeClock
from bot.store.store import Store, iso
from tests.bot.store.conftest import conversation_with_message


def _sent(store: Store, cid: int, hours: float | None, text: str = "Bitte senden Sie uns Fotos.") -> None:
    send, _ = store.create_send(
        key=f"k{cid}-{hours}",
        conversation_id=cid,
        reply_to_row=None,
        text=text,
        by_user="U0AGENT",
        follow_up_hours=hours,
    )
    store.answer(conversation_id=cid, by="U0AGENT")
    store.promise_follow_up(send=send, at=store.clock.now())


def test_a_send_with_a_follow_up_leaves_its_conversation_waiting(store: Store, clock: FakeClock) -> None:
    cid, _ = conversation_with_message(store)
    _sent(store, cid, 24, "Wort " * 200)
    [waiting] = store.waiting()
    assert waiting["id"] == cid and waiting["follow_up_at"] == iso(clock.now() + timedelta(hours=24))
    assert waiting["follow_up_by"] == "U0AGENT" and len(waiting["follow_up_note"]) <= 300
    assert waiting["follow_up_note"].endswith("…")
    assert store.follow_ups_due(now=clock.now()) == []
    assert store.next_follow_up() == clock.now() + timedelta(hours=24)


def test_due_once_per_due_time(store: Store, clock: FakeClock) -> None:
    cid, _ = conversation_with_message(store)
    _sent(store, cid, 1)
    clock.advance(hours=1)
    [due] = store.follow_ups_due(now=clock.now())
    store.mark_follow_up_reminded(conversation_id=cid, due=due["follow_up_at"])
    assert store.follow_ups_due(now=clock.now()) == [] and store.next_follow_up() is None
    store.snooze_follow_up(conversation_id=cid, until=clock.now() + timedelta(hours=4), by="U0LEAD")
    clock.advance(hours=4)
    assert [c["id"] for c in store.follow_ups_due(now=clock.now())] == [cid]
    store.finish_follow_up(conversation_id=cid, by="U0LEAD")
    assert store.waiting() == [] and store.follow_ups_due(now=clock.now() + timedelta(days=30)) == []


def test_no_follow_up_without_hours_and_none_once_the_buyer_writes(store: Store, clock: FakeClock) -> None:
    quiet, _ = conversation_with_message(store, 1)
    _sent(store, quiet, None)
    promised, _ = conversation_with_message(store, 2)
    _sent(store, promised, 48)
    assert [c["id"] for c in store.waiting()] == [promised]
    store.reopen(conversation_id=promised, opened_at=clock.now(), deadline=clock.now() + timedelta(hours=24))
    assert store.waiting() == [] and store.follow_ups_due(now=clock.now() + timedelta(days=3)) == []
