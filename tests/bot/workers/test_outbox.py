"""The outbox worker: card redraws (coalesced), the clock's posts, a reply's fate and order changes queued for the
poster, each with a wake-up."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock.clocks import FakeClock
from bot.mail.intake import Intake
from bot.mail.source import IncomingMail
from bot.settings import Settings
from bot.store.store import Row, Store
from bot.workers.outbox import Outbox
from tests.bot.workers.conftest import Rig
from tests.conftest import fixture_mail, make_settings
from tests.support.clock import TEAM_TIME
from tests.support.postgres import database_url_of


async def test_redraws_of_one_card_are_coalesced_until_one_starts(rig: Rig) -> None:
    await rig.mail("de_invoice.eml")
    await rig.poster.drain()
    conv_id = int(rig.store.conversations()[0]["id"])
    for _ in range(5):  # five claims and releases in a burst
        rig.outbox.conversation_changed(conv_id)
    updates = [i for i in rig.store.due_outbox() if i["kind"] == "update_card"]
    assert len(updates) == 1
    await rig.poster.drain()
    assert len(rig.slack.calls_of("chat.update")) == 1
    rig.outbox.conversation_changed(conv_id)  # a later change queues its own redraw
    assert len([i for i in rig.store.due_outbox() if i["kind"] == "update_card"]) == 1


class Desk:
    """An outbox over a store that the intake filled with fixture mail (no Slack: only what is queued counts)."""

    def __init__(self, tmp_path: Path) -> None:
        self.settings: Settings = make_settings(tmp_path)
        self.store = Store.connect(database_url_of(tmp_path), clock=FakeClock(TEAM_TIME))
        self.intake = Intake(self.settings, self.store)
        self.outbox = Outbox(self.settings, self.store)

    async def feed(self, name: str, hours_ago: float = 2) -> int:
        """Store a fixture mail, forget the intake's own posts, and return its conversation id."""
        mail = IncomingMail(fixture_mail(name), name, TEAM_TIME - timedelta(hours=hours_ago))
        result = await self.intake.handle(mail)
        assert result.conversation_id is not None
        self.store.conn.execute("UPDATE outbox SET state = 'done'")
        return result.conversation_id

    def queued(self) -> list[Row]:
        """What the outbox worker queued (the intake's posts are done)."""
        return self.store.due_outbox()

    def conversation(self, conversation_id: int) -> Row:
        conv = self.store.conversation(conversation_id=conversation_id)
        assert conv is not None
        return conv

    def first_row(self, conversation_id: int) -> int:
        return int(self.store.conversation_messages(conversation_id=conversation_id)[0]["id"])


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return Desk(tmp_path)


async def test_a_changed_conversation_queues_a_redraw_of_its_card_and_wakes_the_poster(desk: Desk) -> None:
    cid = await desk.feed("de_invoice.eml")
    await desk.feed("de_followup_aw.eml", 1)
    assert not desk.outbox.wake.is_set()
    desk.outbox.conversation_changed(cid)
    [item] = desk.queued()
    assert (item["kind"], item["conversation_id"], item["channel"]) == ("update_card", cid, "C0INBOX")
    assert item["due_by"] == desk.conversation(cid)["deadline"]  # drained in the order of buyer deadlines
    assert item["message_row"] == desk.first_row(cid)  # the card is the conversation's first message
    assert desk.outbox.wake.is_set()


async def test_a_redraw_goes_to_the_channel_the_card_is_in(desk: Desk) -> None:
    cid = await desk.feed("de_invoice.eml")
    desk.store.update_conversation(conversation_id=cid, slack_channel="C0MOVED", slack_ts="1.000100")
    desk.outbox.conversation_changed(cid)
    assert [i["channel"] for i in desk.queued()] == ["C0MOVED"]


def test_a_change_to_an_unknown_conversation_queues_nothing(desk: Desk) -> None:
    desk.outbox.conversation_changed(404)
    assert desk.queued() == [] and not desk.outbox.wake.is_set()


async def test_a_started_redraw_does_not_absorb_a_later_change(desk: Desk) -> None:
    cid = await desk.feed("de_invoice.eml")
    desk.outbox.conversation_changed(cid)
    [started] = desk.queued()
    desk.store.mark_in_flight(outbox_id=started["id"])  # it may have read the state before this change
    desk.outbox.conversation_changed(cid)
    assert len([i for i in desk.queued() if i["kind"] == "update_card"]) == 2


