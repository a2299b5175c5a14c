"""Product knowledge: short answers per product (how to use, compatibility, care), for the templates of its orders.

A team lists its products in the settings file (`[[products]]`, matched by SKU or ASIN prefix); a conversation
whose order contains a matching item gets `product` in its template values, so `how_to_use` answers with the
product's own steps instead of a placeholder the guard would refuse.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, model_validator

if TYPE_CHECKING:  # the settings import this module; the SP-API client imports the settings
    from bot.services.amazon import Order

log = logging.getLogger(__name__)


class Product(BaseModel):
    """One product (or a family, by prefix) and what the team says about it, per language (`en` is the fallback)."""

    name: str
    sku_prefix: str | None = None
    asin_prefix: str | None = None
    howto: dict[str, str] = Field(default_factory=dict)
    compatibility: dict[str, str] = Field(default_factory=dict)
    care: dict[str, str] = Field(default_factory=dict)
    files: list[Path] = Field(default_factory=list)  # manuals and the like, offered with *Send manual*

    @model_validator(mode="after")
    def _matchable(self) -> Product:
        if not self.sku_prefix and not self.asin_prefix:
            raise ValueError(f"product {self.name!r} needs sku_prefix or asin_prefix to be matched to orders")
        from bot.replies.files import check_attachable

        check_attachable(self.files, f"product {self.name!r}")
        return self

    def matches(self, sku: str | None, asin: str | None) -> bool:
        """Whether an order line is this product."""
        return bool(
            (self.sku_prefix and sku and sku.startswith(self.sku_prefix))
            or (self.asin_prefix and asin and asin.startswith(self.asin_prefix))
        )

    def values(self, language: str) -> dict[str, str]:
        """`name` and the answers in the language (or English); an answer not written is left out."""
        out = {"name": self.name}
        for field in ("howto", "compatibility", "care"):
            texts: dict[str, str] = getattr(self, field)
            text = texts.get(language) or texts.get("en")
            if text and text.strip():
                out[field] = text.strip()
        return out


def product_for(products: list[Product], order: Order | None) -> Product | None:
    """The first listed product any line of the order is (the settings' order decides between overlaps)."""
    if order is None:
        return None
    for product in products:
        if any(product.matches(item.sku, item.asin) for item in order.items):
            return product
    return None


def product_values(products: list[Product], order: Order | None, language: str) -> dict[str, Any] | None:
    """The template value `product` for this order, or None when no listed product is in it."""
    product = product_for(products, order)
    return product.values(language) if product else None
