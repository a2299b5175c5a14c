"""Block Kit for the order on a card: items, packages and their tracking, links, the evidence summary."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.cards.order import (
    MAX_ITEMS,
    MAX_PACKAGES,
    OrderView,
    evidence_blocks,
    order_blocks,
    package_text,
    seller_central_link,
)
from bot.services.amazon import Item, Money, Order, Package
from bot.services.carriers.model import Event, Status, Tracking
from tests.bot.cards.conftest import AT, refused
from tests.support.clock import TEAM_TIME
from tests.support.orders import ORDER_ID, sample_order


def order(**kw: Any) -> Order:
    """The sample order, partly shipped, of two grinders for 79.80 EUR."""
    return sample_order(
        **{
            "status": "PARTIALLY_SHIPPED",
            "total": Money("79.80", "EUR"),
            "items": [Item("Kaffeemühle Edelstahl", 2)],
            **kw,
        }
    )


def parcel(**kw: Any) -> Tracking:
    base: dict[str, Any] = {
        "carrier": "dhl",
        "tracking_number": "00340434161094042557",
        "status": Status.IN_TRANSIT,
        "last_event": Event(
            TEAM_TIME - timedelta(hours=3), "Die Sendung wurde im Start-Paketzentrum bearbeitet.", "Hamburg"
        ),
        "estimated_delivery": TEAM_TIME + timedelta(days=1),
        "link": "https://www.dhl.de/track?piececode=00340434161094042557",
        "provider": "dhl",
    }
    base.update(kw)
    return Tracking(**base)


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for b in blocks:
        if b["type"] == "section":
            out.append(b["text"]["text"])
        elif b["type"] == "context":
            out.extend(e["text"] for e in b["elements"])
    return out


def test_seller_central_link_follows_the_marketplace() -> None:
    assert seller_central_link(ORDER_ID, "amazon.de") == (
        "https://sellercentral.amazon.de/orders-v3/order/302-1234567-1234567"
    )
    assert seller_central_link("1", "amazon.co.uk").startswith("https://sellercentral.amazon.co.uk/")
    assert seller_central_link("1", None).startswith("https://sellercentral.amazon.com/")


def test_the_order_section_lists_status_total_and_items() -> None:
    blocks = order_blocks(OrderView(ORDER_ID, order=order()), AT)
    assert refused(blocks) == []
    head, bought, item = texts(blocks)[0].split("\n")
    assert head == "*Order* `302-1234567-1234567` · FBM · Partially shipped · 79.80 EUR"
    assert bought.startswith("Ordered <!date^") and bought.endswith("|Fri 20 Nov 10:30 CET>")
    assert item == "• 2 × Kaffeemühle Edelstahl"


def test_many_and_long_items_are_cut() -> None:
    items = [Item(f"<Item {n}> " + "x" * 200, 1) for n in range(MAX_ITEMS + 2)]
    [section, *_] = order_blocks(OrderView(ORDER_ID, order=order(items=items)), AT)
    lines = section["text"]["text"].split("\n")[2:]
    assert len(lines) == MAX_ITEMS + 1 and lines[-1] == "• … and 2 more"
    assert lines[0].startswith("• 1 × &lt;Item 0&gt; x") and lines[0].endswith("…")
    assert len(lines[0]) < 140


def test_fba_orders_say_amazon_answers_delivery_questions() -> None:
    blocks = order_blocks(OrderView(ORDER_ID, order=order(fulfilled_by="AMAZON")), AT)
    assert "· FBA ·" in texts(blocks)[0]
    assert texts(blocks)[1].startswith("Fulfilled by Amazon: Amazon ships it")


@pytest.mark.parametrize(
    ("view", "shown"),
    [
        (
            OrderView(ORDER_ID, not_found=True, error="404"),
            ":x: Amazon does not know order `302-1234567-1234567`",
        ),
        (OrderView(ORDER_ID, configured=False), "Order details appear here once the SP-API is connected"),
        (OrderView(ORDER_ID, pending=True), ":hourglass_flowing_sand: Fetching the order and its tracking"),
        (OrderView(ORDER_ID, error="SP-API: <timeout>"), ":warning: Order details unavailable, retrying"),
    ],
)
def test_without_the_order_the_card_says_why(view: OrderView, shown: str) -> None:
    blocks = order_blocks(view, AT)
    assert refused(blocks) == []
    assert texts(blocks)[0].startswith(shown)
    assert len(texts(blocks)) == 1  # a not-found order shows no retry note: nothing will be retried
    assert "<timeout>" not in json.dumps(blocks)


def test_a_package_line_shows_carrier_status_last_scan_and_expected_delivery() -> None:
    lines = package_text(parcel(), AT).split("\n")
    assert lines[0] == ":truck: *DHL* `00340434161094042557` — *In transit*"
    assert lines[1].startswith("Die Sendung wurde im Start-Paketzentrum bearbeitet. (Hamburg), <!date^")
    assert lines[2].startswith("Expected <!date^") and lines[2].endswith("|Fri 27 Nov 10:00 CET>")
    assert len(lines) == 3


def test_a_delivered_package_has_no_expected_date() -> None:
    text = package_text(parcel(status=Status.DELIVERED), AT)
    assert text.startswith(":white_check_mark: *DHL*") and "*Delivered*" in text
    assert "Expected" not in text


def test_carrier_names_and_missing_tracking_are_explained() -> None:
    unknown = package_text(
        parcel(carrier="unknown", status=Status.UNKNOWN, last_event=None, provider=None), AT
    )
    first, expected, hint = unknown.split("\n")
    assert first == ":grey_question: *Carrier unknown* `00340434161094042557` — *No tracking yet*"
    assert expected.startswith("Expected <!date^")
    assert hint == "_No live tracking configured for this carrier: use the link._"
    assert "*BPOST*" in package_text(parcel(carrier="bpost"), AT)
    assert "*Royal Mail*" in package_text(parcel(carrier="royalmail"), AT)
    failing = package_text(parcel(error="DHL: <rate limited> " + "x" * 400), AT).split("\n")[-1]
    assert failing.startswith(":warning: _Tracking unavailable, retrying (DHL: &lt;rate limited&gt; x")
    assert failing.endswith("…)_")


def test_packages_get_a_track_button_and_at_most_five_are_shown() -> None:
    packages = [parcel(tracking_number=f"JJD{n:04d}") for n in range(MAX_PACKAGES + 2)]
    packages[1] = parcel(tracking_number="NOLINK", link=None)
    view = OrderView(ORDER_ID, order=order(), packages=packages, checked_at=TEAM_TIME - timedelta(minutes=5))
    blocks = order_blocks(view, AT)
    assert refused(blocks) == []
    numbers = [t.split("`")[1] for t in texts(blocks) if t.startswith(":truck:")]
    assert numbers == ["JJD0000", "NOLINK", "JJD0002", "JJD0003", "JJD0004"]
    buttons = [b["accessory"] for b in blocks if "accessory" in b]
    assert [b["action_id"] for b in buttons] == [
        "open_tracking:0",
        "open_tracking:2",
        "open_tracking:3",
        "open_tracking:4",
    ]
    assert buttons[0]["url"] == packages[0].link and buttons[0]["text"]["text"] == "Track"
    assert "… and 2 more package(s)" in texts(blocks)
    assert any(t.startswith("Tracking checked <!date^") for t in texts(blocks))


def test_the_order_buttons_refresh_and_open_seller_central() -> None:
    blocks = order_blocks(OrderView(ORDER_ID, order=order(marketplace="amazon.fr")), AT, conversation_id=7)
    [row] = [b for b in blocks if b["type"] == "actions"]
    assert row["block_id"] == "order_actions"
    refresh, open_order = row["elements"]
    assert (refresh["action_id"], refresh["value"]) == ("refresh_order", "7")
    assert open_order["action_id"] == "open_order"
    assert open_order["url"] == "https://sellercentral.amazon.fr/orders-v3/order/302-1234567-1234567"
    unconfigured = order_blocks(OrderView(ORDER_ID, configured=False), AT, conversation_id=7)
    assert [e["action_id"] for e in unconfigured[-1]["elements"]] == ["open_order"]
    assert [e["action_id"] for e in order_blocks(OrderView(ORDER_ID), AT)[-1]["elements"]] == ["open_order"]


def test_evidence_collects_dates_shipments_and_carrier_status() -> None:
    shipped = order(
        latest_delivery="2026-11-24T22:59:59Z",
        packages=[Package("DHL", "00340434161094042557", ship_time="2026-11-21T08:00:00Z")],
    )
    view = OrderView(ORDER_ID, order=shipped, packages=[parcel(status=Status.DELIVERED)])
    [block] = evidence_blocks(view, AT)
    assert refused([block]) == []
    lines = block["text"]["text"].split("\n")
    assert lines[0] == "*Evidence for your response*"
    assert lines[1].startswith("• Ordered <!date^")
    assert lines[2].startswith("• Promised delivery by <!date^") and lines[2].endswith(
        "|Tue 24 Nov 23:59 CET>"
    )
    assert lines[3].startswith("• Shipped <!date^") and lines[3].endswith("with DHL `00340434161094042557`")
    assert lines[4].startswith("• Carrier status: *Delivered* (<!date^")
    assert lines[4].endswith(f"<{parcel().link}|tracking page>")


def test_evidence_without_data_says_how_to_get_it() -> None:
    [block] = evidence_blocks(OrderView(ORDER_ID), AT)
    assert block["text"]["text"] == (
        "*Evidence for your response*\n• _No order or tracking data yet: connect the SP-API or add the tracking "
        "number in Seller Central._"
    )


def test_order_section_shows_the_purchase_date_and_survives_a_bad_one() -> None:
    from bot.cards.order import OrderView, evidence_blocks, order_blocks
    from bot.replies.context import reply_context
    from bot.services.amazon import Order

    def section(purchase_date: str) -> str:
        order = Order("303-1234567-1234567", "amazon.de", "Shipped", "MERCHANT", purchase_date)
        return json.dumps(order_blocks(OrderView(order.order_id, order=order), AT))

    assert "Ordered <!date^" in section("2026-11-20T09:30:00Z")
    broken = section("20/11/2026")  # not ISO: the card still shows the order, without a date
    assert "303-1234567-1234567" in broken and "Ordered" not in broken
    garbled = Order(
        "303-1234567-1234567", "amazon.de", "Shipped", "MERCHANT", "20/11/2026", "2026-11-26T23:59:59Z"
    )
    evidence = json.dumps(evidence_blocks(OrderView(garbled.order_id, order=garbled), AT))
    assert "Ordered" not in evidence and "Promised delivery by <!date^" in evidence
    good = Order("303-1234567-1234567", "amazon.de", "Shipped", "MERCHANT", "2026-11-20T09:30:00Z")
    assert reply_context({"language": "en"}, order=good)["order_date"] == "November 20, 2026"
    bad = Order("303-1234567-1234567", "amazon.de", "Shipped", "MERCHANT", "20/11/2026")
    assert "order_date" not in reply_context({"language": "en"}, order=bad)
