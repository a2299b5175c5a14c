"""Phone numbers in a reply, recognised by `phonenumbers` in the marketplaces' regions, not by counting digits.

Order ids, tracking numbers, EAN codes, invoice and article numbers, dates, times and prices are not phone numbers:
a match counts only when the library finds a valid number of a region and it is written as people write phone
numbers (an international prefix, a trunk zero, or digits grouped by spaces, dashes, dots or brackets). An unbroken
run of digits without a leading zero (an article or parcel number) is not taken for one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency

from bot.replies.number_labels import COMPANY_ID, ID_LABEL, ID_NAMED, PHONE_WORDS, US_STATES

log = logging.getLogger(__name__)

REGIONS = {
    "de": "DE",
    "en": "GB",
    "fr": "FR",
    "it": "IT",
    "es": "ES",
    "nl": "NL",
    "pl": "PL",
    "sv": "SE",
    "ja": "JP",
    "pt": "BR",
}
ALL_REGIONS = ("DE", "GB", "US", "FR", "IT", "ES", "NL", "PL", "SE", "JP", "BR")
# read as well when the language is known: Europe and the US (Japan's and Brazil's plans read far-away ids as phones)
NEAR_REGIONS = ALL_REGIONS[:9]
DIGITS = re.compile(r"\d")
SEVEN_DIGITS = re.compile(r"(?:\d\D{0,3}){7}")


# Digits and the numbers people say in groups, in the eight marketplace languages ("null eins sieben sechs …").
NUMBER_WORDS = frozenset(
    [
        "null",
        "eins",
        "ein",
        "zwei",
        "zwo",
        "drei",
        "vier",
        "fünf",
        "sechs",
        "sieben",
        "acht",
        "neun",
        "zehn",
        "elf",
        "zwölf",
        "zwanzig",
        "dreißig",
        "vierzig",
        "fünfzig",
        "sechzig",
        "siebzig",
        "achtzig",
        "neunzig",
        "hundert",
        "zero",
        "oh",
        "o",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "double",
        "triple",
        "zéro",
        "septante",
        "huitante",
        "octante",
        "nonante",
        "un",
        "une",
        "deux",
        "trois",
        "quatre",
        "cinq",
        "sept",
        "huit",
        "neuf",
        "dix",
        "onze",
        "douze",
        "treize",
        "quatorze",
        "quinze",
        "seize",
        "dix-sept",
        "vingt",
        "trente",
        "quarante",
        "cinquante",
        "soixante",
        "cent",
        "uno",
        "due",
        "tre",
        "quattro",
        "cinque",
        "sei",
        "sette",
        "otto",
        "nove",
        "dieci",
        "undici",
        "dodici",
        "venti",
        "trenta",
        "quaranta",
        "cinquanta",
        "sessanta",
        "settanta",
        "ottanta",
        "novanta",
        "cento",
        "cero",
        "dos",
        "tres",
        "cuatro",
        "cinco",
        "seis",
        "siete",
        "ocho",
        "nueve",
        "diez",
        "once",
        "doce",
        "veinte",
        "treinta",
        "cuarenta",
        "cincuenta",
        "sesenta",
        "setenta",
        "ochenta",
        "noventa",
        "cien",
        "ciento",
        "nul",
        "een",
        "één",
        "twee",
        "drie",
        "vijf",
        "zes",
        "zeven",
        "negen",
        "tien",
        "twaalf",
        "twintig",
        "dertig",
        "veertig",
        "vijftig",
        "zestig",
        "zeventig",
        "tachtig",
        "negentig",
        "honderd",
        "jeden",
        "jedna",
        "dwa",
        "trzy",
        "cztery",
        "pięć",
        "sześć",
        "siedem",
        "osiem",
        "dziewięć",
        "dziesięć",
        "jedenaście",
        "dwanaście",
        "dwadzieścia",
        "trzydzieści",
        "czterdzieści",
        "pięćdziesiąt",
        "sześćdziesiąt",
        "siedemdziesiąt",
        "osiemdziesiąt",
        "dziewięćdziesiąt",
        "sto",
        "dwieście",
        "trzysta",
        "czterysta",
        "pięćset",
        "sześćset",
        "siedemset",
        "osiemset",
        "dziewięćset",
        "noll",
        "ett",
        "en",
        "två",
        "fyra",
        "fem",
        "sex",
        "sju",
        "åtta",
        "nio",
        "tio",
        "elva",
        "tolv",
        "tjugo",
        "trettio",
        "fyrtio",
        "femtio",
        "sextio",
        "sjuttio",
        "åttio",
        "nittio",
        "hundra",
    ]
)
AMBIGUOUS = frozenset(
    {"en", "un", "une", "o", "oh", "een", "sei", "tre", "elf", "sex", "ein", "uno", "one", "sto"}
)
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
# tens and units written as one word: vierendertig, vierunddreißig, trettiofyra, trentaquattro
_UNITS = (
    r"(?:een|twee|drie|vier|vijf|zes|zeven|acht|negen|ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun|ett|en|två|tre|"
    r"fyra|fem|sex|sju|åtta|nio|uno|una|due|tre|quattro|cinque|sei|sette|otto|nove)"
)
COMPOUND_NUMBER = re.compile(
    rf"{_UNITS}(?:en|ën|und)(?:twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig|zwanzig|dreißig|"
    r"dreissig|vierzig|fünfzig|sechzig|siebzig|achtzig|neunzig)"
    rf"|(?:tjugo|trettio|fyrtio|femtio|sextio|sjuttio|åttio|nittio|vent|trent|quarant|cinquant|sessant|settant|"
    rf"ottant|novant)a?{_UNITS}"
)


def _number_word(word: str) -> bool:
    return word in NUMBER_WORDS or bool(COMPOUND_NUMBER.fullmatch(word))


VANITY = re.compile(r"\b1[- ]?8(?:00|33|44|55|66|77|88)[- ]?[a-z0-9]{2,4}[- ]?[a-z0-9]{3,4}\b", re.I)


def spelled_numbers(text: str) -> Iterator[Phone]:
    """A phone number said in words: six or more number words in a row (also joined by hyphens, or in groups
    parted by commas or slashes), four of them unmistakable."""
    run: list[re.Match[str]] = []
    said: list[str] = []
    for m in [*WORD.finditer(text), None]:
        gap = text[run[-1].end() : m.start()] if run and m is not None else ""
        words = m.group(0).lower().split("-") if m is not None else []
        if (
            m is not None
            and words
            and all(map(_number_word, words))
            and (not run or re.fullmatch(r"[\s,;/–-]*", gap))
        ):
            run.append(m)
            said.extend(words)
            continue
        clear = sum(1 for w in said if w not in AMBIGUOUS)
        if len(said) >= 6 and clear >= 4:
            yield Phone(run[0].start(), run[-1].end(), text[run[0].start() : run[-1].end()])
        fits = m is not None and words and all(map(_number_word, words))
        run, said = ([m], list(words)) if fits and m is not None else ([], [])


@dataclass(frozen=True)
class Phone:
    """A phone number at text[start:end]."""

    start: int
    end: int
    raw: str


def phone_numbers(
    text: str, *, lang: str | None = None, allowed: frozenset[str] = frozenset()
) -> Iterator[Phone]:
    """The phone numbers written in the text (the marketplace's region first when the language is known)."""
    yield from spelled_numbers(text)
    for m in VANITY.finditer(text):
        yield Phone(m.start(), m.end(), m.group(0))
    if not SEVEN_DIGITS.search(text):
        return
    regions = (
        (REGIONS[lang], *(r for r in NEAR_REGIONS if r != REGIONS[lang])) if lang in REGIONS else NEAR_REGIONS
    )
    seen: set[tuple[int, int]] = set()
    for region in regions:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.VALID):
            span = (match.start, match.end)
            raw = match.raw_string
            if span in seen or not _written_as_phone(raw) or "".join(DIGITS.findall(raw)) in allowed:
                continue
            if re.search(r"[A-Za-z]{1,6}-$", text[max(0, match.start - 7) : match.start]):
                continue  # part of an id such as SPK-0923-4471 (a serial number), not a phone number
            named = ID_NAMED.search(before := text[max(0, match.start - 80) : match.start])
            plus = raw.strip().startswith("+")
            international = plus or raw.strip().startswith("00")
            if (not plus and ID_LABEL.search(text[max(0, match.start - 30) : match.start])) or (
                not international
                and named
                and not PHONE_WORDS.search(before[named.start() :])
                and not _mobile(match.number)
            ):
                continue  # the serial, model, batch, article or invoice number the text names as such
            state = re.search(r"\b([A-Z]{2}),?\s*$", text[: match.start])
            if re.fullmatch(r"\d{5}-\d{4}", raw.strip()) and state and state.group(1) in US_STATES:
                continue  # a US ZIP+4 after its state: Reno, NV 89502-1147
            window = text[max(0, match.start - 40) : match.start]
            if COMPANY_ID.search(window) and not PHONE_WORDS.search(window):
                continue  # a company or tax registration number (organisationsnummer, USt-IdNr., NIP, KvK …)
            seen.add(span)
            yield Phone(match.start, match.end, raw)


