"""A claim's windows with an injected clock: their dates (across DST), one note per window, never twice, then quiet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.cards.card import CardTime, format_local
from bot.cards.claims import claim_blocks
from bot.clock.claims import ClaimWatch, claim_windows, windows_of
from bot.clock.clocks import FakeClock
from bot.clock.escalation import Escalator
from bot.store.store import Store, iso
from tests.conftest import make_settings

BERLIN = ZoneInfo("Europe/Berlin")
RECEIVED = datetime(2026, 11, 24, 19, 0, tzinfo=UTC)
ORDER = "302-2222222-3333333"


def test_an_a_to_z_claim_has_four_windows_from_its_arrival() -> None:
    deadline = RECEIVED + timedelta(hours=72)
    windows = claim_windows("a_to_z_claim", RECEIVED, deadline)
    assert [(w.key, w.at - RECEIVED) for w in windows] == [
        ("contact", timedelta(days=2)),  # "contact the buyer within 2–3 days"
        ("respond", timedelta(hours=72)),  # the notice's own deadline
        ("appeal", timedelta(days=6)),  # "after 3 days without answer", from the response window
        ("decision", timedelta(days=14)),  # "Amazon decides after about 14 days"
    ]
    assert all(w.title and w.advice for w in windows)


def test_the_response_window_is_the_notices_deadline_as_the_team_set_it() -> None:
    windows = {w.key: w.at for w in claim_windows("a_to_z_claim", RECEIVED, RECEIVED + timedelta(hours=48))}
    assert windows["respond"] == RECEIVED + timedelta(hours=48)
    assert windows["appeal"] == RECEIVED + timedelta(hours=48 + 72)
    without = {w.key: w.at for w in claim_windows("a_to_z_claim", RECEIVED)}  # no deadline set: Amazon's 72 h
    assert without["respond"] == RECEIVED + timedelta(hours=72)


def test_a_chargeback_has_its_response_window_and_other_notices_none() -> None:
    windows = claim_windows("chargeback", RECEIVED, None)
    assert [(w.key, w.at) for w in windows] == [("respond", RECEIVED + timedelta(days=7))]
    assert claim_windows("return_request", RECEIVED, RECEIVED + timedelta(hours=48)) == []
    assert claim_windows(None, RECEIVED) == []
    with pytest.raises(ValueError, match="timezone"):
        claim_windows("a_to_z_claim", datetime(2026, 11, 24, 19, 0))


@pytest.mark.parametrize(
    ("received", "contact_local", "decision_local"),
    [
        # spring forward on Sunday 29 March 2026: 48 elapsed hours end an hour later on the wall clock
        (datetime(2026, 3, 27, 10, 0, tzinfo=BERLIN), "Sun 29 Mar 11:00 CEST", "Fri 10 Apr 11:00 CEST"),
        # fall back on Sunday 25 October 2026: an hour earlier
        (datetime(2026, 10, 23, 10, 0, tzinfo=BERLIN), "Sun 25 Oct 09:00 CET", "Fri 06 Nov 09:00 CET"),
    ],
)
def test_windows_count_elapsed_time_across_dst_and_show_the_team_time(
    received: datetime, contact_local: str, decision_local: str
) -> None:
    utc = received.astimezone(UTC)  # aware local + timedelta adds wall-clock hours: the arithmetic is UTC's
    windows = {w.key: w for w in claim_windows("a_to_z_claim", received, utc + timedelta(hours=72))}
    assert windows["contact"].at - received == timedelta(hours=48)
    assert format_local(windows["contact"].at, BERLIN) == contact_local
    assert format_local(windows["decision"].at, BERLIN) == decision_local
    at = CardTime(now=utc + timedelta(hours=49), tz=BERLIN)
    conv = {"id": 1, "kind": "notice", "notice_type": "a_to_z_claim", "state": "open"}
    text = claim_blocks(conv, list(windows.values()), at)[0]["text"]["text"]
    assert f"|{contact_local}>" in text and "~Contact the buyer~" in text and "_(passed)_" in text
    assert f"|{decision_local}>" in text
    assert ":arrow_forward: *Respond to Amazon*" in text and "(23 h 0 min left)" in text


class Rig:
    """A store with claim notices, the clock at their arrival, and the watch as a fresh process builds it."""

    def __init__(self, tmp_path: Path) -> None:
        self.clock = FakeClock(RECEIVED)
        self.settings = make_settings(tmp_path, oncall_members="U0ONCALL", digest_time="")
        self.store = Store.open(self.settings.database_path, clock=self.clock)
        self.posts: list[tuple[str, int | None, str | None, str, dict[str, Any]]] = []

    def claim(self, notice_type: str = "a_to_z_claim", hours: float = 72, **fields: Any) -> int:
        return self.store.create_conversation(
            key=f"mail:{notice_type}:{len(self.store.conversations())}",
            kind="notice",
            notice_type=notice_type,
            order_id=ORDER,
            opened_at=iso(RECEIVED),
            deadline=iso(RECEIVED + timedelta(hours=hours)),
            **fields,
        )

    def watch(self) -> ClaimWatch:
        escalator = Escalator(self.settings, self.store, self.clock, post=lambda *a: None)
        return ClaimWatch(
            self.settings, self.store, self.clock, escalator=escalator, post=lambda *a: self.posts.append(a)
        )

    def notes(self) -> list[dict[str, Any]]:
        return [payload for kind, _, _, _, payload in self.posts if kind == "thread"]


def test_one_note_per_window_never_twice_across_sweeps_and_restarts(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    conv_id = rig.claim()
    watch = rig.watch()
    assert watch.tick() == 0 and watch.next_due() == RECEIVED + timedelta(days=2)
    for window, after in (
        ("contact", timedelta(days=2)),
        ("respond", timedelta(days=3)),
        ("appeal", timedelta(days=6)),
    ):
        rig.clock.set(RECEIVED + after)
        assert watch.tick() == 1
        assert watch.tick() == 0  # the sweep a minute later
        assert rig.watch().tick() == 0  # a restarted process
        note = rig.notes()[-1]
        assert note["claim_window"] == window and note["who"] == "U0ONCALL" and not note["missed"]
    assert [n["claim_window"] for n in rig.notes()] == ["contact", "respond", "appeal"]
    assert rig.notes()[0]["next"]["title"] == "Respond to Amazon"
    updates = [key for kind, _, _, key, _ in rig.posts if kind == "update"]
    assert len(updates) == 3  # the card redraws to mark each window passed
    assert all(cid == conv_id for _, cid, _, _, _ in rig.posts)
    assert watch.next_due() == RECEIVED + timedelta(days=14)


def test_the_claimer_is_mentioned_and_a_handled_claim_is_quiet(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    conv_id = rig.claim(claimed_by="U0LENA")
    watch = rig.watch()
    rig.clock.set(RECEIVED + timedelta(days=2, minutes=1))
    assert watch.tick() == 1 and rig.notes()[0]["who"] == "U0LENA"
    rig.store.settle(conversation_id=conv_id, by="U0LENA", outcome="refunded")
    rig.clock.set(RECEIVED + timedelta(days=20))
    assert watch.tick() == 0 and watch.next_due() is None
    assert len(rig.notes()) == 1


def test_after_downtime_only_the_newest_window_is_told_and_names_the_others(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    conv_id = rig.claim()
    rig.clock.set(RECEIVED + timedelta(days=7))
    assert rig.watch().tick() == 1
    [note] = rig.notes()
    assert note["claim_window"] == "appeal" and note["late"]
    assert note["missed"] == ["Contact the buyer", "Respond to Amazon"]
    keys = rig.store.notification_keys(conversation_id=conv_id, clock=f"claim:{iso(RECEIVED)}")
    assert keys == {"contact", "respond", "appeal"}  # the older ones recorded (skipped), never told later
    rig.clock.set(RECEIVED + timedelta(days=8))
    assert rig.watch().tick() == 0


def test_a_chargeback_is_reminded_at_its_response_window_only(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    rig.claim("chargeback", hours=168)
    rig.claim("return_request", hours=48)  # not a claim: no windows
    watch = rig.watch()
    rig.clock.set(RECEIVED + timedelta(days=6, hours=23))
    assert watch.tick() == 0
    rig.clock.set(RECEIVED + timedelta(days=7))
    assert watch.tick() == 1 and rig.notes()[0]["notice_type"] == "chargeback"
    rig.clock.set(RECEIVED + timedelta(days=30))
    assert watch.tick() == 0


def test_windows_of_reads_a_stored_claim_and_ignores_other_conversations(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    conv = rig.store.conversation(conversation_id=rig.claim(hours=60)) or {}
    assert {w.key: w.at for w in windows_of(conv)}["respond"] == RECEIVED + timedelta(hours=60)
    assert windows_of({**conv, "kind": "buyer"}) == []
    assert windows_of({**conv, "opened_at": None}) == []


def test_a_window_another_worker_recorded_first_is_left_to_it_all_or_nothing(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    conv_id = rig.claim()
    clock = f"claim:{iso(RECEIVED)}"
    rig.store.record_notification(  # the other worker told "respond" between our read and our write
        conversation_id=conv_id,
        clock=clock,
        key="respond",
        stage="claim",
        planned_at=RECEIVED,
        sent_at=RECEIVED,
    )
    rig.clock.set(RECEIVED + timedelta(days=3, minutes=1))
    watch = rig.watch()
    watch._untold = lambda conv: claim_windows("a_to_z_claim", RECEIVED)[:2]
    assert watch.tick() == 0 and rig.posts == []
    assert rig.store.notification_keys(conversation_id=conv_id, clock=clock) == {"respond"}  # ours undone
