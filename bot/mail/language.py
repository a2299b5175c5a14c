"""Which language a buyer wrote in: a transparent stop-word vote when it is clear, lingua's n-gram models otherwise."""

from __future__ import annotations

import re
from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "and",
            "is",
            "are",
            "was",
            "you",
            "your",
            "my",
            "i",
            "it",
            "to",
            "of",
            "for",
            "have",
            "has",
            "not",
            "with",
            "this",
            "that",
            "where",
            "when",
            "what",
            "can",
            "please",
            "hello",
            "hi",
            "thanks",
            "thank",
            "order",
            "received",
            "item",
            "would",
            "could",
            "did",
            "do",
            "does",
            "will",
            "yet",
            "still",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "sind",
            "ich",
            "sie",
            "mein",
            "meine",
            "nicht",
            "mit",
            "ein",
            "eine",
            "noch",
            "wo",
            "wann",
            "bitte",
            "hallo",
            "danke",
            "bestellung",
            "rechnung",
            "habe",
            "haben",
            "wurde",
            "kann",
            "können",
            "ist",
            "es",
            "auf",
            "für",
            "zu",
            "bei",
            "vielen",
            "gruß",
            "grüße",
            "leider",
            "schon",
            "paket",
            "artikel",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "et",
            "est",
            "sont",
            "je",
            "vous",
            "mon",
            "ma",
            "mes",
            "pas",
            "avec",
            "un",
            "une",
            "où",
            "quand",
            "merci",
            "bonjour",
            "commande",
            "facture",
            "colis",
            "ai",
            "avez",
            "reçu",
            "toujours",
            "encore",
            "pour",
            "dans",
            "du",
            "des",
            "ne",
            "cordialement",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "lo",
            "la",
            "gli",
            "le",
            "e",
            "è",
            "sono",
            "io",
            "voi",
            "mio",
            "mia",
            "non",
            "con",
            "un",
            "una",
            "dove",
            "quando",
            "grazie",
            "buongiorno",
            "ordine",
            "fattura",
            "pacco",
            "ho",
            "ricevuto",
            "ancora",
            "per",
            "nel",
            "della",
            "del",
            "cordiali",
            "saluti",
            "salve",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "y",
            "es",
            "son",
            "yo",
            "usted",
            "mi",
            "mis",
            "no",
            "con",
            "un",
            "una",
            "dónde",
            "donde",
            "cuándo",
            "gracias",
            "hola",
            "pedido",
            "factura",
            "paquete",
            "he",
            "recibido",
            "todavía",
            "para",
            "en",
            "del",
            "saludos",
            "buenos",
            "días",
        ]
    ),
    "nl": frozenset(
        [
            "de",
            "het",
            "en",
            "is",
            "zijn",
            "ik",
            "u",
            "mijn",
            "niet",
            "met",
            "een",
            "waar",
            "wanneer",
            "bedankt",
            "hallo",
            "bestelling",
            "factuur",
            "pakket",
            "heb",
            "ontvangen",
            "nog",
            "voor",
            "groeten",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "a",
            "os",
            "as",
            "e",
            "é",
            "são",
            "eu",
            "você",
            "meu",
            "minha",
            "não",
            "com",
            "um",
            "uma",
            "onde",
            "quando",
            "obrigado",
            "olá",
            "pedido",
            "fatura",
            "pacote",
            "recebi",
            "ainda",
            "para",
        ]
    ),
    "pl": frozenset(
        [
            "i",
            "jest",
            "nie",
            "z",
            "w",
            "na",
            "że",
            "się",
            "mój",
            "moja",
            "gdzie",
            "kiedy",
            "dziękuję",
            "dzień",
            "dobry",
            "zamówienie",
            "faktura",
        ]
    ),
    "sv": frozenset(
        [
            "och",
            "är",
            "jag",
            "du",
            "min",
            "mitt",
            "inte",
            "med",
            "en",
            "ett",
            "var",
            "när",
            "tack",
            "hej",
            "beställning",
            "faktura",
            "paket",
        ]
    ),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_KANA = re.compile(r"[\u3040-\u30ff]")
_HINTS = {"de": "ßäöü", "es": "ñ¿¡", "fr": "çêèœ", "pl": "łśżźćę"}


LINGUA = {
    "de": "GERMAN",
    "en": "ENGLISH",
    "fr": "FRENCH",
    "it": "ITALIAN",
    "es": "SPANISH",
    "nl": "DUTCH",
    "pl": "POLISH",
    "sv": "SWEDISH",
    "pt": "PORTUGUESE",
    "tr": "TURKISH",
    "ja": "JAPANESE",
}
CLEAR_MARGIN = 2  # stop words ahead of the runner-up by this many decide without the statistical detector
SURE = 0.5  # lingua's relative confidence it needs to decide


def _vote(sample: str) -> tuple[str, int, int, int]:
    """The stop-word vote: the best language, its score, the runner-up's, and how many words were read."""
    words = _WORD.findall(sample)
    scores = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    for lang, chars in _HINTS.items():
        scores[lang] += sum(sample.count(c) for c in chars) // 2
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    return ranked[0][0], ranked[0][1], ranked[1][1], len(words)


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    """lingua's detector for the marketplaces' languages, low-accuracy mode (about 30 MB, read once)."""
    languages = [getattr(Language, name) for name in LINGUA.values()]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def detect_language(text: str | None) -> str | None:
    """Return an ISO 639-1 code, or None when the text is too short or too mixed to tell.

    A clear stop-word vote decides (fast, and right on the short formulaic lines where n-gram statistics
    stumble); otherwise lingua's n-gram models (de en fr it es nl pl sv pt tr ja) do."""
    if not text or not text.strip():
        return None
    sample = text[:4000].lower()
    if len(_KANA.findall(sample)) >= 2:
        return "ja"
    best, top, second, words = _vote(sample)
    if top - second >= CLEAR_MARGIN or (words <= 3 and top >= 1 and second == 0):
        return best
    if words >= 2 or not top:
        values = _detector().compute_language_confidence_values(sample)
        if values and values[0].value >= SURE:
            return {name: code for code, name in LINGUA.items()}.get(values[0].language.name)
    return best if top > second and (top >= 2 or words <= 3) else None
