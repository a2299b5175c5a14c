"""Orders fetched from Amazon and their packages: the cache, failed lookups and their retries, tracking checks."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.clock.clocks import FakeClock
from bot.store.store import Store, iso
from tests.support.clock import TEAM_TIME

ORDER = "302-1234567-1234567"
DATA = {"AmazonOrderId": ORDER, "OrderStatus": "Shipped", "BuyerInfo": {"BuyerName": "Max Müller"}}


def test_a_fetched_order_is_cached_and_clears_an_earlier_failure(store: Store) -> None:
    assert store.order_row(order_id=ORDER) is None
    store.order_failed(order_id=ORDER, error="503", not_found=False, next_attempt_at=TEAM_TIME)
    store.save_order(order_id=ORDER, data=DATA)
    row = store.order_row(order_id=ORDER)
    assert row is not None and json.loads(row["data"]) == DATA and row["fetched_at"] == iso(TEAM_TIME)
    assert (row["error"], row["error_at"], row["not_found"], row["next_attempt_at"]) == (None, None, 0, None)


def test_a_failed_lookup_keeps_the_cached_order_and_says_when_to_try_again(store: Store) -> None:
    store.save_order(order_id=ORDER, data=DATA)
    retry = TEAM_TIME + timedelta(minutes=15)
    store.order_failed(order_id=ORDER, error="x" * 600, not_found=False, next_attempt_at=retry)
    row = store.order_row(order_id=ORDER)
    assert row is not None and json.loads(row["data"]) == DATA  # the card keeps showing what was known
    assert len(row["error"]) == 500 and row["error_at"] == iso(TEAM_TIME)
    assert (row["not_found"], row["next_attempt_at"]) == (0, iso(retry))
    store.order_failed(order_id=ORDER, error="not found", not_found=True, next_attempt_at=None)
    row = store.order_row(order_id=ORDER)
    assert row is not None and (row["not_found"], row["next_attempt_at"]) == (1, None)


def test_orders_of_open_conversations_are_retried_when_never_fetched_or_their_retry_is_due(
    store: Store,
) -> None:
    orders = {
        name: f"302-0000000-000000{n}"
        for n, name in enumerate(["never", "due", "later", "not_found", "fetched", "closed"])
    }
    for name, order in orders.items():
        store.create_conversation(key=name, kind="buyer", order_id=order)
    store.create_conversation(key="presale", kind="buyer")  # no order to fetch
    store.order_failed(order_id=orders["due"], error="503", not_found=False, next_attempt_at=TEAM_TIME)
    later = TEAM_TIME + timedelta(minutes=1)
    store.order_failed(order_id=orders["later"], error="503", not_found=False, next_attempt_at=later)
    store.order_failed(order_id=orders["not_found"], error="404", not_found=True, next_attempt_at=TEAM_TIME)
    store.save_order(order_id=orders["fetched"], data=DATA)
    closed = store.conversation_by_key(key="closed")
    assert closed is not None
    store.settle(conversation_id=int(closed["id"]), by="U0LEAD")
    assert sorted(store.orders_to_retry()) == [orders["never"], orders["due"]]
    assert isinstance(store.clock, FakeClock)
    store.clock.advance(minutes=1)
    assert sorted(store.orders_to_retry()) == [orders["never"], orders["due"], orders["later"]]


def test_a_package_is_one_row_per_order_and_tracking_number(store: Store) -> None:
    first = store.upsert_package(order_id=ORDER, tracking_number="00340434161094042557", carrier="DHL")
    second = store.upsert_package(order_id=ORDER, tracking_number="1Z999AA10123456784", carrier="UPS")
    again = store.upsert_package(
        order_id=ORDER, tracking_number="00340434161094042557", status="in_transit", failures=1
    )
    assert again == first != second
    store.upsert_package(order_id="302-7654321-7654321", tracking_number="00340434161094042557")
    rows = store.packages(order_id=ORDER)
    assert [(p["id"], p["carrier"], p["status"]) for p in rows] == [
        (first, "DHL", "in_transit"),
        (second, "UPS", None),
    ]
    package = store.package(package_id=first)
    assert package is not None and package["failures"] == 1
    assert store.package(package_id=9999) is None


def test_packages_are_due_for_a_check_most_overdue_first(store: Store) -> None:
    def package(number: str, minutes: float | None) -> int:
        at = iso(TEAM_TIME + timedelta(minutes=minutes)) if minutes is not None else None
        return store.upsert_package(order_id=ORDER, tracking_number=number, next_check_at=at)

    recent = package("A1", -5)
    package("A2", 5)  # not yet
    package("A3", None)  # never again (delivered)
    oldest = package("A4", -60)
    now = package("A5", 0)
    assert [p["id"] for p in store.due_packages()] == [oldest, recent, now]
    assert [p["id"] for p in store.due_packages(limit=2)] == [oldest, recent]
