"""The export for a spreadsheet: which conversations, the daily numbers by Amazon's 24 hours, and the files' form."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock.clocks import FakeClock
from bot.export import (
    CONVERSATION_COLUMNS,
    DAILY_COLUMNS,
    cell,
    conversation_rows,
    daily_rows,
    export,
    window,
)
from bot.store.store import Store, iso
from tests.support.clock import BERLIN, TEAM_TIME


def berlin(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "bot.db", clock=FakeClock(TEAM_TIME))  # Thursday 26 November 10:00 in Berlin
    yield s
    s.close()


def arrives(
    store: Store,
    n: int,
    received: datetime,
    *,
    notice: str | None = None,
    intent: str | None = "where_is_my_order",
) -> int:
    """A conversation whose first mail (a buyer message, or a notice) arrived at `received`."""
    cid = store.create_conversation(
        key=f"alias{n}@marketplace.amazon.de|302-1234567-{n:07d}",
        kind="notice" if notice else "buyer",
        notice_type=notice,
        marketplace="amazon.de",
        order_id=f"302-1234567-{n:07d}",
        buyer_name=f"Jörg Käufer{n}",
        opened_at=iso(received),
        deadline=iso(received + timedelta(hours=24)),
    )
    store.insert_message(
        message_id=f"<in{n}@marketplace.amazon.de>",
        conversation_id=cid,
        direction="in",
        kind="amazon_notice" if notice else "buyer_message",
        notice_type=notice,
        received_at=iso(received),
        intent=None if notice else intent,
        text="Wo bleibt mein Paket, Jörg?",
    )
    return cid


def replied(store: Store, cid: int, at: datetime) -> None:
    store.insert_message(
        message_id=f"<out{cid}@example-shop.de>",
        conversation_id=cid,
        direction="out",
        kind="reply",
        received_at=iso(at),
    )
    store.answer(conversation_id=cid, by="U0AGENT", at=at)


@pytest.fixture
def week(store: Store) -> dict[str, int]:
    """Buyer messages from Monday 23 to Thursday 26 November (Berlin), answered in time, late, never, or closed."""
    clock = store.clock
    assert isinstance(clock, FakeClock)
    ids = {
        "before": arrives(store, 1, berlin(23, 11)),  # unanswered: its 24 hours run out on the 24th
        "in_time": arrives(store, 2, berlin(24, 9)),
        "late": arrives(store, 3, berlin(24, 12)),
        "never": arrives(store, 4, berlin(25, 8)),  # its 24 hours ran out on the 26th at 08:00, before now
        "no_response": arrives(store, 5, berlin(25, 20)),
        "today": arrives(store, 6, berlin(26, 9)),  # still within its 24 hours
        "claim": arrives(store, 7, berlin(25, 10), notice="a_to_z_claim"),
    }
    replied(store, ids["in_time"], berlin(24, 10, 30))
    replied(store, ids["late"], berlin(25, 14))
    clock.set(berlin(25, 21))
    store.settle(conversation_id=ids["no_response"], by="U0LEAD")
    store.settle(conversation_id=ids["claim"], by="U0LEAD", outcome="appealed")
    clock.set(TEAM_TIME)
    return ids


def test_the_daily_numbers_follow_amazons_24_hours_day_by_day_in_the_teams_timezone(
    store: Store, week: dict[str, int]
) -> None:
    days = daily_rows(store, date(2026, 11, 24), date(2026, 11, 26), BERLIN)
    assert [tuple(d[c] for c in DAILY_COLUMNS) for d in days] == [
        # date, messages, within 24 h, late, unanswered, no response needed, breaches, median minutes
        ("2026-11-24", 2, 1, 1, 0, 0, 1, 825),  # 'before' breached on the 24th; median of 90 and 1560 minutes
        ("2026-11-25", 2, 0, 0, 1, 1, 1, None),  # 'late' breached on the 25th; the notice is no buyer message
        ("2026-11-26", 1, 0, 0, 1, 0, 1, None),  # 'never' breached at 08:00; 'today' still has time
    ]


def test_every_day_of_the_range_has_a_row_and_days_follow_daylight_saving(store: Store) -> None:
    arrives(store, 1, berlin(25, 23, 30, month=10))  # the 25-hour Sunday the clocks go back
    arrives(store, 2, berlin(26, 0, 30, month=10))
    days = daily_rows(store, date(2026, 10, 24), date(2026, 10, 27), BERLIN)
    assert [(d["date"], d["messages"]) for d in days] == [
        ("2026-10-24", 0),
        ("2026-10-25", 1),
        ("2026-10-26", 1),
        ("2026-10-27", 0),
    ]
    assert days[0]["median_response_minutes"] is None


def test_conversations_are_those_whose_first_mail_arrived_in_the_range_without_buyer_data(
    store: Store, week: dict[str, int]
) -> None:
    rows = conversation_rows(store, date(2026, 11, 24), date(2026, 11, 25), BERLIN)
    assert [r["id"] for r in rows] == [
        week["in_time"],
        week["late"],
        week["never"],
        week["claim"],
        week["no_response"],
    ]
    in_time = rows[0]
    assert in_time == {
        "id": week["in_time"],
        "kind": "buyer",
        "notice_type": None,
        "marketplace": "amazon.de",
        "order_id": "302-1234567-0000002",
        "opened": "2026-11-24 09:00:00",  # Berlin time, as spreadsheets read it
        "deadline": "2026-11-25 09:00:00",
        "answered_at": "2026-11-24 10:30:00",
        "answered_by": "U0AGENT",
        "closed_at": None,
        "closed_by": None,
        "state": "answered",
        "outcome": None,
        "intent": "where_is_my_order",
        "first_response_minutes": 90,
        "account": "",  # one account: no name
    }
    assert set(in_time) == set(CONVERSATION_COLUMNS)
    store.update_conversation(conversation_id=week["late"], account="Brand US")
    named = conversation_rows(store, date(2026, 11, 24), date(2026, 11, 25), BERLIN, first_account="Brand EU")
    assert [r["account"] for r in named[:2]] == ["Brand EU", "Brand US"]
    late, never, claim = rows[1], rows[2], rows[3]
    assert late["first_response_minutes"] == 26 * 60 and never["first_response_minutes"] is None
    assert (claim["kind"], claim["notice_type"], claim["outcome"], claim["closed_by"], claim["intent"]) == (
        "notice",
        "a_to_z_claim",
        "appealed",
        "U0LEAD",
        None,
    )
    assert rows[4]["closed_at"] == "2026-11-25 21:00:00" and rows[4]["state"] == "closed"


def test_a_conversation_belongs_to_the_day_of_its_first_mail_even_when_reopened(store: Store) -> None:
    cid = arrives(store, 1, berlin(20, 9))
    replied(store, cid, berlin(20, 9, 30))
    store.insert_message(
        message_id="<again@marketplace.amazon.de>",
        conversation_id=cid,
        direction="in",
        kind="buyer_message",
        received_at=iso(berlin(25, 9)),
    )
    store.reopen(conversation_id=cid, opened_at=berlin(25, 9), deadline=berlin(26, 9))
    assert conversation_rows(store, date(2026, 11, 24), date(2026, 11, 26), BERLIN) == []
    [row] = conversation_rows(store, date(2026, 11, 20), date(2026, 11, 20), BERLIN)
    assert (row["opened"], row["deadline"], row["state"], row["first_response_minutes"]) == (
        "2026-11-20 09:00:00",
        "2026-11-26 09:00:00",  # the current clock's
        "open",
        30,  # the first reply to the first mail
    )


def test_the_files_open_in_a_spreadsheet(tmp_path: Path, store: Store, week: dict[str, int]) -> None:
    done = export(store, date(2026, 11, 24), date(2026, 11, 26), BERLIN, tmp_path / "out" / "november")
    assert done.conversations.name == "conversations_2026-11-24_2026-11-26.csv"
    assert done.daily.name == "daily_2026-11-24_2026-11-26.csv"
    assert (done.conversation_count, done.day_count) == (6, 3)
    raw = done.conversations.read_bytes()
    assert (
        raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    )  # UTF-8 with its mark, lines as RFC 4180 ends them
    assert "Jörg".encode() not in raw and b"alias" not in raw  # no buyer names, aliases or words
    with open(done.conversations, encoding="utf-8-sig", newline="") as f:
        table = list(csv.DictReader(f))
    assert list(table[0]) == list(CONVERSATION_COLUMNS) and len(table) == 6
    assert table[0]["opened"] == "2026-11-24 09:00:00" and table[0]["closed_at"] == ""
    with open(done.daily, encoding="utf-8-sig", newline="") as f:
        daily = list(csv.reader(f))
    assert daily[0] == list(DAILY_COLUMNS) and daily[1] == ["2026-11-24", "2", "1", "1", "0", "0", "1", "825"]
    assert [p.name for p in (tmp_path / "out" / "november").iterdir() if p.name.startswith(".")] == []

    again = export(
        store, date(2026, 11, 24), date(2026, 11, 26), BERLIN, tmp_path / "out" / "november", delimiter=";"
    )
    assert (
        again.daily.read_text(encoding="utf-8-sig").splitlines()[1] == "2026-11-24;2;1;1;0;0;1;825"
    )  # replaced


def test_a_spreadsheet_never_runs_a_value_as_a_formula() -> None:
    assert cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert [cell(v) for v in ("+1", "-1", "@SUM(A1)", "302-1234567-1234567", None, 90)] == [
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "302-1234567-1234567",
        "",
        "90",
    ]


def test_a_range_ends_with_its_last_day() -> None:
    since, until = window(date(2026, 11, 1), date(2026, 11, 30), BERLIN)
    assert (since, until) == (berlin(1, 0), berlin(1, 0, month=12))
    with pytest.raises(ValueError, match="before --from"):
        window(date(2026, 11, 2), date(2026, 11, 1), BERLIN)
