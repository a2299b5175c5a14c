"""The values a reply template can use, taken from the conversation, its order and tracking, in the buyer's locale."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from babel.dates import format_date

from bot.cards.order import CARRIER_NAMES
from bot.mail.intents import is_shipped
from bot.replies.products import Product, product_values
from bot.services.amazon import Order
from bot.services.carriers.model import Status, Tracking, parse_time

log = logging.getLogger(__name__)

STATUS_WORDS: dict[str, dict[Status, str]] = {
    "de": {
        Status.LABEL_CREATED: "Sendung angekündigt",
        Status.IN_TRANSIT: "unterwegs",
        Status.OUT_FOR_DELIVERY: "in Zustellung",
        Status.DELIVERED: "zugestellt",
        Status.EXCEPTION: "Verzögerung beim Versanddienstleister",
        Status.RETURNED: "an uns zurückgesandt",
    },
    "en": {
        Status.LABEL_CREATED: "label created",
        Status.IN_TRANSIT: "in transit",
        Status.OUT_FOR_DELIVERY: "out for delivery",
        Status.DELIVERED: "delivered",
        Status.EXCEPTION: "delayed at the carrier",
        Status.RETURNED: "returned to us",
    },
    "fr": {
        Status.LABEL_CREATED: "étiquette créée",
        Status.IN_TRANSIT: "en transit",
        Status.OUT_FOR_DELIVERY: "en cours de livraison",
        Status.DELIVERED: "livré",
        Status.EXCEPTION: "retardé chez le transporteur",
        Status.RETURNED: "retourné à l'expéditeur",
    },
    "it": {
        Status.LABEL_CREATED: "etichetta creata",
        Status.IN_TRANSIT: "in transito",
        Status.OUT_FOR_DELIVERY: "in consegna",
        Status.DELIVERED: "consegnato",
        Status.EXCEPTION: "in ritardo presso il corriere",
        Status.RETURNED: "rispedito al mittente",
    },
    "es": {
        Status.LABEL_CREATED: "etiqueta creada",
        Status.IN_TRANSIT: "en tránsito",
        Status.OUT_FOR_DELIVERY: "en reparto",
        Status.DELIVERED: "entregado",
        Status.EXCEPTION: "retrasado en el transportista",
        Status.RETURNED: "devuelto al remitente",
    },
    "nl": {
        Status.LABEL_CREATED: "zending aangemeld",
        Status.IN_TRANSIT: "onderweg",
        Status.OUT_FOR_DELIVERY: "wordt vandaag bezorgd",
        Status.DELIVERED: "bezorgd",
        Status.EXCEPTION: "vertraagd bij de vervoerder",
        Status.RETURNED: "teruggestuurd naar de afzender",
    },
    "pl": {
        Status.LABEL_CREATED: "nadanie zarejestrowane",
        Status.IN_TRANSIT: "w drodze",
        Status.OUT_FOR_DELIVERY: "w doręczeniu",
        Status.DELIVERED: "doręczona",
        Status.EXCEPTION: "opóźniona u przewoźnika",
        Status.RETURNED: "zwrócona do nadawcy",
    },
    "sv": {
        Status.LABEL_CREATED: "försändelsen är registrerad",
        Status.IN_TRANSIT: "på väg",
        Status.OUT_FOR_DELIVERY: "ute för leverans",
        Status.DELIVERED: "levererad",
        Status.EXCEPTION: "försenad hos transportören",
        Status.RETURNED: "returnerad till avsändaren",
    },
    "pt": {  # Brazil (amazon.com.br)
        Status.LABEL_CREATED: "etiqueta criada",
        Status.IN_TRANSIT: "em trânsito",
        Status.OUT_FOR_DELIVERY: "saiu para entrega",
        Status.DELIVERED: "entregue",
        Status.EXCEPTION: "com atraso na transportadora",
        Status.RETURNED: "devolvido ao remetente",
    },
    "ja": {
        Status.LABEL_CREATED: "配送準備中",
        Status.IN_TRANSIT: "輸送中",
        Status.OUT_FOR_DELIVERY: "配達中",
        Status.DELIVERED: "配達完了",
        Status.EXCEPTION: "配送業者で遅延",
        Status.RETURNED: "当店へ返送",
    },
}


def local_date(when: datetime, language: str | None) -> str:
    """A date as the buyer writes it: '27. November 2026', 'November 27, 2026', '27 novembre 2026'."""
    try:
        return str(format_date(when.date(), format="long", locale=language or "en"))
    except Exception:  # an unknown locale falls back to English, never to no date
        return str(format_date(when.date(), format="long", locale="en"))


def reply_context(
    conv: dict[str, Any],
    *,
    order: Order | None = None,
    packages: list[Tracking] | None = None,
    signature: str = "",
    language: str | None = None,
    products: list[Product] | None = None,
) -> dict[str, Any]:
    """Template values; a value that is not known is left out, so StrictUndefined refuses templates needing it."""
    lang = (language or conv.get("language") or "en").lower()
    ctx: dict[str, Any] = {
        "buyer_name": conv.get("buyer_name"),
        "order_id": conv.get("order_id") or (order.order_id if order else None),
        "signature": signature.strip() or None,
        "language": lang,
    }
    if order is not None:
        ctx["items"] = [i.title for i in order.items]
        ctx["item"] = order.items[0].title if order.items else None
        bought = parse_time(order.purchase_date)
        if bought is not None:
            ctx["order_date"] = local_date(bought, lang)
        ctx["product"] = product_values(products or [], order, lang)
        if order.status:
            ctx["shipped"] = is_shipped(order.status)
    shown = [p for p in packages or [] if p.status not in (Status.DELIVERED, Status.RETURNED)] or list(
        packages or []
    )
    if shown:
        pkg = shown[0]
        ctx["carrier_name"] = CARRIER_NAMES.get(pkg.carrier) if pkg.carrier != "unknown" else None
        ctx["tracking_number"] = pkg.tracking_number
        ctx["tracking_link"] = pkg.link
        ctx["tracking_status"] = STATUS_WORDS.get(lang, STATUS_WORDS["en"]).get(pkg.status)
        if pkg.estimated_delivery and pkg.status not in (Status.DELIVERED, Status.RETURNED):
            ctx["expected_delivery"] = local_date(pkg.estimated_delivery, lang)
    return {k: v for k, v in ctx.items() if v not in (None, "", [])}


def sample_context(language: str) -> dict[str, Any]:
    """Values for checking every template (`inbox-bot templates lint`)."""
    return {
        "buyer_name": "Max Mustermann",
        "order_id": "302-1234567-1234567",
        "items": ["Kaffeemühle Edelstahl"],
        "item": "Kaffeemühle Edelstahl",
        "order_date": local_date(datetime(2026, 11, 20), language),
        "shipped": False,
        "carrier_name": "DHL",
        "tracking_number": "00340434161094042557",
        "tracking_link": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=00340434161094042557",
        "tracking_status": STATUS_WORDS.get(language, STATUS_WORDS["en"])[Status.IN_TRANSIT],
        "expected_delivery": local_date(datetime(2026, 11, 27), language),
        "signature": "Example Shop",
        "language": language,
    }
