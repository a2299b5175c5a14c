"""The weekly report against a hand-built week, the CLI, and the Monday post."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.cards.card import CardTime
from bot.cards.clock import weekly
from bot.clock.clocks import FakeClock
from bot.clock.escalation import Escalator
from bot.clock.report import last_week, report
from bot.store.store import Store, iso
from tests.bot.clock.conftest import message_and_reply
from tests.bot.test_cli import cli
from tests.conftest import make_settings

NOW = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)  # Monday 08:30 in Berlin


def week(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "bot.db", clock=FakeClock(NOW))

    def message(
        n: int, received: datetime, text: str, answered_after: timedelta | None, order: bool = True
    ) -> None:
        conv = store.create_conversation(
            key=f"k{n}",
            kind="buyer",
            order_id=f"302-000000{n}-1234567" if order else None,
            deadline=iso(received + timedelta(hours=24)),
        )
        message_and_reply(store, conv, n, received, answered_after, text=text)

    monday = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    message(1, monday, "Wo bleibt mein Paket?", timedelta(minutes=20))
    message(2, monday + timedelta(days=1), "Ich brauche eine Rechnung.", timedelta(hours=3))
    message(
        3, monday + timedelta(days=2), "The glass arrived broken.", timedelta(hours=30)
    )  # late: due Thu 10:00 Berlin
    message(
        4, monday + timedelta(days=5, hours=12), "Does it fit the X200?", None, order=False
    )  # Sat: unanswered, due Sun
    message(
        5, monday - timedelta(days=3), "Alte Nachricht", timedelta(minutes=5)
    )  # the week before: not counted
    store.save_order(
        order_id="302-0000001-1234567", data={"order_id": "302-0000001-1234567", "fulfilled_by": "MERCHANT"}
    )
    store.save_order(
        order_id="302-0000002-1234567", data={"order_id": "302-0000002-1234567", "fulfilled_by": "MERCHANT"}
    )
    store.upsert_package(order_id="302-0000001-1234567", tracking_number="A", status="in_transit")
    store.upsert_package(order_id="302-0000002-1234567", tracking_number="B", status="label_created")
    return store


def test_report_numbers(tmp_path: Path) -> None:
    store = week(tmp_path)
    tz = make_settings(tmp_path).tz
    start, end = last_week(NOW, tz)
    assert (start.isoformat(), end.isoformat()) == ("2026-11-23T00:00:00+01:00", "2026-11-30T00:00:00+01:00")
    r = report(store, start, end, tz)
    assert r["messages"] == 4
    assert r["response_time"] == {
        "under 1 h": 1,
        "1–4 h": 1,
        "4–12 h": 0,
        "12–24 h": 0,
        "over 24 h": 1,
        "unanswered": 1,
        "no response needed": 0,
    }
    assert r["breaches"] == 2 and r["late_response_rate"] == 0.5
    assert r["breaches_by_weekday"]["Thu"] == 1 and r["breaches_by_weekday"]["Sun"] == 1
    assert r["breaches_by_hour"][10] == 1 and r["breaches_by_hour"][22] == 1
    assert r["messages_by_intent"] == {
        "where_is_my_order": 1,
        "invoice_request": 1,
        "damaged": 1,
        "presale": 1,
    }
    assert r["valid_tracking_rate"] == 0.5  # one scanned package, one with a label only
    assert (r["median_minutes"], r["p90_minutes"]) == (180, 1800)
    text = json.dumps(weekly({"weekly": r}, CardTime(now=NOW, tz=tz)), ensure_ascii=False)
    assert "Weekly report 23 Nov – 29 Nov" in text and "Late Response Rate:* 50.0 %" in text


def test_report_cli(tmp_path: Path) -> None:
    week(tmp_path).close()
    env = {"INBOX_BOT_DATABASE_PATH": str(tmp_path / "bot.db"), "INBOX_BOT_TIMEZONE": "Europe/Berlin"}
    result = cli("report", "--since", "2026-11-23", "--until", "2026-11-30", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["messages"] == 4
    assert cli("report", "--since", "23.11.2026", env=env).returncode == 2


def test_the_weekly_report_is_posted_once_on_monday(tmp_path: Path) -> None:
    store = week(tmp_path)
    posts: list[tuple[Any, ...]] = []
    settings = make_settings(tmp_path, timezone="Europe/Berlin", digest_time="08:00")
    escalator = Escalator(settings, store, FakeClock(NOW), post=lambda *a: posts.append(a))
    escalator.housekeeping(NOW)
    escalator.housekeeping(NOW + timedelta(hours=1))
    weekly_posts = [p for p in posts if "weekly" in p[4]]
    assert len(weekly_posts) == 1 and weekly_posts[0][4]["weekly"]["messages"] == 4
    assert len([p for p in posts if "digest" in p[4]]) == 1
