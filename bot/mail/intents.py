"""What a buyer wants: a text model trained on the shipped corpus, and the facts it cannot see.

The model (`bot/mail/intent_model.py`, built by `bot/mail/intent_train.py`, measured in docs/intents.md) gives each
intent a probability from the buyer's words. Facts the words do not carry then adjust it: Amazon's topic from the
subject, no order id (a question before buying), and a parcel the carrier reports delivered ("where is it?" then
means lost). When the best two are close, or the best is weak, the classification says so and offers both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.mail.intent_model import MAX_CHARS, LinearModel, own_words, shipped_model
from bot.mail.intent_rules import COMPILED
from bot.mail.situations import bring_forward, situations

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
LABELS = {
    "invoice_request": "invoice request",
    "where_is_my_order": "where is my order",
    "late_or_lost": "late or lost parcel",
    "damaged": "damaged",
    "wrong_item": "wrong item",
    "missing_parts": "missing parts",
    "how_to_use": "how to use",
    "quality_problem": "quality problem",
    "return_refund": "return or refund",
    "cancellation": "cancellation",
    "address_change": "address change",
    "a_to_z": "A-to-z claim",
    "warranty": "warranty",
    "presale": "question before buying",
    "other": "other",
}
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
INTENT_TEMPLATES = {
    "invoice_request": ["invoice_request", "invoice_resent"],
    "where_is_my_order": ["where_is_my_order", "late_or_lost"],
    "late_or_lost": ["late_or_lost", "where_is_my_order", "returned_to_sender"],
    "damaged": ["damaged", "return_refund"],
    "wrong_item": ["wrong_item", "return_refund"],
    "missing_parts": ["missing_parts", "missing_main_item"],
    "return_refund": ["return_refund"],
    "cancellation": ["cancellation_before_shipping", "cancellation_after_shipping"],
    "address_change": ["address_change"],
    "how_to_use": ["how_to_use"],
    "warranty": ["warranty", "quality_problem"],
    "quality_problem": ["quality_problem", "return_refund"],
    "a_to_z": ["a_to_z_response", "a_to_z_resolved"],
    "presale": ["presale_question"],
    "other": ["acknowledgement"],
}
SHIPPED = {"SHIPPED", "PARTIALLY_SHIPPED", "PARTIALLYSHIPPED"}  # upper-cased: Orders v2026 and v0 spellings
WITHOUT_ORDER = ("presale", "how_to_use", "invoice_request", "warranty", "other")
CAUSES = ("damaged", "wrong_item", "missing_parts", "quality_problem")  # what went wrong, before "refund me"
UNSURE_BELOW = 0.5  # the best intent's probability under which the card says it is unsure
CLOSE_WITHIN = 0.15  # … or when the runner-up is this close


@dataclass(frozen=True)
class Classification:
    """The intent, its probability, the runners-up, whether it is unsure, the templates to offer, and why."""

    intent: str
    confidence: float
    ranked: list[str]
    templates: list[str]
    reason: str
    scores: dict[str, float] = field(default_factory=dict)
    unsure: bool = False

    @property
    def could_be(self) -> list[str]:
        """When unsure: the best intent and the runner-up, for "could be: … or …"."""
        return self.ranked[:2] if self.unsure else [self.intent]

    def to_json(self) -> dict[str, object]:
        """`{"intent", "confidence", "templates"}` as `inbox-bot classify` prints it (plus why, and doubts)."""
        out: dict[str, object] = {
            "intent": self.intent,
            "confidence": self.confidence,
            "templates": self.templates,
            "reason": self.reason,
        }
        if self.unsure:
            out["could_be"] = self.could_be
        return out


def _scale(probs: dict[str, float], intent: str, factor: float) -> None:
    probs[intent] = probs.get(intent, 0.0) * factor
    total = sum(probs.values()) or 1.0
    for key in probs:
        probs[key] /= total


def keyword_for(text: str, intent: str) -> str | None:
    """The whole words a strong keyword rule of `intent` (weight 2 or more) finds in the part of the buyer's new
    words the model reads, if any: the clearest evidence."""
    lowered = own_words(text).lower()[:MAX_CHARS]
    for rule_intent, weight, rx in COMPILED:
        m = rx.search(lowered) if rule_intent == intent and weight >= 2 else None
        if m and m.group(0).strip():
            start, end = m.start(), m.end()
            while start > 0 and lowered[start - 1].isalpha():
                start -= 1
            while end < len(lowered) and lowered[end].isalpha():
                end += 1
            return lowered[start:end].strip()
    return None


def is_shipped(status: str | None) -> bool:
    """Whether an order status means the parcel left: 'SHIPPED' (Orders v2026) or 'Shipped', 'PartiallyShipped' (v0)."""
    return (status or "").upper() in SHIPPED


def _templates(intent: str, order_status: str | None) -> list[str]:
    keys = INTENT_TEMPLATES.get(intent, [])
    if is_shipped(order_status):
        return [k for k in keys if k != "cancellation_before_shipping"]
    if order_status:
        return [k for k in keys if k != "cancellation_after_shipping"]
    return list(keys)


def classify(
    text: str | None,
    *,
    topic: str | None = None,
    has_order: bool | None = True,
    order_status: str | None = None,
    delivered: bool = False,
    lang: str | None = None,
    model: LinearModel | None = None,
    explain: bool = True,
) -> Classification:
    """The intents by probability (model, then the facts); the best two or three come with their templates.

    `has_order=None` means unknown (the command line without --order/--no-order). A `lang` the model has no
    training messages in makes the result unsure, whatever the probabilities say."""
    words = (text or "").strip()
    if not words:
        return Classification("other", 0.0, ["other"], ["acknowledgement"], "no text", {"other": 1.0})
    model = model or shipped_model()
    vector = model.vector(words)
    probs = model.distribution(vector)
    notes: dict[str, str] = {}
    hint = TOPIC_HINTS.get((topic or "").strip().lower())
    if hint:
        _scale(probs, hint, 2.0)
        notes[hint] = f"Amazon topic “{topic}”"
    removed = 0.0
    if has_order is False:
        removed = sum(p for i, p in probs.items() if i not in WITHOUT_ORDER)
        for intent in probs:
            if intent not in WITHOUT_ORDER:
                probs[intent] = 0.0
        _scale(probs, "presale", 3.0)
        notes["presale"] = "no order id: a question before buying"
    elif has_order:
        _scale(probs, "presale", 0.5)  # an order exists: rarely a question before buying
    if delivered and probs.get("where_is_my_order", 0.0) > 0:
        # "Where is my parcel?" on a parcel the carrier delivered: lost, or left with a neighbour.
        probs["late_or_lost"] = probs.get("late_or_lost", 0.0) + probs.pop("where_is_my_order")
        probs["where_is_my_order"] = 0.0
        notes["late_or_lost"] = "the carrier reports it delivered"
    ranked = sorted(probs, key=lambda i: -probs[i])
    if ranked[0] == "return_refund" and ranked[1] in CAUSES and probs[ranked[1]] >= probs[ranked[0]] / 2:
        # "it arrived broken, I want my money back": the cause decides how to answer (and the refund matrix's reason)
        ranked[0], ranked[1] = ranked[1], ranked[0]
        notes[ranked[0]] = "the cause comes before the remedy asked for"
    best, second = ranked[0], ranked[1]
    learnt = model.meta.get("languages")
    unknown_language = bool(lang and isinstance(learnt, list) and learnt and lang not in learnt)
    unsure = (
        unknown_language
        or removed
        > UNSURE_BELOW  # mostly about an order, but none is known: the words and the facts disagree
        or probs[best] < UNSURE_BELOW
        or abs(probs[best] - probs[second]) < CLOSE_WITHIN
    )
    lists = [_templates(intent, order_status) for intent in [*ranked[:3], "other"]]
    if unsure:  # the first template of each of the two candidates leads
        lists = [lists[0][:1], lists[1][:1], *lists]
    templates = list(dict.fromkeys(key for keys in lists for key in keys))
    found = situations(own_words(words)[:MAX_CHARS]) if explain else []
    templates = bring_forward(templates, best, found)
    reason = ""
    if explain:  # the words that decided it, for the card (intake and the report need only the intent)
        parts = []
        for intent in ranked[:2] if unsure else ranked[:1]:
            said = [keyword_for(words, intent)] + (
                model.evidence(words, intent, vector=vector) if intent in model.classes else []
            )
            why = [f"“{w}”" for w in dict.fromkeys(w for w in said if w)][:3]
            if intent in notes:
                why.append(notes[intent])
            because = f" because of {', '.join(why)}" if why else ""
            parts.append(f"{LABELS[intent]} ({round(probs[intent] * 100)} %){because}")
        reason = ("could be " if unsure else "") + " or ".join(parts)
        if unknown_language:
            reason = f"a language the model has not learnt ({lang}): {reason}"
        if found:
            reason += "; " + ", ".join(f"{situation.label} (“{said}”)" for situation, said in found)

    return Classification(
        intent=best,
        confidence=round(probs[best], 2),
        ranked=ranked[:3],
        templates=templates,
        reason=reason,
        scores={i: round(p, 4) for i, p in probs.items()},
        unsure=unsure,
    )
