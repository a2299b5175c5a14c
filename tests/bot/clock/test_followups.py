"""Follow-ups with an injected clock: due once, the right person, snoozed, done, reopened by the buyer, across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cards.card import CardTime, buyer_card
from bot.cards.clock import follow_up
from bot.clock.clocks import FakeClock
from bot.clock.escalation import Escalator
from bot.clock.followups import FollowUpRefused, FollowUps, follow_up_state
from bot.mail.intake import Intake
from bot.mail.source import IncomingMail
from bot.store.store import Store
from tests.conftest import fixture_mail, make_settings

RECEIVED = datetime(2026, 11, 24, 7, 12, 45, tzinfo=UTC)  # de_invoice.eml's Date header
SENT = RECEIVED + timedelta(hours=1)


class Rig:
    def __init__(self, tmp_path: Path, **overrides: Any) -> None:
        self.clock = FakeClock(SENT)
        base = {"oncall_members": "U0ONCALL", "digest_time": ""}
        self.settings = make_settings(tmp_path, **{**base, **overrides})
        self.store = Store.open(self.settings.database_path, clock=self.clock)
        self.posts: list[tuple[str, int | None, str | None, str, dict[str, Any]]] = []
        self.changed: list[int] = []
        self.followups = self.restarted()

    def restarted(self) -> FollowUps:
        """FollowUps as a fresh process builds them over the same database."""
        escalator = Escalator(self.settings, self.store, self.clock, post=lambda *a: None)
        return FollowUps(
            self.settings,
            self.store,
            self.clock,
            escalator=escalator,
            post=lambda *a: self.posts.append(a),
            changed=self.changed.append,
        )

    async def mail(self, name: str = "de_invoice.eml", when: datetime = RECEIVED) -> int:
        await Intake(self.settings, self.store).handle(IncomingMail(fixture_mail(name), name, when))
        return int(self.store.conversations()[0]["id"])

    def send(self, conv_id: int, *, hours: float | None = 48, by: str = "U0AGENT") -> None:
        """A reply went out (as the mailer records it)."""
        send, _ = self.store.create_send(
            key=f"k{len(self.store.sends())}",
            conversation_id=conv_id,
            reply_to_row=None,
            text="Bitte schicken Sie uns ein Foto des Schadens. Wir melden uns dann sofort.",
            by_user=by,
            follow_up_hours=hours,
        )
        self.store.answer(conversation_id=conv_id, by=by)
        self.store.promise_follow_up(send=send, at=self.clock.now())

    def reminders(self) -> list[dict[str, Any]]:
        return [p[4] for p in self.posts if p[0] == "thread" and "follow_up" in p[4]]


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path)


async def test_a_promise_comes_due_once_with_the_sender_and_the_promise(rig: Rig) -> None:
    conv_id = await rig.mail()
    rig.send(conv_id)
    assert rig.followups.next_due() == SENT + timedelta(hours=48)
    rig.clock.set(SENT + timedelta(hours=47, minutes=59))
    assert rig.followups.tick() == 0
    rig.clock.set(SENT + timedelta(hours=48))
    assert rig.followups.tick() == 1
    [reminder] = rig.reminders()
    assert reminder["who"] == "U0AGENT" and reminder["by"] == "U0AGENT"
    assert "Foto des Schadens" in reminder["note"]
    assert (
        rig.posts[0][3]
        == f"followup:{conv_id}:{rig.store.conversation(conversation_id=conv_id)['follow_up_at']}"
    )
    assert rig.changed == [conv_id]  # the card shows "follow-up due"
    assert rig.followups.tick() == 0 and rig.restarted().tick() == 0  # once, also after a restart
    assert rig.followups.next_due() is None


async def test_the_claimer_comes_first_then_the_sender_then_whoever_is_on_call(rig: Rig) -> None:
    conv_id = await rig.mail()
    rig.store.claim(conversation_id=conv_id, by="U0LEAD")
    rig.send(conv_id, hours=1)
    rig.clock.set(SENT + timedelta(hours=2))
    rig.followups.tick()
    assert rig.reminders()[-1]["who"] == "U0LEAD"
    rig.store.release(conversation_id=conv_id, by="U0LEAD")
    rig.send(conv_id, hours=1, by="")
    rig.clock.advance(hours=2)
    rig.followups.tick()
    assert rig.reminders()[-1]["who"] == "U0ONCALL"


async def test_snooze_moves_the_due_time_and_reminds_again_then(rig: Rig) -> None:
    conv_id = await rig.mail()
    rig.send(conv_id, hours=24)
    rig.clock.set(SENT + timedelta(hours=24))
    rig.followups.tick()
    until = rig.followups.snooze(conv_id, 4, user="U0AGENT")
    assert until == rig.clock.now() + timedelta(hours=4)
    rig.clock.advance(hours=3)
    assert rig.followups.tick() == 0
    rig.clock.advance(hours=1)
    assert rig.restarted().tick() == 1  # the snoozed due time survives a restart
    assert len(rig.reminders()) == 2
    with pytest.raises(FollowUpRefused):
        rig.followups.snooze(conv_id, 5, user="U0AGENT")  # not a button the bot offers


async def test_done_ends_it_and_a_second_click_is_told_so(rig: Rig) -> None:
    conv_id = await rig.mail()
    rig.send(conv_id, hours=24)
    rig.followups.done(conv_id, user="U0AGENT")
    rig.clock.set(SENT + timedelta(days=3))
    assert rig.followups.tick() == 0
    with pytest.raises(FollowUpRefused, match="over"):
        rig.followups.done(conv_id, user="U0LEAD")
    actions = [
        a["action"] for a in rig.store.query("SELECT * FROM audit WHERE conversation_id = ?", [conv_id])
    ]
    assert "follow_up_set" in actions and "follow_up_done" in actions


async def test_the_buyer_writing_first_reopens_the_conversation_and_cancels_the_reminder(rig: Rig) -> None:
    conv_id = await rig.mail()
    rig.send(conv_id, hours=24)
    rig.clock.set(SENT + timedelta(hours=5))
    await rig.mail("de_followup_aw.eml", when=SENT + timedelta(hours=5))
    conv = rig.store.conversation(conversation_id=conv_id)
    assert conv is not None and conv["state"] == "open" and conv["follow_up_at"] is None
    rig.clock.set(SENT + timedelta(days=2))
    assert rig.followups.tick() == 0
    with pytest.raises(FollowUpRefused):
        rig.followups.snooze(conv_id, 4, user="U0AGENT")


async def test_a_reply_without_a_follow_up_leaves_nothing_waiting(rig: Rig) -> None:
    conv_id = await rig.mail()
    rig.send(conv_id, hours=None)
    assert rig.store.waiting() == [] and rig.followups.next_due() is None


async def test_the_card_and_the_reminder_say_what_is_waiting(rig: Rig) -> None:
    conv_id = await rig.mail()
    rig.send(conv_id, hours=24)
    conv = rig.store.conversation(conversation_id=conv_id) or {}
    latest = rig.store.latest_buyer_message(conversation_id=conv_id) or {}
    at = CardTime(now=rig.clock.now(), tz=rig.settings.tz)
    assert "waiting for the buyer: follow-up" in str(buyer_card(conv, latest, at)["blocks"])
    assert follow_up_state(conv, rig.clock.now()) == (SENT + timedelta(hours=24), False)
    rig.clock.set(SENT + timedelta(hours=25))
    rig.followups.tick()
    later = CardTime(now=rig.clock.now(), tz=rig.settings.tz)
    conv = rig.store.conversation(conversation_id=conv_id) or {}
    assert "*follow-up due* since" in str(buyer_card(conv, latest, later)["blocks"])
    message = follow_up(rig.reminders()[0], later)
    text = str(message["blocks"])
    assert "<@U0AGENT>" in text and "Foto des Schadens" in text
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    due = rig.reminders()[0]["due"]
    assert [e["value"] for e in actions["elements"]] == [f"{conv_id}@{due}"] * 3  # which promise it is about
    assert (
        len({e["action_id"] for e in actions["elements"]}) == 3
    )  # unique within the block, as Slack requires
