"""The weekly report against a hand-built week: its numbers, account health with the week's orders from the SP-API
stand-in, the Slack card and the CLI (the Monday post is tests/jobs/test_report.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cards.card import CardTime
from bot.cards.clock import weekly
from bot.clock.clocks import FakeClock
from bot.clock.health import cli_window
from bot.clock.report import last_week, report
from bot.sandbox.fake_services import FakeServices, Parcel, ParcelEvent, StoredOrder
from bot.settings_sources import settings_from
from bot.store.store import Store, iso
from tests.bot.clock.conftest import message_and_reply
from tests.bot.test_cli import cli
from tests.conftest import make_settings

NOW = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)  # Monday 08:30 in Berlin
ORDER_1, DE = "302-0000001-1234567", "A1PA6795UKMFR9"


def week(tmp_path: Path) -> Store:
    """Four buyer messages of the week (and one before), tracking looked up for two orders, an A-to-z claim refunded."""
    clock = FakeClock(NOW)
    store = Store.open(tmp_path / "bot.db", clock=clock)

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
    store.upsert_package(
        order_id="302-0000001-1234567",
        tracking_number="A",
        status="in_transit",
        provider="dhl",
        checked_at=iso(NOW),
    )
    store.upsert_package(
        order_id="302-0000002-1234567",
        tracking_number="B",
        status="label_created",
        provider="dhl",
        checked_at=iso(NOW),
    )
    claim = store.create_conversation(
        key="mail:claim", kind="notice", notice_type="a_to_z_claim", order_id=ORDER_1
    )
    store.insert_message(
        message_id="<claim@amazon>",
        conversation_id=claim,
        direction="in",
        kind="amazon_notice",
        notice_type="a_to_z_claim",
        received_at=iso(monday + timedelta(days=1)),
    )
    clock.set(monday + timedelta(days=4))
    store.settle(conversation_id=claim, by="U0LEAD", outcome="refunded")
    clock.set(NOW)
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
    assert (r["median_minutes"], r["p90_minutes"]) == (180, 1800)
    h = r["health"]  # without SP-API: counts only
    assert (h["orders"], h["orders_unknown"], h["a_to_z_claims"], h["a_to_z_claims_per_100"]) == (
        None,
        "no SP-API",
        1,
        None,
    )
    assert (h["outcomes"], h["valid_tracking"], h["handling"]) == ({"refunded": 1}, None, [])
    text = json.dumps(weekly({"weekly": r}, CardTime(now=NOW, tz=tz)), ensure_ascii=False)
    assert "Weekly report 23 Nov – 29 Nov" in text and "Late Response Rate:* 50.0 %" in text
    assert "*Orders:* unknown (no SP-API): counts only" in text and "*A-to-z claims:* 1\\n" in text


async def test_account_health_with_the_weeks_orders_from_sp_api(
    tmp_path: Path, fake_services: FakeServices
) -> None:
    store = week(tmp_path)
    tz = make_settings(tmp_path).tz
    start, end = last_week(NOW, tz)
    for n, number in enumerate("ABCD", start=1):  # four orders placed in the week, each shipped with DHL
        fake_services.orders[f"302-000000{n}-1234567"] = StoredOrder(
            f"302-000000{n}-1234567",
            DE,
            start + timedelta(days=n),
            [("Item", "B0X", 1, "9.99")],
            "EUR",
            packages=[("DHL", number, "DHL Paket")],
        )
    for number in "BC":  # announced, never scanned: Amazon has them as shipped only
        fake_services.parcels[number] = Parcel(
            number, "dhl", start, [ParcelEvent(0, "pre-transit", "Angekündigt")]
        )
    fake_services.orders["302-0000009-1234567"] = StoredOrder(
        "302-0000009-1234567", DE, start - timedelta(days=3), [("Item", "B0X", 1, "9.99")], "EUR"
    )  # placed the week before
    settings = settings_from(**fake_services.urls(fake_services.base_url))
    r = report(store, start, end, tz, orders=await cli_window(settings, store, start, end))
    h = r["health"]
    assert (h["orders"], h["marketplaces"], h["a_to_z_claims_per_100"], h["chargebacks_per_100"]) == (
        4,
        ["amazon.de"],
        25.0,
        0.0,
    )
    # A: our DHL lookup saw it move; B: only its label at DHL and no scan at Amazon; C: Amazon has no scan and it
    # was never looked up; D: Amazon says the carrier picked it up
    assert h["valid_tracking"] == {
        "shipped": 4,
        "valid": 2,
        "checked": 3,
        "valid_carrier": 1,
        "valid_amazon": 1,
        "no_scan": 1,
        "no_tracking": 0,
        "unchecked": 1,
        "rate": 0.667,
    }
    message = weekly({"weekly": r}, CardTime(now=NOW, tz=tz))
    health = message["blocks"][2]["text"]["text"].split("\n")
    assert health == [
        "*Account health*",
        "*Orders:* 4 (amazon.de)",
        "*A-to-z claims:* 1 (25.0 per 100 orders)",
        "*Chargebacks:* 0 (0.0 per 100 orders)",
        "*Outcomes:* refunded 1",
        "*Valid tracking rate:* 66.7 %: 2 of 3 seller-fulfilled packages shipped had a carrier scan; 1 more not checked",
        "*Handling time (median, sends):* —",
    ]


def test_report_cli(tmp_path: Path) -> None:
    week(tmp_path).close()
    env = {"INBOX_BOT_DATABASE_PATH": str(tmp_path / "bot.db"), "INBOX_BOT_TIMEZONE": "Europe/Berlin"}
    result = cli("report", "--since", "2026-11-23", "--until", "2026-11-30", "--json", env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["messages"] == 4 and data["health"]["orders_unknown"] == "no SP-API"
    text = cli("report", "--since", "2026-11-23", "--until", "2026-11-30", env=env)
    assert text.returncode == 0, text.stderr
    assert "Account health:\n  Orders: unknown (no SP-API)\n  A-to-z claims: 1\n" in text.stdout
    assert "  Outcomes: refunded 1\n" in text.stdout
    assert cli("report", "--since", "23.11.2026", env=env).returncode == 2
