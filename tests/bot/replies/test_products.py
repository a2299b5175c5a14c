"""Product knowledge: matched to an order by SKU or ASIN prefix, answered in the buyer's language or English."""

from __future__ import annotations

from pathlib import Path

from bot.replies.products import Product, product_for, product_values
from bot.services.amazon import Item, Order
from bot.settings_sources import load_settings


def _order(*items: Item) -> Order:
    return Order(
        order_id="302-1234567-1234567",
        marketplace="A1PA6795UKMFR9",
        status="Shipped",
        fulfilled_by="MERCHANT",
        purchase_date=None,
        total=None,
        items=list(items),
    )


PRODUCTS = [
    Product(name="Jug", sku_prefix="GLAS-", howto={"en": "Rinse first."}, care={"de": "  "}),
    Product(name="Any glass", asin_prefix="B0G", howto={"fr": "Rincez d'abord."}),
]


def test_the_first_listed_product_an_order_line_is_decides() -> None:
    assert product_for(PRODUCTS, _order(Item("x", 1, sku="GLAS-1", asin="B0G1"))) is PRODUCTS[0]
    assert product_for(PRODUCTS, _order(Item("x", 1, sku="KM-1"), Item("y", 1, asin="B0G77"))) is PRODUCTS[1]
    assert product_for(PRODUCTS, _order(Item("x", 1, sku="KM-1"))) is None
    assert product_for(PRODUCTS, None) is None


def test_answers_come_in_the_language_or_english_and_blank_ones_are_left_out() -> None:
    order = _order(Item("x", 1, sku="GLAS-9"))
    assert product_values(PRODUCTS, order, "de") == {"name": "Jug", "howto": "Rinse first."}
    assert product_values(PRODUCTS, _order(Item("x", 1, asin="B0G1")), "de") == {"name": "Any glass"}
    assert product_values(PRODUCTS, _order(Item("x", 1, asin="B0G1")), "fr")["howto"] == "Rincez d'abord."


def test_a_team_lists_its_products_in_the_settings_file(tmp_path: Path) -> None:
    toml = tmp_path / "bot.toml"
    toml.write_text(
        '[[products]]\nname = "Grinder"\nsku_prefix = "KM-"\nhowto = { de = "Ring auf 5.", en = "Ring to 5." }\n',
        encoding="utf-8",
    )
    settings = load_settings(toml)
    assert [p.name for p in settings.products] == ["Grinder"]
    assert settings.products[0].howto["de"] == "Ring auf 5."
