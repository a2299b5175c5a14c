"""Which language a buyer wrote in: a small, transparent stop-word vote."""

from __future__ import annotations

import re

_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and is are was you your my i it to of for have has not with this that where when what can "
        "please hello hi thanks thank order received item would could did do does will yet still".split()
    ),
    "de": frozenset(
        "der die das und ist sind ich sie mein meine nicht mit ein eine noch wo wann bitte hallo danke "
        "bestellung rechnung habe haben wurde kann können ist es auf für zu bei vielen gruß grüße leider "
        "schon paket artikel".split()
    ),
    "fr": frozenset(
        "le la les et est sont je vous mon ma mes pas avec un une où quand merci bonjour commande facture "
        "colis ai avez reçu toujours encore pour dans du des ne cordialement".split()
    ),
    "it": frozenset(
        "il lo la gli le e è sono io voi mio mia non con un una dove quando grazie buongiorno ordine "
        "fattura pacco ho ricevuto ancora per nel della del cordiali saluti salve".split()
    ),
    "es": frozenset(
        "el la los las y es son yo usted mi mis no con un una dónde donde cuándo gracias hola pedido "
        "factura paquete he recibido todavía para en del saludos buenos días".split()
    ),
    "nl": frozenset(
        "de het en is zijn ik u mijn niet met een waar wanneer bedankt hallo bestelling factuur pakket "
        "heb ontvangen nog voor groeten".split()
    ),
    "pt": frozenset(
        "o a os as e é são eu você meu minha não com um uma onde quando obrigado olá pedido fatura "
        "pacote recebi ainda para".split()
    ),
    "pl": frozenset("i jest nie z w na że się mój moja gdzie kiedy dziękuję dzień dobry zamówienie faktura".split()),
    "sv": frozenset("och är jag du min mitt inte med en ett var när tack hej beställning faktura paket".split()),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_KANA = re.compile(r"[\u3040-\u30ff]")
_HINTS = {"de": "ßäöü", "es": "ñ¿¡", "fr": "çêèœ", "pl": "łśżźćę"}


def detect_language(text: str | None) -> str | None:
    """Return an ISO 639-1 code, or None when the text is too short or too mixed to tell."""
    if not text:
        return None
    sample = text[:4000].lower()
    if len(_KANA.findall(sample)) >= 2:
        return "ja"
    words = _WORD.findall(sample)
    if not words:
        return None
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    for lang, chars in _HINTS.items():
        scores[lang] += sum(sample.count(c) for c in chars) // 2
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top == 0 or top == second:
        return None
    if top < 2 and len(words) > 3:
        return None
    return best
