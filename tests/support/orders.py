"""A sample Amazon order as the bot's services give it, for the tests of what is built from one."""

from __future__ import annotations

import dataclasses
from typing import Any

from bot.services.amazon import Item, Order

ORDER_ID = "302-1234567-1234567"


def sample_order(**changes: Any) -> Order:
    """A shipped amazon.de order the seller fulfils (one coffee grinder); `changes` replace any of its fields."""
    order = Order(
        order_id=ORDER_ID,
        marketplace="amazon.de",
        status="Shipped",
        fulfilled_by="MERCHANT",
        purchase_date="2026-11-20T09:30:00Z",
        items=[Item("Kaffeemühle Edelstahl", 1)],
    )
    return dataclasses.replace(order, **changes)
