"""What a buyer wants: transparent, weighted keyword rules in five languages, plus Amazon's topic and the order state.

Every rule is a readable regular expression with a weight; the score of an intent is the sum of its matching
rules. The classifier is measured on a labelled set (`tests/fixtures/intents.jsonl`, report in docs/intents.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

INTENTS = (
    "invoice_request",
    "where_is_my_order",
    "late_or_lost",
    "damaged",
    "wrong_item",
    "missing_parts",
    "how_to_use",
    "quality_problem",
    "return_refund",
    "cancellation",
    "address_change",
    "a_to_z",
    "warranty",
    "presale",
    "other",
)

# (intent, weight, pattern) — matched on the lower-cased text.
RULES: list[tuple[str, float, str]] = [
    (
        "invoice_request",
        3,
        r"rechnung|invoice|facture|fattura|factura\b|receipt|quittung|beleg\b|\bmwst|\bvat\b|ricevuta|justificatif",
    ),
    (
        "invoice_request",
        1,
        r"steuer|tax\b|für meine firma|for my company|pour ma société|per la mia azienda|para mi empresa",
    ),
    (
        "where_is_my_order",
        3,
        r"wo (?:ist|bleibt)|where is my|où (?:est|en est)|dov'è|dove (?:si trova|è)|dónde está",
    ),
    (
        "where_is_my_order",
        2,
        r"noch nicht (?:angekommen|erhalten|da|geliefert|bekommen)|not (?:yet )?(?:arrived|received|delivered)|(?:hasn't|has not|haven't|have not) (?:arrived|received|come)|pas (?:encore )?(?:reçu|arrivé|été livré)|non (?:è )?(?:ancora )?(?:arrivat|ricevut|consegnat)|no (?:me )?ha (?:llegado|sido entregado)|todavía no (?:he recibido|ha llegado)|aún no",
    ),
    (
        "where_is_my_order",
        2,
        r"sendungsnummer|sendungsverfolgung|tracking|wann (?:kommt|wird)|when will|liefertermin|numéro de suivi|quand (?:vais-je|sera)|tracciamento|quando arriva|seguimiento|cuándo llega|status (?:of|meiner|der) (?:my )?(?:order|bestellung)",
    ),
    ("late_or_lost", 3, r"verloren|verschollen|lost|perdu|perso\b|smarrit|perdido|extraviado"),
    (
        "late_or_lost",
        2,
        r"überfällig|verspätet|seit (?:über |mehr als )?(?:\d+|zwei|drei|vier|fünf|einer|eine) (?:wochen|woche)|(?:two|three|four|\d+) weeks|overdue|delayed|late\b|en retard|depuis (?:deux|trois|\d+) semaines|in ritardo|da (?:due|tre|\d+) settimane|retrasad|hace (?:dos|tres|\d+) semanas",
    ),
    (
        "late_or_lost",
        3,
        r"(?:als |marked as |shows as |indiqué comme |risulta |figura como )?(?:zugestellt|delivered|livré|consegnato|entregado)[^.!?]{0,40}(?:aber|but|mais|ma|pero)[^.!?]{0,40}(?:nicht|not|pas|non|no)|(?:kein|no|aucun|nessun|ningún) (?:paket|package|parcel|colis|pacco|paquete)",
    ),
    (
        "damaged",
        3,
        r"beschädigt|kaputt|zerbrochen|gebrochen|zersplittert|eingedrückt|damaged|broken|cracked|shattered|smashed|dented|endommagé|cassé|abîmé|brisé|danneggiat|rott[oa]|ammaccat|dañad|rot[oa]\b|roto|golpeado",
    ),
    (
        "wrong_item",
        3,
        r"falsche[nrs]? (?:artikel|ware|farbe|größe|produkt|modell)|anderen artikel|wrong (?:item|size|colou?r|product|model)|not what i ordered|different (?:item|product)|mauvais (?:article|produit|modèle)|pas (?:le bon|ce que j'ai commandé)|articolo sbagliato|prodotto sbagliato|non è quello che ho ordinato|producto equivocado|artículo equivocado|no es lo que pedí|otro producto",
    ),
    (
        "missing_parts",
        3,
        r"\bfehlt\b|fehlen|fehlende|unvollständig|missing|incomplete|manque|manquant|manca|mancano|mancante|incomplet[oa]|falta|faltan|incompleto",
    ),
    (
        "missing_parts",
        1,
        r"schrauben|screws|vis\b|viti|tornillos|zubehör|accessor|teil\b|teile|parts?\b|pièces?|pezz[oi]|piezas?",
    ),
    (
        "how_to_use",
        3,
        r"wie (?:funktioniert|benutze|bediene|verwende|stelle ich|baue ich|schließe ich)|anleitung|bedienungsanleitung|how (?:do i|to|does it) (?:use|set up|work|install|connect|assemble)|instructions|manual\b|mode d'emploi|comment (?:utiliser|ça marche|l'installer|monter|brancher)|notice\b|istruzioni|come (?:si usa|funziona|si monta|si collega)|instrucciones|cómo (?:se usa|funciona|se monta|conecto)|manual de",
    ),
    (
        "quality_problem",
        3,
        r"funktioniert nicht|geht nicht mehr|defekt|qualität|schlechte|doesn't work|does not work|not working|stopped working|poor quality|faulty|defective|ne fonctionne (?:pas|plus)|de mauvaise qualité|défectueu|non funziona|smesso di funzionare|difettos|qualità scadente|no funciona|dejó de funcionar|defectuos|mala calidad",
    ),
    (
        "return_refund",
        3,
        r"rücksend|zurückschicken|zurückgeben|zurücksenden|retoure|erstatt|geld zurück|return\b|returning|refund|money back|retour|retourner|rembours|\breso\b|restituire|rimbors|devoluci|devolver|reembols",
    ),
    ("cancellation", 3, r"stornier|storno|abbestellen|cancel|annul|cancell|anular"),
    (
        "address_change",
        3,
        r"adresse (?:ändern|falsch|geändert|korrigieren)|falsche adresse|lieferadresse|andere adresse|change (?:the |my )?(?:delivery |shipping )?address|wrong address|address (?:is wrong|change)|changer (?:l'|mon |d')adresse|mauvaise adresse|adresse de livraison|cambiare (?:l'|il mio )?indirizzo|indirizzo sbagliato|cambiar (?:la |mi )?dirección|dirección (?:incorrecta|equivocada)",
    ),
    (
        "a_to_z",
        4,
        r"a-bis-z|a bis z|a-to-z|a to z guarantee|a-z[- ]garantie|garantie (?:de )?a à z|garanzia (?:dalla )?a alla z|garantía (?:de )?la a a la z|a-z claim",
    ),
    (
        "a_to_z",
        1,
        r"amazon (?:einschalten|kontaktieren|informieren)|contact amazon|involve amazon|contacter amazon|contattare amazon|contactar (?:con )?amazon|claim\b|reklamation bei amazon",
    ),
    ("warranty", 3, r"garantie|gewährleistung|warranty|guarantee|garanzia|garantía"),
    (
        "presale",
        3,
        r"passt (?:der|die|das)|kompatibel|ist (?:der|die|das) .{0,30}(?:geeignet|spülmaschinen|waschbar)|lieferbar|auf lager|wieder verfügbar|does (?:it|this) (?:fit|work with)|compatible|in stock|available|before (?:i )?buy|est-ce que .{0,30}(?:compatible|convient)|disponible|en stock|è compatibile|è disponibile|va bene per|es compatible|está disponible|sirve para",
    ),
    ("presale", 0.5, r"\?\s*$"),
    (
        "presale",
        1,
        r"vor dem kauf|bevor ich bestelle|before ordering|avant (?:d'acheter|de commander)|prima di acquistare|antes de comprar|maße|dimensions|taille|misure|medidas|material",
    ),
]
TOPIC_HINTS = {
    "versand": "where_is_my_order",
    "shipping": "where_is_my_order",
    "livraison": "where_is_my_order",
    "spedizione": "where_is_my_order",
    "envío": "where_is_my_order",
    "rücksendungen": "return_refund",
    "returns": "return_refund",
    "retours": "return_refund",
    "resi": "return_refund",
    "devoluciones": "return_refund",
    "produktdetails": "presale",
    "product details": "presale",
    "détails du produit": "presale",
    "dettagli prodotto": "presale",
    "detalles del producto": "presale",
}
# When two intents score alike, the more specific one wins.
SPECIFIC = (
    "a_to_z",
    "wrong_item",
    "damaged",
    "missing_parts",
    "address_change",
    "late_or_lost",
    "cancellation",
    "invoice_request",
    "how_to_use",
    "quality_problem",
    "warranty",
    "return_refund",
    "where_is_my_order",
    "presale",
    "other",
)
INTENT_TEMPLATES = {
    "invoice_request": ["invoice_request", "invoice_resent"],
    "where_is_my_order": ["where_is_my_order", "late_or_lost"],
    "late_or_lost": ["late_or_lost", "where_is_my_order"],
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
COMPILED = [(intent, weight, re.compile(pattern)) for intent, weight, pattern in RULES]


@dataclass(frozen=True)
class Classification:
    """The intent, how sure the rules are (0..1), the runners-up, the templates to offer, and why."""

    intent: str
    confidence: float
    ranked: list[str]
    templates: list[str]
    reason: str
    scores: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """`{"intent", "confidence", "templates"}` as `inbox-bot classify` prints it (plus the reason)."""
        return {
            "intent": self.intent,
            "confidence": self.confidence,
            "templates": self.templates,
            "reason": self.reason,
        }


def classify(
    text: str | None,
    *,
    topic: str | None = None,
    has_order: bool = True,
    order_status: str | None = None,
    delivered: bool = False,
) -> Classification:
    """Score every intent; the best two or three come with their templates."""
    lowered = (text or "").lower().strip()
    scores: dict[str, float] = {}
    hits: dict[str, list[str]] = {}
    for intent, weight, rx in COMPILED:
        m = rx.search(lowered)
        if m:
            scores[intent] = scores.get(intent, 0.0) + weight
            hits.setdefault(intent, []).append(m.group(0).strip())
    hint = TOPIC_HINTS.get((topic or "").strip().lower())
    if hint:
        scores[hint] = scores.get(hint, 0.0) + 1.5
        hits.setdefault(hint, []).append(f"Amazon topic “{topic}”")
    if scores.get("missing_parts") and scores["missing_parts"] < 3:
        del scores["missing_parts"]  # a part named without anything missing is no complaint
    if delivered and "where_is_my_order" in scores:
        # "Where is my parcel?" on a parcel the carrier delivered: lost, or left with a neighbour.
        scores["late_or_lost"] = scores.get("late_or_lost", 0.0) + scores.pop("where_is_my_order") + 1
        hits.setdefault("late_or_lost", []).append("the carrier reports it delivered")
    if not has_order:
        scores = {i: s for i, s in scores.items() if i in ("presale", "how_to_use", "invoice_request")}
        scores["presale"] = scores.get("presale", 0.0) + 2
        hits.setdefault("presale", []).append("no order id: a question before buying")
    ranked = sorted(scores, key=lambda i: (-scores[i], SPECIFIC.index(i)))
    if not ranked:
        ranked = ["other"]
        scores = {"other": 1.0}
    best = ranked[0]
    total = sum(scores.values())
    confidence = round(scores[best] / (total + 1.0), 2) if best != "other" else 0.0
    templates: list[str] = []
    for intent in [*ranked[:3], "other"]:
        for key in INTENT_TEMPLATES.get(intent, []):
            if key == "cancellation_before_shipping" and order_status in SHIPPED:
                continue
            if key == "cancellation_after_shipping" and order_status and order_status not in SHIPPED:
                continue
            if key not in templates:
                templates.append(key)
    reason = (
        "; ".join(f"{i}: {', '.join(hits.get(i, []))}" for i in ranked[:2] if hits.get(i)) or "no clear topic"
    )
    return Classification(
        intent=best,
        confidence=confidence,
        ranked=ranked[:3],
        templates=templates,
        reason=reason,
        scores=scores,
    )


def evaluate(rows: list[dict[str, object]]) -> dict[str, object]:
    """Accuracy and per-intent precision/recall over labelled rows `{"text", "intent", "has_order"?}`."""
    predicted = [
        classify(
            str(r["text"]),
            has_order=bool(r.get("has_order", True)),
            topic=str(r["topic"]) if r.get("topic") else None,
        ).intent
        for r in rows
    ]
    truth = [str(r["intent"]) for r in rows]
    per: dict[str, dict[str, float | int]] = {}
    for intent in INTENTS:
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p == intent)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if p == intent and t != intent)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == intent and p != intent)
        if tp + fp + fn == 0:
            continue
        per[intent] = {
            "support": tp + fn,
            "precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
            "recall": round(tp / (tp + fn), 3) if tp + fn else 0.0,
        }
    correct = sum(1 for t, p in zip(truth, predicted, strict=True) if t == p)
    mistakes = [
        {"text": r["text"], "intent": t, "predicted": p}
        for r, t, p in zip(rows, truth, predicted, strict=True)
        if t != p
    ]
    return {
        "messages": len(rows),
        "accuracy": round(correct / len(rows), 3) if rows else 0.0,
        "intents": per,
        "mistakes": mistakes,
    }
