"""The 24-hour clock's records: which conversations are due, notifications and once-only events recorded exactly
once, on-call overrides in the order they were set."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.mail.intake import Intake
from bot.store.store import Store, iso
from tests.bot.store.conftest import feed
from tests.support.clock import TEAM_TIME


def deadline_of(store: Store, conversation_id: int) -> str:
    conv = store.conversation(conversation_id=conversation_id)
    assert conv is not None and conv["deadline"]
    return str(conv["deadline"])


async def test_open_conversations_with_a_clock_are_due_earliest_deadline_first(
    store: Store, intake: Intake
) -> None:
    young = await feed(intake, "de_invoice.eml", 3)
    old = await feed(intake, "en_shipping.eml", 5)
    middle = await feed(intake, "fr_damaged.eml", 4)
    await feed(intake, "notice_refund.eml", 6)  # a notice without a clock of its own
    assert [c["id"] for c in store.sla_due(now=TEAM_TIME)] == [old, middle, young]  # nothing planned yet
    assert [c["id"] for c in store.sla_due(now=TEAM_TIME, limit=2)] == [old, middle]
    store.update_conversation(conversation_id=middle, next_sla_at=iso(TEAM_TIME + timedelta(hours=1)))
    store.update_conversation(conversation_id=old, next_sla_at=iso(TEAM_TIME))
    assert [c["id"] for c in store.sla_due(now=TEAM_TIME)] == [old, young]
    store.answer(conversation_id=young, by="U0AGENT")  # the clock stops
    assert [c["id"] for c in store.sla_due(now=TEAM_TIME)] == [old]
    assert [c["id"] for c in store.sla_due(now=TEAM_TIME + timedelta(hours=1))] == [old, middle]


async def test_the_next_planned_notification_of_an_open_conversation(store: Store, intake: Intake) -> None:
    assert store.next_sla_time() is None
    one = await feed(intake, "de_invoice.eml", 3)
    two = await feed(intake, "en_shipping.eml", 5)
    answered = await feed(intake, "fr_damaged.eml", 4)
    assert store.next_sla_time() is None  # none planned yet
    store.update_conversation(conversation_id=one, next_sla_at=iso(TEAM_TIME + timedelta(hours=2)))
    store.update_conversation(conversation_id=two, next_sla_at=iso(TEAM_TIME + timedelta(hours=5)))
    store.update_conversation(conversation_id=answered, next_sla_at=iso(TEAM_TIME + timedelta(hours=1)))
    store.answer(conversation_id=answered, by="U0AGENT")
    assert store.next_sla_time() == TEAM_TIME + timedelta(hours=2)


async def test_a_notification_is_recorded_once_per_conversation_clock_and_key(
    store: Store, intake: Intake
) -> None:
    cid = await feed(intake, "de_invoice.eml", 3)
    other = await feed(intake, "en_shipping.eml", 5)
    clock = deadline_of(store, cid)

    def record(conversation_id: int, clock: str, key: str, at: datetime = TEAM_TIME) -> bool:
        return store.record_notification(
            conversation_id=conversation_id,
            clock=clock,
            key=key,
            stage=key.split(":")[0],
            planned_at=at,
            sent_at=at,
        )

    assert record(cid, clock, "due_soon:0")
    assert not record(cid, clock, "due_soon:0", TEAM_TIME + timedelta(minutes=5))  # another worker, later
    assert record(cid, clock, "overdue:0")
    new_clock = iso(TEAM_TIME + timedelta(hours=24))  # the buyer wrote again: a fresh clock
    assert record(cid, new_clock, "due_soon:0")
    assert record(other, deadline_of(store, other), "due_soon:0")
    assert store.notification_keys(conversation_id=cid, clock=clock) == {"due_soon:0", "overdue:0"}
    assert store.notification_keys(conversation_id=cid, clock=new_clock) == {"due_soon:0"}
    assert store.notification_keys(conversation_id=other, clock=clock) == set()


async def test_a_notification_keeps_its_plan_and_what_became_of_it(store: Store, intake: Intake) -> None:
    cid = await feed(intake, "de_invoice.eml", 3)
    planned, sent = TEAM_TIME - timedelta(minutes=30), TEAM_TIME
    store.record_notification(
        conversation_id=cid,
        clock=deadline_of(store, cid),
        key="overdue:0",
        stage="overdue",
        planned_at=planned,
        sent_at=sent,
        late=True,
        skipped=False,
        who="U0ONCALL,U0LEAD",
    )
    [row] = store.query("SELECT * FROM notifications")
    assert (row["stage"], row["planned_at"], row["sent_at"]) == ("overdue", iso(planned), iso(sent))
    assert (row["late"], row["skipped"], row["who"]) == (1, 0, "U0ONCALL,U0LEAD")


async def test_a_once_only_event_is_recorded_once(store: Store, intake: Intake) -> None:
    assert not store.once_recorded(key="digest:2026-11-26")
    assert store.record_once(key="digest:2026-11-26", at=TEAM_TIME)
    assert store.once_recorded(key="digest:2026-11-26") and not store.once_recorded(key="digest:2026-11-27")
    assert not store.record_once(key="digest:2026-11-26", at=TEAM_TIME + timedelta(hours=1))  # another worker
    assert store.record_once(key="digest:2026-11-27", at=TEAM_TIME + timedelta(days=1))
    cid = await feed(
        intake, "de_invoice.eml", 3
    )  # a conversation's notification with the same key is its own
    clock = deadline_of(store, cid)
    assert store.record_notification(
        conversation_id=cid,
        clock=clock,
        key="digest:2026-11-26",
        stage="",
        planned_at=TEAM_TIME,
        sent_at=TEAM_TIME,
    )
    assert store.notification_keys(conversation_id=cid, clock=clock) == {"digest:2026-11-26"}


def test_oncall_overrides_come_in_the_order_they_were_set(store: Store) -> None:
    assert store.oncall_overrides() == []
    first = (TEAM_TIME + timedelta(days=1), TEAM_TIME + timedelta(days=2))
    second = (
        TEAM_TIME,
        TEAM_TIME + timedelta(days=3),
    )  # set later, starts earlier: it wins where they overlap
    store.add_oncall_override(user="U0ANNA", start=first[0], end=first[1], by="U0LEAD")
    store.add_oncall_override(user="U0BEN", start=second[0], end=second[1], by="U0BEN")
    assert store.oncall_overrides() == [("U0ANNA", *first), ("U0BEN", *second)]
    audit = store.query("SELECT actor, action, detail FROM audit ORDER BY id")
    assert [(a["actor"], a["action"]) for a in audit] == [
        ("U0LEAD", "oncall_override"),
        ("U0BEN", "oncall_override"),
    ]
    assert '"user": "U0ANNA"' in audit[0]["detail"]
