"""The clock at work with an injected time: stages, repeats, once-only, catch-up, claims, handoffs, digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cards.card import CardTime
from bot.cards.clock import reminder
from bot.clock.clocks import FakeClock
from bot.clock.escalation import Escalator
from bot.mail.intake import Intake
from bot.mail.source import IncomingMail
from bot.store.store import Store, iso
from tests.conftest import fixture_mail, make_settings

RECEIVED = datetime(2026, 11, 24, 7, 12, 45, tzinfo=UTC)  # de_invoice.eml's Date header
DEADLINE = RECEIVED + timedelta(hours=24)


class Rig:
    def __init__(self, tmp_path: Path, **overrides: Any) -> None:
        self.clock = FakeClock(RECEIVED + timedelta(minutes=1))
        base = {"oncall_members": "U0ONCALL,U0AGENT", "escalation_mention": "S0LEADS", "digest_time": ""}
        self.settings = make_settings(tmp_path, **{**base, **overrides})
        self.store = Store.open(self.settings.database_path, clock=self.clock)
        self.posts: list[tuple[str, int | None, str | None, str, dict[str, Any]]] = []
        self.escalator = self.new_escalator()

    def new_escalator(self) -> Escalator:
        return Escalator(self.settings, self.store, self.clock, post=lambda *a: self.posts.append(a))

    async def mail(self) -> int:
        await Intake(self.settings, self.store).handle(
            IncomingMail(fixture_mail("de_invoice.eml"), "m", RECEIVED)
        )
        return int(self.store.conversations()[0]["id"])

    def at(self, before_deadline: timedelta) -> None:
        self.clock.set(DEADLINE - before_deadline)

    def threads(self) -> list[dict[str, Any]]:
        return [p[4]["sla"] for p in self.posts if p[0] == "thread"]


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path)


async def test_stages_fire_once_each_with_the_right_people(rig: Rig) -> None:
    await rig.mail()
    assert rig.escalator.tick() == 0  # fresh: the card is the notice
    rig.at(timedelta(hours=6))
    assert rig.escalator.tick() == 1
    assert rig.threads()[-1]["stage"] == "due_soon" and rig.threads()[-1]["mentions"] == []
    assert [p[0] for p in rig.posts] == [
        "update",
        "thread",
    ]  # the card's countdown and colour, and a reminder
    assert (
        rig.escalator.tick() == 0 and rig.new_escalator().tick() == 0
    )  # a re-run or a second worker: nothing
    # a second worker (its own connection) that read the conversation before the first recorded its reminder
    second = Store.open(rig.settings.database_path, clock=rig.clock)
    second.notification_keys = lambda **kw: set()  # type: ignore[method-assign]
    racer = Escalator(rig.settings, second, rig.clock, post=lambda *a: rig.posts.append(a))
    before = len(rig.posts)
    racer._conversation(rig.store.conversations()[0], rig.clock.now())
    assert len(rig.posts) == before  # the unique key, not the pre-read, stops the second post

    rig.at(timedelta(hours=2))
    rig.escalator.tick()
    assert rig.threads()[-1]["stage"] == "urgent" and rig.threads()[-1]["mentions"] == ["U0ONCALL"]
    rig.at(timedelta(hours=1, minutes=30))
    assert rig.escalator.tick() == 0  # the repeat comes an hour after the stage began
    rig.at(timedelta(hours=1))
    rig.escalator.tick()
    assert rig.threads()[-1]["stage"] == "urgent" and rig.threads()[-1]["repeat"] == 1
    assert rig.posts[-1][0] == "thread"  # a repeat reminds; the card was redrawn at the stage change

    rig.at(timedelta(minutes=30))
    rig.escalator.tick()
    assert rig.threads()[-1]["mentions"] == ["U0ONCALL", "S0LEADS"]
    dm = [p for p in rig.posts if p[0] == "note"]
    assert dm and dm[-1][2] == "U0ONCALL"  # the person on call gets a DM
    rig.at(timedelta(0))
    rig.escalator.tick()
    assert rig.threads()[-1]["stage"] == "breached" and not rig.threads()[-1]["late"]
    conv = rig.store.conversations()[0]
    assert conv["sla_stage"] == "breached" and conv["next_sla_at"] == iso(DEADLINE + timedelta(hours=1))


async def test_downtime_is_caught_up_late_without_a_burst(rig: Rig) -> None:
    await rig.mail()
    rig.at(timedelta(minutes=20))  # the bot was down from the start until the critical stage
    rig.escalator.tick()
    assert [(t["stage"], t["repeat"], t["late"]) for t in rig.threads()] == [
        ("due_soon", 0, True),
        ("urgent", 0, True),
        ("critical", 0, True),
    ]
    skipped = rig.store.conn.execute("SELECT key FROM notifications WHERE skipped = 1").fetchall()
    assert skipped == [("urgent:1",)]  # a stale repeat is recorded, not sent
    text = reminder(rig.threads()[0], CardTime(now=rig.clock.now(), tz=rig.settings.tz))
    assert "Sent late" in str(text["blocks"])


async def test_claiming_stops_pings_to_others_not_the_clock(rig: Rig) -> None:
    conv_id = await rig.mail()
    rig.store.claim(conversation_id=conv_id, by="U0AGENT")
    rig.at(timedelta(minutes=30))
    rig.escalator.tick()
    assert all(t["mentions"] == ["U0AGENT"] for t in rig.threads())
    assert not [p for p in rig.posts if p[0] == "note"]  # no DM to the on-call person
    assert rig.threads()[-1]["stage"] == "critical"


async def test_an_answer_stops_the_clock(rig: Rig) -> None:
    conv_id = await rig.mail()
    rig.store.answer(conversation_id=conv_id, by="U0AGENT")
    rig.at(timedelta(hours=-3))
    assert rig.escalator.tick() == 0 and rig.posts == []


async def test_after_hours_the_on_call_person_is_pinged_from_due_soon(tmp_path: Path) -> None:
    rig = Rig(tmp_path, business_hours="mon-fri 08:00-18:00", timezone="Europe/Berlin")
    await rig.mail()
    rig.at(timedelta(hours=6))  # Wed 02:12 in Berlin
    rig.escalator.tick()
    assert rig.threads()[-1]["mentions"] == ["U0ONCALL"]


async def test_overrides_and_the_handoff_message_once(rig: Rig) -> None:
    rig.clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=UTC))  # Monday 09:00 in Berlin: UA → next member
    rig.escalator.tick()
    notes = [p for p in rig.posts if p[0] == "note"]
    assert len(notes) == 1 and notes[0][4]["handoff"]["user"] == rig.escalator.on_call()
    rig.escalator.tick()
    assert len([p for p in rig.posts if p[0] == "note"]) == 1
    rig.escalator.add_override(
        user="U0LEAD", start=rig.clock.now(), end=rig.clock.now() + timedelta(hours=4), by="U0LEAD"
    )
    assert rig.escalator.on_call() == "U0LEAD"
    rig.escalator.tick()
    assert [p[4]["handoff"]["user"] for p in rig.posts if p[0] == "note"][-1] == "U0LEAD"
    with pytest.raises(ValueError, match="ends after it starts"):
        rig.escalator.add_override(user="U0LEAD", start=rig.clock.now(), end=rig.clock.now(), by="U0LEAD")


async def test_a_new_buyer_message_starts_a_new_clock(rig: Rig) -> None:
    conv_id = await rig.mail()
    rig.store.answer(conversation_id=conv_id, by="U0AGENT")
    rig.clock.set(RECEIVED + timedelta(hours=30))
    await Intake(rig.settings, rig.store).handle(
        IncomingMail(fixture_mail("de_followup_aw.eml"), "m2", rig.clock.now())
    )
    conv = rig.store.conversation(conversation_id=conv_id)
    assert conv is not None and conv["state"] == "open" and conv["next_sla_at"] is None
    new_deadline = datetime.fromisoformat(conv["deadline"])
    assert new_deadline > DEADLINE
    rig.clock.set(new_deadline - timedelta(hours=6))
    rig.escalator.tick()
    assert [t["deadline"] for t in rig.threads()] == [conv["deadline"]]


async def test_a_daily_job_that_fails_is_retried_and_told_after_the_second_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.clock.digest

    rig = Rig(tmp_path, digest_time="08:00")
    rig.clock.set(datetime(2026, 11, 25, 7, 30, tzinfo=UTC))  # Wednesday 08:30 in Berlin
    real, failures = (
        bot.clock.digest.digest,
        [RuntimeError("database is locked"), RuntimeError("disk I/O error")],
    )

    def flaky(*args: Any, **kwargs: Any) -> dict[str, Any]:
        if failures:
            raise failures.pop(0)
        return real(*args, **kwargs)

    monkeypatch.setattr(bot.clock.digest, "digest", flaky)

    def notes(kind: str) -> list[dict[str, Any]]:
        return [p[4] for p in rig.posts if p[0] == "note" and kind in p[4]]

    def recorded() -> int:
        sql = "SELECT count(*) FROM notifications WHERE key = 'digest:2026-11-25'"
        return int(rig.store.conn.execute(sql).fetchone()[0])

    rig.escalator.tick()
    assert notes("digest") == [] and notes("job_failed") == [] and recorded() == 0  # not marked done
    rig.escalator.tick()
    [told] = notes("job_failed")
    assert (
        told["job_failed"]["job"] == "digest:2026-11-25" and "disk I/O error" in told["job_failed"]["error"]
    )
    rig.escalator.tick()
    assert len(notes("digest")) == 1 and recorded() == 1
    rig.escalator.tick()
    assert len(notes("digest")) == 1 and len(notes("job_failed")) == 1  # once each
    from bot.cards.card import CardTime
    from bot.cards.clock import job_failed

    text = job_failed(told, CardTime(rig.clock.now(), rig.settings.tz))["blocks"][0]["text"]["text"]
    assert "daily digest" in text and "failed twice" in text and "tried again" in text


async def test_the_latest_override_set_in_slack_wins(rig: Rig) -> None:
    now = rig.clock.now()
    rig.escalator.add_override(user="U0LEAD", start=now, end=now + timedelta(hours=8), by="U0LEAD")
    rig.escalator.add_override(user="U0AGENT", start=now, end=now + timedelta(hours=2), by="U0AGENT")
    assert rig.escalator.on_call() == "U0AGENT"
    rig.clock.advance(hours=2)  # the override's end is exclusive: the earlier, longer one covers again
    assert rig.escalator.on_call() == "U0LEAD"
