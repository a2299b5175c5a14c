"""The refund decision matrix."""

from __future__ import annotations

import json

import pytest

from bot.replies.refunds import DEFAULT_RULES, RefundRule, recommend
from bot.services.amazon import Item, Money, Order
from bot.settings_sources import load_settings


def order(total: str, currency: str = "EUR", sku: str = "SKU-1") -> Order:
    return Order(
        order_id="302-1234567-1234567",
        marketplace="amazon.de",
        status="SHIPPED",
        fulfilled_by="MERCHANT",
        purchase_date=None,
        total=Money(total, currency),
        items=[Item("Karaffe", 1, sku=sku)],
    )


@pytest.mark.parametrize(
    ("intent", "total", "starts"),
    [
        ("damaged", "19.90", "Offer a partial refund if the buyer keeps it"),
        ("wrong_item", "24.99", "Offer a partial refund if the buyer keeps it"),
        ("quality_problem", "9.90", "Offer an exchange or a partial refund first"),
        ("missing_parts", "60.00", "Send the missing part"),
        ("return_refund", "60.00", "Ask why"),
        ("damaged", "25.00", "See the photos first"),
        ("wrong_item", "120.00", "See the photos first"),
        ("late_or_lost", "300.00", "Check the tracking"),
    ],
)
def test_default_matrix(intent: str, total: str, starts: str) -> None:
    advice = recommend(DEFAULT_RULES, intent, order(total))
    assert advice is not None and advice.action.startswith(starts)
    assert f"order value {total} EUR" in advice.reason


def test_no_rule_no_advice() -> None:
    assert recommend(DEFAULT_RULES, "invoice_request", order("19.90")) is None
    assert recommend(DEFAULT_RULES, "damaged", None) is None


def test_rules_by_category_and_currency_come_first_when_listed_first() -> None:
    rules = [
        RefundRule(intents=["damaged"], sku_prefix="GLAS-", action="Glass: always refund, never a return"),
        RefundRule(intents=["damaged"], currency="GBP", max_value=20, action="UK: refund under 20 GBP"),
        *DEFAULT_RULES,
    ]
    assert recommend(rules, "damaged", order("80.00", sku="GLAS-1L")).action.startswith("Glass")  # type: ignore[union-attr]
    assert recommend(rules, "damaged", order("15.00", "GBP")).action.startswith("UK")  # type: ignore[union-attr]
    assert recommend(rules, "damaged", order("15.00")).action.startswith("Offer a partial refund")  # type: ignore[union-attr]


def test_team_leads_change_the_matrix_in_the_settings_file(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    toml = tmp_path / "bot.toml"
    toml.write_text(
        '[[refund_rules]]\nintents = ["damaged"]\nmax_value = 50\naction = "Refund up to 50 EUR at once"\ntemplate = "return_refund"\n'
    )
    settings = load_settings(toml)
    assert recommend(settings.refund_rules, "damaged", order("40.00")).action == "Refund up to 50 EUR at once"  # type: ignore[union-attr]
    monkeypatch.setenv("INBOX_BOT_REFUND_RULES", json.dumps([{"action": "Always ask first"}]))
    assert load_settings().refund_rules[0].action == "Always ask first"
