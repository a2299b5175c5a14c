"""Which replies fit a buyer message: transparent keyword rules over Amazon's topic and the buyer's words."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Intent → patterns in German, English, French, Italian and Spanish (matched on lower-case text).
KEYWORDS: dict[str, str] = {
    "a_to_z": r"a-bis-z|a-to-z|a-z[- ]garantie|garantie de a à z|garanzia dalla a alla z|garantía de la a a la z",
    "invoice_request": r"rechnung|invoice|facture|fattura|factura|receipt|quittung|\bmwst\b|\bvat\b|\bust\b",
    "damaged": r"beschädigt|kaputt|zerbrochen|gebrochen|zersplittert|damaged|broken|cracked|shattered|endommagé|cassé|abîmé|danneggiat|rott[oa]|dañad|rot[oa]\b",
    "wrong_item": r"falsche[nrs]? (?:artikel|ware|farbe|größe|produkt)|wrong (?:item|size|colou?r|product)|mauvais (?:article|produit)|articolo sbagliato|producto equivocado|artículo equivocado",
    "missing_parts": r"fehlt|fehlen|unvollständig|missing|incomplete|manque|manquant|manca|mancano|falta|faltan",
    "where_is_my_order": r"wo (?:ist|bleibt)|noch nicht (?:angekommen|erhalten|da|geliefert)|nicht angekommen|sendungsnummer|sendungsverfolgung|where is my|not (?:yet )?(?:arrived|received|been delivered)|still (?:has not|hasn't) arrived|tracking|où est|pas (?:encore )?(?:reçu|arrivé)|suivi|dov'è|non (?:è )?(?:ancora )?arrivat|tracciamento|dónde está|no (?:me )?ha llegado|seguimiento",
    "return_refund": r"rücksend|zurückschicken|zurückgeben|zurücksenden|erstatt|geld zurück|return|refund|money back|retour|rembours|\breso\b|restituire|rimbors|devoluci|devolver|reembols",
    "cancellation": r"stornier|storno|cancel|annul|cancell",
    "address_change": r"adresse (?:ändern|falsch|geändert)|falsche adresse|lieferadresse|change (?:the |my )?address|wrong address|changer (?:l'|mon )?adresse|cambiare (?:l'|il mio )?indirizzo|cambiar (?:la |mi )?dirección",
    "how_to_use": r"wie (?:funktioniert|benutze|bediene|verwende)|anleitung|bedienungsanleitung|how (?:do i|to) use|instructions|manual|mode d'emploi|comment utiliser|istruzioni|come si usa|instrucciones|cómo se usa",
    "warranty": r"garantie|gewährleistung|warranty|guarantee|garanzia|garantía",
    "quality_problem": r"qualität|funktioniert nicht|geht nicht mehr|quality|doesn't work|does not work|not working|stopped working|ne fonctionne pas|non funziona|no funciona",
}
TOPIC_HINTS = {
    "versand": "where_is_my_order",
    "shipping": "where_is_my_order",
    "livraison": "where_is_my_order",
    "envío": "where_is_my_order",
    "rücksendungen": "return_refund",
    "returns": "return_refund",
    "retours": "return_refund",
    "devoluciones": "return_refund",
    "produktdetails": "presale",
    "product details": "presale",
}
INTENT_TEMPLATES = {
    "invoice_request": ["invoice_request", "invoice_resent"],
    "where_is_my_order": ["where_is_my_order", "late_or_lost"],
    "damaged": ["damaged", "return_refund"],
    "wrong_item": ["wrong_item", "return_refund"],
    "missing_parts": ["missing_parts"],
    "return_refund": ["return_refund"],
    "cancellation": ["cancellation_before_shipping", "cancellation_after_shipping"],
    "address_change": ["address_change"],
    "how_to_use": ["how_to_use"],
    "warranty": ["warranty", "quality_problem"],
    "quality_problem": ["quality_problem", "return_refund"],
    "a_to_z": ["a_to_z_response"],
    "presale": ["presale_question"],
    "other": ["acknowledgement"],
}
SHIPPED = {"SHIPPED", "PARTIALLY_SHIPPED"}


@dataclass(frozen=True)
class Suggestion:
    """Template keys in the order they should be offered, and why."""

    intents: list[str]
    templates: list[str]
    reason: str


def suggest(
    text: str | None, *, topic: str | None, has_order: bool, order_status: str | None = None
) -> Suggestion:
    """The intents a message shows (first match first) and the templates answering them."""
    lowered = (text or "").lower()
    found: list[tuple[int, str]] = []
    for intent, pattern in KEYWORDS.items():
        m = re.search(pattern, lowered)
        if m:
            found.append((m.start(), intent))
    intents = [intent for _, intent in sorted(found)]
    reason = f"words: {', '.join(intents)}" if intents else ""
    hint = TOPIC_HINTS.get((topic or "").strip().lower())
    if hint and hint not in intents:
        intents.append(hint)
        reason = (reason + "; " if reason else "") + f"Amazon topic: {topic}"
    if not has_order:
        intents = [i for i in intents if i in ("presale", "other", "how_to_use")] or ["presale"]
        reason = reason or "no order id: a question before buying"
    intents.append("other")
    templates: list[str] = []
    for intent in intents:
        for key in INTENT_TEMPLATES.get(intent, []):
            if key == "cancellation_before_shipping" and order_status in SHIPPED:
                continue
            if key == "cancellation_after_shipping" and order_status and order_status not in SHIPPED:
                continue
            if key not in templates:
                templates.append(key)
    return Suggestion(intents=intents, templates=templates, reason=reason or "no clear topic")