async def test_the_clocks_posts_are_queued_as_their_kind_once_per_key(desk: Desk) -> None:
    cid = await desk.feed("de_invoice.eml")
    deadline = desk.conversation(cid)["deadline"]
    desk.outbox.escalation_post("thread", cid, None, "sla:1:due_soon:0", {"stage": "due_soon"})
    desk.outbox.escalation_post("thread", cid, None, "sla:1:due_soon:0", {"stage": "due_soon"})  # a repeat
    desk.outbox.escalation_post("update", cid, None, "sla:1:update:due_soon", {})
    desk.outbox.escalation_post("note", None, "D0ONCALL", "handoff:2026-11-26", {"text": "You are on call"})
    items = {i["dedupe_key"]: i for i in desk.queued()}
    assert set(items) == {"sla:1:due_soon:0", "sla:1:update:due_soon", "handoff:2026-11-26"}
    thread, update, note = (
        items["sla:1:due_soon:0"],
        items["sla:1:update:due_soon"],
        items["handoff:2026-11-26"],
    )
    assert (thread["kind"], thread["due_by"], thread["message_row"], thread["channel"]) == (
        "post_thread",
        deadline,
        None,
        "C0INBOX",
    )
    assert json.loads(thread["payload"]) == {"stage": "due_soon"}
    assert (update["kind"], update["message_row"], update["payload"]) == (
        "update_card",
        desk.first_row(cid),
        None,
    )
    assert (note["kind"], note["conversation_id"], note["due_by"], note["channel"]) == (
        "post_note",
        None,
        None,
        "D0ONCALL",
    )
    assert desk.outbox.wake.is_set()


async def test_a_clock_post_without_a_channel_goes_to_the_cards_channel(desk: Desk) -> None:
    cid = await desk.feed("de_invoice.eml")
    desk.store.update_conversation(conversation_id=cid, slack_channel="C0MOVED", slack_ts="1.000100")
    desk.outbox.escalation_post("thread", cid, None, "k1", {})
    desk.outbox.escalation_post("note", None, None, "k2", {})  # channel-wide: the inbox channel
    assert {i["dedupe_key"]: i["channel"] for i in desk.queued()} == {"k1": "C0MOVED", "k2": "C0INBOX"}


async def test_what_became_of_a_reply_is_told_in_the_cards_thread(desk: Desk) -> None:
    cid = await desk.feed("de_invoice.eml")
    send, _ = desk.store.create_send(
        key="k1", conversation_id=cid, reply_to_row=None, text="Hallo", by_user="U1"
    )
    desk.store.update_send(send_id=send["id"], attempts=1)
    desk.outbox.send_event(send["id"], "retrying")
    desk.outbox.send_event(send["id"], "retrying")  # the same news for the same attempt: told once
    [item] = desk.queued()
    assert (item["kind"], item["conversation_id"], item["message_row"], item["due_by"]) == (
        "post_thread",
        cid,
        None,
        desk.conversation(cid)["deadline"],
    )
    assert json.loads(item["payload"]) == {"send": send["id"], "event": "retrying"}
    desk.store.update_send(send_id=send["id"], attempts=2)
    desk.outbox.send_event(send["id"], "retrying")  # the next attempt's news is new
    assert len(desk.queued()) == 2 and desk.outbox.wake.is_set()


async def test_a_sent_reply_also_redraws_the_card(desk: Desk) -> None:
    cid = await desk.feed("de_invoice.eml")
    send, _ = desk.store.create_send(
        key="k1", conversation_id=cid, reply_to_row=None, text="Hallo", by_user="U1"
    )
    desk.outbox.send_event(send["id"], "sent")
    assert sorted(i["kind"] for i in desk.queued()) == ["post_thread", "update_card"]


def test_news_of_an_unknown_send_queues_nothing(desk: Desk) -> None:
    desk.outbox.send_event(404, "sent")
    assert desk.queued() == [] and not desk.outbox.wake.is_set()


async def test_a_changed_order_redraws_every_card_about_it_once(desk: Desk) -> None:
    order = "111-7366207-0755439"
    question = await desk.feed("en_shipping.eml", 3)
    refund = await desk.feed("notice_refund.eml", 2)  # the same order's notices have cards of their own
    ret = await desk.feed("notice_return.eml", 2)
    unrelated = await desk.feed("de_invoice.eml", 1)
    desk.outbox.conversation_changed(refund)  # a redraw already waits for the refund notice's card
    desk.outbox.wake.clear()  # the poster took the wake-up
    desk.outbox.order_changed(order)
    redraws = [i for i in desk.queued() if i["kind"] == "update_card"]
    assert sorted(i["conversation_id"] for i in redraws) == sorted([question, refund, ret])
    assert unrelated not in {i["conversation_id"] for i in redraws}
    mine = next(i for i in redraws if i["conversation_id"] == question)
    assert (mine["message_row"], mine["due_by"]) == (
        desk.first_row(question),
        desk.conversation(question)["deadline"],
    )
    assert desk.outbox.wake.is_set()
