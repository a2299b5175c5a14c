"""Account health: claims and chargebacks per 100 orders, outcomes, Amazon's valid tracking rate and handling times,
from a hand-built week in the store and the orders searchOrders gives (from the stand-in over HTTP, or built here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock.clocks import FakeClock
from bot.clock.health import (
    OrdersWindow,
    account_health,
    cli_window,
    health_lines,
    marketplaces_for,
    orders_window,
    verdict,
)
from bot.sandbox.fake_services import FakeServices, StoredOrder
from bot.services.amazon import SpApi
from bot.services.amazon_search import FoundOrder, OrderSearch, ShippedPackage
from bot.settings_sources import settings_from
from bot.store.store import Store, iso

DE, FR, US = "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "ATVPDKIKX0DER"
SINCE = datetime(2026, 11, 23, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=7)
NOW = UNTIL + timedelta(hours=8)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Store:
    return Store.open(tmp_path / "bot.db", clock=clock)


def notice(
    store: Store, n: int, notice_type: str, at: datetime, order: str | None, market: str | None = "amazon.de"
) -> int:
    conv = store.create_conversation(
        key=f"mail:{n}", kind="notice", notice_type=notice_type, order_id=order, marketplace=market
    )
    store.insert_message(
        message_id=f"<n{n}@amazon>",
        conversation_id=conv,
        direction="in",
        kind="amazon_notice",
        notice_type=notice_type,
        received_at=iso(at),
    )
    return conv


def order(n: int, created: datetime, *packages: ShippedPackage, by: str = "MERCHANT") -> FoundOrder:
    return FoundOrder(f"302-000000{n}-1234567", DE, created, by, "SHIPPED", packages)


def package(
    number: str | None, shipped: datetime, status: str = "SHIPPED", detail: str | None = None
) -> ShippedPackage:
    return ShippedPackage(number, "DHL", shipped, status, detail)


def test_claims_per_100_orders_count_orders_not_mails(store: Store) -> None:
    day = SINCE + timedelta(days=1)
    notice(store, 1, "a_to_z_claim", day, "302-0000001-1234567")
    notice(store, 2, "a_to_z_claim", day + timedelta(days=2), "302-0000001-1234567")  # Amazon's later mail
    notice(store, 3, "a_to_z_claim", day, "302-0000002-1234567", market="amazon.com")  # not searched
    notice(store, 4, "chargeback", day, None, market=None)  # no order id, no marketplace: counts on its own
    notice(store, 5, "a_to_z_claim", SINCE - timedelta(minutes=1), "302-0000003-1234567")  # the week before
    notice(store, 6, "return_request", day, "302-0000004-1234567")
    orders = (
        *(order(n, SINCE + timedelta(minutes=n)) for n in range(199)),
        order(7, SINCE - timedelta(days=2)),  # created before the week: only changed in it
    )
    h = account_health(store, SINCE, UNTIL, OrdersWindow((DE,), orders))
    assert (h["orders"], h["orders_unknown"], h["marketplaces"]) == (199, None, ["amazon.de"])
    assert (h["a_to_z_claims"], h["a_to_z_claims_per_100"], h["a_to_z_claims_elsewhere"]) == (2, 0.5, 1)
    assert (h["chargebacks"], h["chargebacks_per_100"]) == (1, 0.5) and "chargebacks_elsewhere" not in h


def test_without_sp_api_the_counts_come_alone(store: Store) -> None:
    notice(store, 1, "a_to_z_claim", SINCE + timedelta(days=1), "302-0000001-1234567")
    h = account_health(store, SINCE, UNTIL, None)
    assert (h["orders"], h["orders_unknown"]) == (None, "no SP-API")
    assert (h["a_to_z_claims"], h["a_to_z_claims_per_100"], h["valid_tracking"]) == (1, None, None)
    lines = health_lines(h)
    assert lines[:3] == [
        "Orders: unknown (no SP-API)",
        "A-to-z claims: 1",
        "Chargebacks: 0",
    ]
    assert "Valid tracking rate: unknown (needs the orders)" in lines
    failed = account_health(store, SINCE, UNTIL, OrdersWindow((DE,), None, "SP-API: rate limited"))
    assert failed["orders_unknown"] == "SP-API: rate limited" and failed["marketplaces"] == ["amazon.de"]


def test_outcomes_of_the_week(store: Store, clock: FakeClock) -> None:
    for n, (outcome, at) in enumerate(
        [
            ("refunded", SINCE + timedelta(days=1)),
            ("refunded", SINCE + timedelta(days=2)),
            ("won", SINCE + timedelta(days=3)),
            ("lost", UNTIL + timedelta(hours=1)),  # this week's
            (None, SINCE + timedelta(days=3)),  # no response needed: no outcome
        ]
    ):
        conv = notice(store, n, "a_to_z_claim", SINCE, f"302-000000{n}-1234567")
        clock.set(at)
        store.settle(conversation_id=conv, by="U0LEAD", outcome=outcome)
    assert account_health(store, SINCE, UNTIL, None)["outcomes"] == {"refunded": 2, "won": 1}


def test_valid_tracking_is_a_carrier_scan_on_packages_shipped_in_the_week(store: Store) -> None:
    day = SINCE + timedelta(days=2)
    store.upsert_package(
        order_id="o1", tracking_number="SCANNED", status="delivered", provider="dhl", checked_at="x"
    )
    store.upsert_package(
        order_id="o2",
        tracking_number="ONCE",
        status="in_transit",
        error="DHL: 503",
        provider="dhl",
        checked_at="x",
    )
    store.upsert_package(
        order_id="o3", tracking_number="LABEL", status="label_created", provider="dhl", checked_at="x"
    )
    store.upsert_package(
        order_id="o4",
        tracking_number="NOSUCH",
        status="unknown",
        error="not found: DHL",
        provider="dhl",
        checked_at="x",
    )
    store.upsert_package(
        order_id="o5",
        tracking_number="DOWN",
        status="unknown",
        error="17TRACK: 503",
        provider="17track",
        checked_at="x",
    )
    store.upsert_package(order_id="o6", tracking_number="NOPROVIDER", status="unknown", checked_at="x")
    store.upsert_package(order_id="o7", tracking_number="DUE", status="unknown")  # not looked up yet
    orders = (
        order(1, day, package("SCANNED", day), package("LABEL", day)),
        order(2, day, package("ONCE", day), package("NOSUCH", day), package("DOWN", day)),
        order(3, day, package("NOPROVIDER", day), package("DUE", day), package("NEVER", day)),
        order(4, day, package("AMAZONSAW", day, "IN_TRANSIT", "PICKED_UP"), package(None, day)),
        order(5, day, package("DROPPED", day, "SHIPPED", "DROPPED_OFF")),
        order(
            6, day, package("LASTWEEK", SINCE - timedelta(hours=1), "DELIVERED")
        ),  # shipped the week before
        order(7, day, package("VOID", day, "CANCELLED", "LABEL_CANCELLED")),
        order(8, day, package("FBA", day, "DELIVERED"), by="AMAZON"),
    )
    vt = account_health(store, SINCE, UNTIL, OrdersWindow((DE,), orders))["valid_tracking"]
    assert vt == {
        "shipped": 11,
        "valid": 4,
        "checked": 7,
        "valid_carrier": 2,  # SCANNED, ONCE (a scan was seen before a lookup failed)
        "valid_amazon": 2,  # AMAZONSAW, DROPPED
        "no_scan": 2,  # LABEL, NOSUCH
        "no_tracking": 1,
        "unchecked": 4,  # DOWN, NOPROVIDER, DUE, NEVER
        "rate": 0.571,
    }
    assert verdict(package("X", day), None) == "unchecked"
    line = next(x for x in health_lines({"valid_tracking": vt}) if x.startswith("Valid tracking"))
    assert line == (
        "Valid tracking rate: 57.1 % (4 of 7 checked seller-fulfilled packages had a carrier scan; "
        "4 of 11 shipped unchecked)"
    )


def test_handling_time_runs_from_the_claim_or_the_first_draft_to_send(store: Store, clock: FakeClock) -> None:
    def at(minutes: float) -> None:
        clock.set(SINCE + timedelta(days=1, minutes=minutes))

    def send(conv: int, user: str, key: str, state: str = "sent") -> None:
        row, _ = store.create_send(
            key=key, conversation_id=conv, reply_to_row=None, text="Hallo", by_user=user
        )
        store.update_send(send_id=int(row["id"]), state=state)

    a, b, c, d = (store.create_conversation(key=k, kind="buyer") for k in "abcd")
    at(0)
    store.audit(actor="U0ANNA", action="reply_drafted", conversation_id=a)
    at(5)
    store.claim(conversation_id=a, by="U0ANNA")  # taken after a first look: the claim counts
    at(35)
    send(a, "U0ANNA", "a1")  # 30 min
    at(60)
    store.audit(actor="U0BEN", action="reply_drafted", conversation_id=b)
    store.claim(conversation_id=b, by="U0ANNA")  # someone else's claim is not Ben's start
    at(70)
    send(b, "U0BEN", "b1")  # 10 min from his first draft
    at(200)
    store.audit(actor="U0ANNA", action="reply_drafted", conversation_id=a)  # the buyer wrote again
    at(250)
    send(a, "U0ANNA", "a2")  # 50 min: the claim before her first reply does not count again
    at(280)
    store.audit(actor="U0BEN", action="message_drafted", conversation_id=b)  # writing to the buyer first
    at(300)
    send(c, "U0ANNA", "c1")  # no claim, no draft (an old window): counted, not measured
    send(b, "U0BEN", "b2")  # 20 min
    store.audit(actor="U0CARL", action="reply_drafted", conversation_id=d)
    at(310)
    send(d, "U0CARL", "d1", state="failed")  # never sent
    clock.set(UNTIL + timedelta(minutes=5))
    send(d, "U0CARL", "d2")  # pressed after the week
    people = account_health(store, SINCE, UNTIL, None)["handling"]
    assert people == [
        {"user": "U0ANNA", "sends": 3, "median_minutes": 40, "unmeasured": 1},
        {"user": "U0BEN", "sends": 2, "median_minutes": 15, "unmeasured": 0},
    ]
    assert "Handling time U0BEN: median 15 min over 2 send(s)" in health_lines({"handling": people})


def test_the_marketplaces_searched_are_the_main_one_and_the_weeks_in_the_region(store: Store) -> None:
    settings = settings_from(sp_api_marketplace_id=DE, sp_api_region="eu")
    for n, market in enumerate(["amazon.fr", "amazon.com", "amazon.de", "amazon.fr", None]):
        notice(store, n, "a_to_z_claim", SINCE + timedelta(days=1), None, market=market)
    notice(store, 9, "a_to_z_claim", SINCE - timedelta(days=1), None, market="amazon.it")  # the week before
    assert marketplaces_for(settings, store, SINCE, UNTIL) == [DE, FR]


async def test_the_orders_window_from_the_stand_in(store: Store, fake_services: FakeServices) -> None:
    for n, created in enumerate(
        [SINCE - timedelta(days=1), SINCE + timedelta(days=1), UNTIL + timedelta(hours=1)]
    ):
        fake_services.orders[f"302-000000{n}-1234567"] = StoredOrder(
            f"302-000000{n}-1234567", DE, created, [("Item", "B0X", 1, "9.99")], "EUR"
        )
    settings = settings_from(**fake_services.urls(fake_services.base_url))
    window = await cli_window(settings, store, SINCE, UNTIL)
    assert window.error is None and window.marketplaces == (DE,) and window.orders is not None
    assert len(window.orders) == 3  # every order changed since the week began; the report counts the week's
    assert account_health(store, SINCE, UNTIL, window)["orders"] == 1
    assert await orders_window(None, settings, store, SINCE, UNTIL) == OrdersWindow.unknown("no SP-API")
    assert await cli_window(settings_from(), store, SINCE, UNTIL) == OrdersWindow.unknown("no SP-API")

    fake_services.fail("sp-api", 503, {}, times=4)

    async def no_wait(seconds: float) -> None:
        pass

    api = SpApi(settings, attempts=2, sleep=no_wait)
    failed = await orders_window(OrderSearch(api), settings, store, SINCE, UNTIL)
    await api.aclose()
    assert failed.orders is None and failed.error is not None and "503" in failed.error


def test_with_several_accounts_the_first_accounts_orders_meet_only_its_claims(store: Store) -> None:
    day = SINCE + timedelta(days=1)
    notice(store, 1, "a_to_z_claim", day, "302-0000001-1234567")  # the first account's
    other = notice(store, 2, "a_to_z_claim", day, "302-0000002-1234567")  # another seller on amazon.de
    store.update_conversation(conversation_id=other, account="Brand B")
    orders = tuple(order(n, SINCE + timedelta(minutes=n)) for n in range(100))
    together = account_health(store, SINCE, UNTIL, OrdersWindow((DE,), orders))
    assert (together["a_to_z_claims"], together["a_to_z_claims_per_100"]) == (2, 2.0)
    first = account_health(store, SINCE, UNTIL, OrdersWindow((DE,), orders, first_account_only=True))
    assert (first["a_to_z_claims"], first["a_to_z_claims_per_100"]) == (1, 1.0)
