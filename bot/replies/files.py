"""Files a reply may carry: the order's invoice from the ERP's folder, and the manuals of the products in the order.

Amazon accepts attachments of a few types (PDF, images, plain text) and at most 10 MB per message; the files a team
lists are checked against that when the settings are read, and again by the guard and the sender when they go.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from bot.replies.products import Product, product_for

if TYPE_CHECKING:  # the SP-API client imports the settings, which import this module's neighbours
    from bot.services.amazon import Order

log = logging.getLogger(__name__)

ALLOWED_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".gif", ".txt")
MAX_MESSAGE_BYTES = 10 * 1024 * 1024  # Amazon's limit for the attachments of one message


def invoice_for(folder: Path | None, order_id: str | None) -> Path | None:
    """The invoice PDF of an order in the configured folder (file name containing the order id)."""
    if not folder or not order_id or not folder.is_dir():
        return None
    matches = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".pdf" and order_id in p.name)
    return matches[-1] if matches else None


def invoice_note(folder: Path | None, order_id: str | None, suggested_keys: list[str]) -> str | None:
    """What the card says when the buyer wants an invoice and the folder has none for the order."""
    if not folder or not order_id or "invoice_request" not in suggested_keys[:3]:
        return None
    if invoice_for(folder, order_id):
        return None
    return (
        f":page_facing_up: No invoice PDF for order `{order_id}` in the invoice folder yet: "
        "use *Invoice: where to find it*, or export the invoice from your ERP."
    )


def manuals_for(products: list[Product], order: Order | None) -> list[Path]:
    """The manuals of the (first listed) product in the order that still exist; a missing one is logged."""
    product = product_for(products, order)
    if product is None:
        return []
    present = [path for path in product.files if path.is_file()]
    for gone in set(product.files) - set(present):
        log.error("manual %s of product %r is listed but missing; not offered", gone, product.name)
    return present


def check_attachable(paths: list[Path], what: str) -> None:
    """ValueError naming the file if any is not a type Amazon takes, missing, or together over 10 MB."""
    total = 0
    for path in paths:
        if path.suffix.lower() not in ALLOWED_SUFFIXES:
            raise ValueError(
                f"{what}: {path.name} is not a type Amazon accepts ({', '.join(ALLOWED_SUFFIXES)})"
            )
        if not path.is_file():
            raise ValueError(f"{what}: {path} does not exist")
        total += path.stat().st_size
    if total > MAX_MESSAGE_BYTES:
        raise ValueError(
            f"{what}: the files are {total / 1e6:.1f} MB together; Amazon takes 10 MB per message"
        )
