"""The refund decision matrix: by order value, item and reason, the path a team lead chose, shown on the card."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

if TYPE_CHECKING:  # settings import this module; the order model imports the settings
    from bot.services.amazon import Order

log = logging.getLogger(__name__)

COMPLAINTS = ["damaged", "wrong_item", "quality_problem", "missing_parts", "return_refund"]


class RefundRule(BaseModel):
    """One row of the matrix; the first row that fits decides. Team leads edit them in the settings file."""

    action: str  # what to do, as the card says it
    intents: list[str] = Field(default_factory=list)  # reasons it applies to (empty: any)
    min_value: float | None = None  # order total at least this
    max_value: float | None = None  # order total below this
    currency: str | None = None  # only orders in this currency
    sku_prefix: str | None = None  # only orders with an item whose SKU starts so (a category)
    template: str | None = None  # the reply template that goes with it


DEFAULT_RULES = [
    RefundRule(
        intents=["quality_problem"],
        action="Offer an exchange or a partial refund first; a return with a full refund if the buyer prefers",
        template="quality_problem",
    ),
    RefundRule(
        intents=["missing_parts"],
        action="Send the missing part; a partial refund if it cannot be sent",
        template="missing_parts",
    ),
    RefundRule(
        intents=["damaged", "wrong_item"],
        max_value=25,
        action="Offer a partial refund if the buyer keeps it, or a refund without a return: sending it back "
        "costs more than the item",
        template="wrong_item",
    ),
    RefundRule(
        intents=["damaged", "wrong_item"],
        min_value=25,
        action="See the photos first (ask for them if none came), then offer a replacement or a return with a full refund",
        template="damaged",
    ),
    RefundRule(
        intents=["return_refund"],
        action="Ask why; within Amazon's return period (from delivery) the return goes through the buyer's account",
        template="return_refund",
    ),
    RefundRule(
        intents=["late_or_lost"],
        action="Check the tracking; if it is lost, send a replacement or refund, and open a claim with the carrier",
        template="late_or_lost",
    ),
]


@dataclass(frozen=True)
class Recommendation:
    """The path the matrix recommends and why."""

    action: str
    template: str | None
    reason: str


def recommend(rules: list[RefundRule], intent: str, order: Order | None) -> Recommendation | None:
    """The first rule fitting the reason and the order; None when none does (or the order is unknown)."""
    if order is None:
        return None
    total = _amount(order)
    for n, rule in enumerate(rules, start=1):
        if rule.intents and intent not in rule.intents:
            continue
        if rule.currency and (order.total is None or order.total.currency != rule.currency):
            continue
        if rule.sku_prefix and not any((i.sku or "").startswith(rule.sku_prefix) for i in order.items):
            continue
        if rule.min_value is not None and (total is None or total < Decimal(str(rule.min_value))):
            continue
        if rule.max_value is not None and (total is None or total >= Decimal(str(rule.max_value))):
            continue
        bounds = []
        if rule.max_value is not None:
            bounds.append(f"below {rule.max_value:g}")
        if rule.min_value is not None:
            bounds.append(f"at least {rule.min_value:g}")
        value = f"order value {order.total}" if order.total else "order value unknown"
        reason = f"rule {n}: {intent.replace('_', ' ')}, {value}" + (
            f" ({' and '.join(bounds)})" if bounds else ""
        )
        return Recommendation(action=rule.action, template=rule.template, reason=reason)
    return None


def _amount(order: Order) -> Decimal | None:
    if order.total is None:
        return None
    try:
        return Decimal(order.total.amount)
    except InvalidOperation:
        return None
