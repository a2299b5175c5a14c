"""The daily digest's numbers: responses, response times, the Late Response Rate, the day in the team's timezone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock.cases import Cases
from bot.clock.clocks import FakeClock
from bot.clock.digest import digest, late_response_rate, response_minutes, responses
from bot.clock.sla import AMAZON_RESPONSE_HOURS
from bot.store.store import Store, iso
from tests.bot.clock.conftest import message_and_reply, reply
from tests.conftest import make_settings
from tests.support.clock import BERLIN, TEAM_TIME, pinned_clock
from tests.support.postgres import database_url_of

WINDOW = timedelta(hours=AMAZON_RESPONSE_HOURS)  # Amazon measures the Late Response Rate against 24 hours
NOW = TEAM_TIME.astimezone(UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.connect(database_url_of(tmp_path), clock=pinned_clock())


def buyer_message(
    store: Store,
    n: int,
    received: datetime,
    *,
    replies: Sequence[datetime] = (),
    kind: str = "buyer_message",
    deadline: bool = True,
) -> int:
    conv = store.create_conversation(
        key=f"k{n}",
        kind="buyer",
        buyer_name=f"B{n}",
        order_id=f"302-000000{n}-1234567",
        deadline=iso(received + WINDOW) if deadline else None,
    )
    message_and_reply(store, conv, n, received, None, kind=kind)
    for m, at in enumerate(replies):
        reply(store, conv, f"<r{n}.{m}@x>", at)
    return conv


def item(received: datetime, answered: datetime | None, *, no_response: bool = False) -> dict[str, Any]:
    return {
        "received": received,
        "deadline": received + WINDOW,
        "answered": answered,
        "no_response": no_response,
    }


def test_response_minutes_are_the_median_and_the_nearest_rank_90th_percentile() -> None:
    assert response_minutes([]) == {"median_minutes": None, "p90_minutes": None}
    assert response_minutes([7.4]) == {"median_minutes": 7, "p90_minutes": 7}
    assert response_minutes([30, 10]) == {"median_minutes": 20, "p90_minutes": 30}
    ten = [float(m) for m in (100, 10, 90, 20, 80, 30, 70, 40, 60, 50)]
    assert response_minutes(ten) == {"median_minutes": 55, "p90_minutes": 90}
    eleven = [*ten, 1000.0]
    assert response_minutes(eleven) == {"median_minutes": 60, "p90_minutes": 100}


def test_the_late_response_rate_counts_messages_due_in_the_window() -> None:
    due_now = NOW - WINDOW
    items = [
        item(due_now, due_now + timedelta(hours=1)),  # on time, due exactly now
        item(due_now - timedelta(hours=1), None),  # never answered: late
        item(due_now - timedelta(hours=2), due_now - timedelta(hours=2) + WINDOW),  # at the deadline: on time
        item(due_now - timedelta(hours=3), NOW - timedelta(hours=3, minutes=-1)),  # a minute late
        item(due_now - timedelta(hours=4), None, no_response=True),  # no response needed: not counted
        item(due_now + timedelta(minutes=1), None),  # due in a minute: not yet counted
        item(due_now - timedelta(days=7, minutes=1), None),  # due more than 7 days ago: outside
    ]
    assert late_response_rate(items, NOW, 7) == pytest.approx(2 / 4)
    assert late_response_rate(items, NOW, 30) == pytest.approx(3 / 5)
    assert late_response_rate(items[-2:-1], NOW, 7) is None
    assert late_response_rate([], NOW, 30) is None


def test_responses_take_the_first_reply_after_each_buyer_message(store: Store) -> None:
    day = NOW - timedelta(days=2)
    earlier, first, later = day - timedelta(hours=1), day + timedelta(hours=1), day + timedelta(hours=3)
    buyer_message(store, 1, day, replies=[earlier, later, first])  # a reply before it answers an older one
    buyer_message(store, 2, day + timedelta(minutes=5))
    buyer_message(store, 3, day + timedelta(minutes=10), kind="amazon_notice")  # notices have no clock
    buyer_message(store, 4, day - timedelta(days=3), replies=[day])  # before `since`
    rows = responses(store, day - timedelta(hours=2))
    assert [(r["received"], r["answered"]) for r in rows] == [
        (day, first),
        (day + timedelta(minutes=5), None),
    ]
    assert rows[0]["deadline"] == day + timedelta(hours=24)
    assert [r["no_response"] for r in rows] == [False, False]


def test_a_message_settled_without_an_answer_is_no_response(store: Store) -> None:
    received = NOW - timedelta(hours=1)
    conv = buyer_message(store, 1, received)
    store.settle(conversation_id=conv, by="U0LEAD")  # closed now, after the message arrived
    older = buyer_message(store, 2, received + timedelta(seconds=1))
    store.settle(conversation_id=older, by="U0LEAD")
    store.conn.execute(  # closed before this message arrived: the message itself was not settled
        "UPDATE conversations SET closed_at = ? WHERE id = ?", [iso(received - timedelta(minutes=1)), older]
    )
    answered = buyer_message(
        store, 3, received + timedelta(seconds=2), replies=[received + timedelta(minutes=2)]
    )
    store.settle(conversation_id=answered, by="U0LEAD")
    assert [r["no_response"] for r in responses(store, received - timedelta(days=1))] == [True, False, False]


def test_digest_numbers_against_a_hand_computed_fixture(tmp_path: Path) -> None:
    now = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # 08:00 in Berlin: the digest is about 24 Nov
    clock = FakeClock(now)
    store = Store.connect(database_url_of(tmp_path), clock=clock)

    def conversation(
        n: int, received: datetime, answered_after: timedelta | None, *, no_response: bool = False
    ) -> None:
        conv = store.create_conversation(
            key=f"k{n}", kind="buyer", deadline=iso(received + timedelta(hours=24)), buyer_name=f"B{n}"
        )
        if no_response:
            store.settle(conversation_id=conv, by="U0LEAD")
            store.conn.execute(  # decided an hour after it arrived
                "UPDATE conversations SET closed_at = ? WHERE id = ?",
                [iso(received + timedelta(hours=1)), conv],
            )
        elif answered_after is not None:
            store.answer(conversation_id=conv, by="U0AGENT", at=received + answered_after)
        message_and_reply(store, conv, n, received, answered_after)

    day = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 23 Nov 07:00 Berlin: due 24 Nov 07:00 Berlin (yesterday)
    conversation(1, day, timedelta(minutes=30))  # answered 23 Nov: on time
    conversation(2, day, timedelta(hours=26))  # answered 24 Nov 09:00 Berlin: late, a breach yesterday
    conversation(3, day, None)  # never answered, due yesterday: a breach, still open
    conversation(4, day, None, no_response=True)  # no response needed: out of the rate
    conversation(
        5, datetime(2026, 11, 24, 12, 0, tzinfo=UTC), timedelta(hours=2)
    )  # answered yesterday, on time
    conversation(6, datetime(2026, 11, 25, 5, 0, tzinfo=UTC), None)  # open, due tomorrow: not in the rate yet
    conversation(
        7, datetime(2026, 10, 30, 6, 0, tzinfo=UTC), timedelta(hours=30)
    )  # late, 26 days ago: 30-day rate only
    d = digest(store, now, make_settings(tmp_path).tz)
    assert d["date"] == "2026-11-24"
    assert d["answered_yesterday"] == 2  # conversations 2 and 5
    assert d["breaches_yesterday"] == 2  # conversations 2 and 3
    assert d["open"] == 2 and [q["buyer"] for q in d["queue"]] == ["B3", "B6"]
    assert d["lrr_7"] == pytest.approx(2 / 3)  # due by now within 7 days: 1, 2, 3 (5 is due at noon) → 2 late
    assert d["lrr_30"] == pytest.approx(3 / 4)  # + conversation 7
    # Response times answered in the last 7 days: 30 min, 26 h, 2 h → median 120, p90 (nearest rank) 1560.
    assert (d["median_minutes"], d["p90_minutes"]) == (120, 1560)


def test_yesterday_is_the_team_timezones_yesterday(store: Store) -> None:
    now = TEAM_TIME.replace(hour=0, minute=30)  # Thursday 26 Nov 00:30 in Berlin: 25 Nov 23:30 UTC
    start = now.replace(hour=0, minute=0) - timedelta(days=1)  # Wednesday 25 Nov 00:00 in Berlin
    received = start - timedelta(hours=12)  # due 25 Nov 12:00 in Berlin: yesterday
    buyer_message(store, 1, received, replies=[start + timedelta(minutes=5)])  # 25 Nov 00:05: yesterday
    buyer_message(store, 2, received, replies=[start - timedelta(minutes=5)])  # 24 Nov 23:55: before
    buyer_message(store, 3, received, replies=[now - timedelta(minutes=31)])  # 25 Nov 23:59: yesterday, late
    buyer_message(store, 4, received + timedelta(hours=3))  # due 25 Nov 15:00, never answered
    d = digest(store, now.astimezone(UTC), BERLIN)
    assert d["date"] == "2026-11-25"
    assert d["answered_yesterday"] == 2  # 1 and 3
    assert d["breaches_yesterday"] == 2  # 3 and 4
    utc = digest(store, now.astimezone(UTC), UTC)  # in UTC it is still 25 Nov: the digest is about 24 Nov
    assert utc["date"] == "2026-11-24" and utc["answered_yesterday"] == 2  # 1 and 2


def test_the_queue_shows_the_five_earliest_open_deadlines(store: Store) -> None:
    for n in range(7):
        buyer_message(store, n, NOW - timedelta(hours=n))
    answered = buyer_message(store, 8, NOW - timedelta(hours=20))
    store.answer(conversation_id=answered, by="U0AGENT")
    buyer_message(store, 9, NOW - timedelta(hours=21), deadline=False)  # no clock: not in the queue
    d = digest(store, NOW, BERLIN)
    assert d["open"] == 7
    assert [q["buyer"] for q in d["queue"]] == ["B6", "B5", "B4", "B3", "B2"]
    first = d["queue"][0]
    assert first["id"] == store.conversation_by_key(key="k6")["id"]  # type: ignore[index]
    assert (first["order_id"], first["deadline"]) == ("302-0000006-1234567", iso(NOW + timedelta(hours=18)))


def test_the_digest_lists_open_cases_least_recently_updated_first(store: Store) -> None:
    cases = Cases(store, store.clock)
    for case_id in ("1111111111", "2222222222", "3333333333"):
        cases.add(case_id=case_id, summary=f"Case {case_id[0]}", owner="U0AGENT")
    cases.touch("1111111111", user="U0AGENT")
    cases.close("2222222222", user="U0AGENT")
    listed = digest(store, NOW, BERLIN)["cases"]
    assert [c["case_id"] for c in listed] == ["3333333333", "1111111111"]
    assert set(listed[0]) == {"case_id", "summary", "owner", "last_update_at"}
    assert listed[0]["summary"] == "Case 3" and listed[0]["owner"] == "U0AGENT"


def test_an_empty_store_gives_an_empty_digest(store: Store) -> None:
    d = digest(store, NOW, BERLIN)
    assert d == {
        "follow_ups": 0,
        "follow_ups_due": 0,
        "date": "2026-11-25",
        "open": 0,
        "queue": [],
        "answered_yesterday": 0,
        "breaches_yesterday": 0,
        "median_minutes": None,
        "p90_minutes": None,
        "lrr_7": None,
        "lrr_30": None,
        "cases": [],
    }


def test_with_several_accounts_each_channel_gets_the_digest_of_its_own_buyers_only(tmp_path: Path) -> None:
    from bot.cards.card import CardTime
    from bot.cards.clock import digest as digest_card
    from bot.clock.escalation import Escalator

    store = Store.connect(database_url_of(tmp_path), clock=pinned_clock())
    buyer_message(store, 1, NOW - timedelta(hours=2))  # the first account's buyer B1
    us = buyer_message(store, 2, NOW - timedelta(hours=3))
    store.update_conversation(conversation_id=us, account="Brand US")  # B2 writes to the other seller
    gone = buyer_message(store, 3, NOW - timedelta(hours=4))
    store.update_conversation(
        conversation_id=gone, account="Brand UK"
    )  # an account since removed from the list
    Cases(store, store.clock).add(case_id="1234567890", summary="Listing suppressed", owner="U0AGENT")
    posts: list[tuple[Any, ...]] = []
    settings = make_settings(
        tmp_path,
        digest_time="08:00",
        timezone="Europe/Berlin",
        mail_source="imap",
        imap_host="imap.example",
        imap_user="eu",
        accounts=[{"name": "Brand EU"}, {"name": "Brand US", "imap_user": "us", "channel": "C0US"}],
    )
    esc = Escalator(settings, store, store.clock, post=lambda *a: posts.append(a))
    esc.housekeeping(NOW)
    esc.housekeeping(NOW)  # once a day each
    digests = {p[2]: p[4]["digest"] for p in posts if "digest" in p[4]}
    assert set(digests) == {"C0INBOX", "C0US"} and len([p for p in posts if "digest" in p[4]]) == 2
    eu, us_digest = digests["C0INBOX"], digests["C0US"]
    assert [q["buyer"] for q in eu["queue"]] == ["B3", "B1"]  # the removed account's buyer is not forgotten
    assert [q["buyer"] for q in us_digest["queue"]] == ["B2"]
    assert eu["account"] == "Brand EU" and len(eu["cases"]) == 1 and us_digest["cases"] == []
    card = digest_card({"digest": us_digest}, CardTime(now=NOW, tz=BERLIN))
    assert card["blocks"][0]["text"]["text"].endswith("· Brand US") and "B1" not in str(card["blocks"])