DATE = re.compile(
    r"\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2}|(?:0?[1-9]|1[0-2])/(?:19|20)\d\d"
)  # a day, or a month and year (best before 06/2026)
POSTCODE = re.compile(r"\d{5}-\d{3}")  # a Brazilian CEP (phone numbers there are written 4-4 or 5-4)
YEAR_ID = re.compile(r"(?:19|20)\d\d[-/]\d+")  # a case, invoice or batch number of a year: 2025-118462


def gtin(digits: str) -> bool:
    """Whether digits are an EAN-8, UPC-A, EAN-13 or GTIN-14 with a valid check digit."""
    if len(digits) not in (8, 12, 13, 14):
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _mobile(number: phonenumbers.PhoneNumber) -> bool:
    """A mobile number: a label a few words before it ("our reference is 0151 …") does not make it an id."""
    return bool(phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE)


def _written_as_phone(raw: str) -> bool:
    """An international prefix, a trunk zero, or digits grouped as phone numbers are: not a bare id, a date,
    a year's case number or a barcode."""
    stripped = raw.strip()
    if DATE.fullmatch(stripped) or YEAR_ID.fullmatch(stripped) or POSTCODE.fullmatch(stripped):
        return False
    if stripped.isdigit() and (len(stripped) >= 12 or gtin(stripped)):
        return False  # a barcode or parcel number: phone numbers people write are grouped or shorter
    if stripped.startswith(("+", "00", "(")):
        return True
    if stripped.startswith("0"):
        return True
    return bool(re.search(r"\d[\s./-]\d", stripped)) and not re.fullmatch(r"\d+", stripped)
