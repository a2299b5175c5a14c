"""The values reply templates use: from the conversation, its order and its tracking, in the buyer's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.replies.context import STATUS_WORDS, local_date, reply_context, sample_context
from bot.services.amazon import Item, Order
from bot.services.carriers.model import Status, Tracking
from tests.support.clock import TEAM_TIME
from tests.support.orders import ORDER_ID, sample_order


def order(**kw: Any) -> Order:
    """The sample order, shipped, with filters besides the grinder."""
    return sample_order(**{"items": [Item("Kaffeemühle Edelstahl", 1), Item("Filter 100 Stück", 2)], **kw})


def parcel(number: str, status: Status, carrier: str = "dhl") -> Tracking:
    return Tracking(
        carrier=carrier,
        tracking_number=number,
        status=status,
        estimated_delivery=TEAM_TIME + timedelta(days=1),
        link=f"https://track.example/{number}",
        provider="dhl",
    )


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("de", "27. November 2026"),
        ("en", "November 27, 2026"),
        ("fr", "27 novembre 2026"),
        ("it", "27 novembre 2026"),
        ("es", "27 de noviembre de 2026"),
        (None, "November 27, 2026"),
        ("xx-unknown", "November 27, 2026"),  # an unknown locale falls back to English
    ],
)
def test_local_date_is_written_as_the_buyer_writes_it(language: str | None, shown: str) -> None:
    assert local_date(datetime(2026, 11, 27, 15, 0, tzinfo=UTC), language) == shown


def test_the_conversation_gives_name_order_language_and_signature() -> None:
    ctx = reply_context(
        {"buyer_name": "Max Müller", "order_id": ORDER_ID, "language": "DE"}, signature="  Example Shop \n"
    )
    assert ctx == {
        "buyer_name": "Max Müller",
        "order_id": ORDER_ID,
        "signature": "Example Shop",
        "language": "de",
    }


def test_unknown_values_are_left_out_so_templates_needing_them_are_refused() -> None:
    assert reply_context({"buyer_name": None, "order_id": ""}, signature="   ") == {"language": "en"}


def test_the_language_asked_for_wins_over_the_conversations() -> None:
    ctx = reply_context({"language": "de"}, order=order(), language="fr")
    assert ctx["language"] == "fr" and ctx["order_date"] == "20 novembre 2026"


def test_the_order_gives_items_and_the_purchase_date() -> None:
    ctx = reply_context({"language": "de"}, order=order())
    assert ctx["order_id"] == ORDER_ID  # taken from the order when the conversation has none
    assert ctx["items"] == ["Kaffeemühle Edelstahl", "Filter 100 Stück"]
    assert ctx["item"] == "Kaffeemühle Edelstahl"
    assert ctx["order_date"] == "20. November 2026"
    assert (
        reply_context({"order_id": "999-0000000-0000000"}, order=order())["order_id"] == "999-0000000-0000000"
    )
    empty = reply_context({}, order=order(items=[]))
    assert "item" not in empty and "items" not in empty


def test_the_tracking_shown_is_the_first_package_still_on_its_way() -> None:
    packages = [
        parcel("DELIVERED1", Status.DELIVERED),
        parcel("MOVING2", Status.OUT_FOR_DELIVERY),
        parcel("MOVING3", Status.IN_TRANSIT),
    ]
    ctx = reply_context({"language": "de"}, packages=packages)
    assert ctx["tracking_number"] == "MOVING2"
    assert ctx["tracking_link"] == "https://track.example/MOVING2"
    assert ctx["tracking_status"] == "in Zustellung"
    assert ctx["carrier_name"] == "DHL"
    assert ctx["expected_delivery"] == "27. November 2026"


def test_when_every_package_arrived_the_first_is_shown_without_an_expected_date() -> None:
    packages = [parcel("A1", Status.DELIVERED), parcel("B2", Status.RETURNED)]
    ctx = reply_context({"language": "en"}, packages=packages)
    assert ctx["tracking_number"] == "A1" and ctx["tracking_status"] == "delivered"
    assert "expected_delivery" not in ctx


def test_carrier_and_status_words_that_are_not_known_are_left_out() -> None:
    ctx = reply_context({"language": "en"}, packages=[parcel("X1", Status.UNKNOWN, carrier="unknown")])
    assert ctx["tracking_number"] == "X1"
    assert "carrier_name" not in ctx and "tracking_status" not in ctx
    ups = reply_context({"language": "tr"}, packages=[parcel("1Z9", Status.EXCEPTION, carrier="ups")])
    assert ups["carrier_name"] == "UPS"
    assert ups["tracking_status"] == "delayed at the carrier"  # no Turkish words: English


@pytest.mark.parametrize("language", sorted(STATUS_WORDS))
def test_the_sample_context_has_every_value_a_real_conversation_can_have(language: str) -> None:
    real = reply_context(
        {"buyer_name": "Max", "language": language},
        order=order(),
        packages=[parcel("P1", Status.IN_TRANSIT)],
        signature="Shop",
    )
    sample = sample_context(language)
    assert set(real) == set(sample)  # `templates lint` checks each template with every value it may use
    assert sample["language"] == language
    assert sample["tracking_status"] == STATUS_WORDS[language][Status.IN_TRANSIT]
    assert sample["order_date"] == local_date(datetime(2026, 11, 20), language)


def test_the_order_state_tells_templates_whether_it_has_shipped() -> None:
    from bot.replies.library import Library

    library = Library.load()
    ctx = sample_context("en")
    unshipped = library.render("address_change", "en", {**ctx, "shipped": False}).text
    shipped = library.render("address_change", "en", {**ctx, "shipped": True}).text
    assert "has not shipped yet" in unshipped and "cancel it in your Amazon account" in unshipped
    assert "already on its way" in shipped and "reply with the full new address" in shipped


def test_a_listed_product_of_the_order_gives_its_own_answers() -> None:
    from bot.replies.library import Library
    from bot.replies.products import Product

    products = [
        Product(name="Glass jug", sku_prefix="GLAS-", howto={"en": "Rinse it before the first use."}),
        Product(
            name="Coffee grinder",
            asin_prefix="B0GRIND",
            howto={
                "en": "Turn the ring to 5, then press twice.",
                "de": "Ring auf 5 drehen, dann zweimal drücken.",
            },
            care={"en": "Brush, never water."},
        ),
    ]
    order = Order(
        order_id=ORDER_ID,
        marketplace="A1PA6795UKMFR9",
        status="Shipped",
        fulfilled_by="MERCHANT",
        purchase_date=None,
        total=None,
        items=[Item("Kaffeemühle", 1, asin="B0GRIND123", sku="KM-1")],
    )
    de = reply_context({"language": "de"}, order=order, products=products)
    assert de["product"] == {
        "name": "Coffee grinder",
        "howto": "Ring auf 5 drehen, dann zweimal drücken.",
        "care": "Brush, never water.",
    }
    assert "product" not in reply_context({"language": "de"}, order=order, products=products[:1])
    library = Library.load()
    text = library.render("how_to_use", "de", {**sample_context("de"), "product": de["product"]}).text
    assert "Ring auf 5 drehen" in text and "[" not in text
    unknown = library.render("how_to_use", "de", sample_context("de")).text
    assert "[Hier die Schritte" in unknown  # no product: the placeholder the guard refuses to send
    with pytest.raises(ValueError, match="sku_prefix or asin_prefix"):
        Product(name="Nothing to match")
