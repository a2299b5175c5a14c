"""The keyword rules that classified buyer messages before the text model: now features of it, and its baseline.

Which intents these rules find is one of the model's inputs (`intent_model.features`); on their own they are the
baseline `bot/mail/intent_train.py --compare` measures the trained models against (docs/intents.md).
"""

from __future__ import annotations

import re

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
COMPILED = [(intent, weight, re.compile(pattern)) for intent, weight, pattern in RULES]


def rule_intent(text: str, *, has_order: bool = True) -> str:
    """The intent the weighted rules give (highest score; the more specific wins a tie; `other` if none)."""
    lowered = text.lower().strip()
    scores: dict[str, float] = {}
    for intent, weight, rx in COMPILED:
        if rx.search(lowered):
            scores[intent] = scores.get(intent, 0.0) + weight
    if scores.get("missing_parts") and scores["missing_parts"] < 3:
        del scores["missing_parts"]
    if not has_order:
        scores = {i: s for i, s in scores.items() if i in ("presale", "how_to_use", "invoice_request")}
        scores["presale"] = scores.get("presale", 0.0) + 2
    ranked = sorted(scores, key=lambda i: (-scores[i], SPECIFIC.index(i)))
    return ranked[0] if ranked else "other"
