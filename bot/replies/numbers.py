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

log = logging.getLogger(__name__)

REGIONS = {"de": "DE", "en": "GB", "fr": "FR", "it": "IT", "es": "ES", "nl": "NL", "pl": "PL", "sv": "SE"}
ALL_REGIONS = ("DE", "GB", "US", "FR", "IT", "ES", "NL", "PL", "SE")
DIGITS = re.compile(r"\d")
SEVEN_DIGITS = re.compile(r"(?:\d\D{0,3}){7}")


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
    if not SEVEN_DIGITS.search(text):
        return
    regions = (REGIONS[lang], "GB", "US") if lang in REGIONS else ALL_REGIONS
    seen: set[tuple[int, int]] = set()
    for region in regions:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=Leniency.VALID):
            span = (match.start, match.end)
            raw = match.raw_string
            if span in seen or not _written_as_phone(raw) or "".join(DIGITS.findall(raw)) in allowed:
                continue
            seen.add(span)
            yield Phone(match.start, match.end, raw)


DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2}")
YEAR_ID = re.compile(r"(?:19|20)\d\d[-/]\d+")  # a case, invoice or batch number of a year: 2025-118462


def gtin(digits: str) -> bool:
    """Whether digits are an EAN-8, UPC-A, EAN-13 or GTIN-14 with a valid check digit."""
    if len(digits) not in (8, 12, 13, 14):
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _written_as_phone(raw: str) -> bool:
    """An international prefix, a trunk zero, or digits grouped as phone numbers are: not a bare id, a date,
    a year's case number or a barcode."""
    stripped = raw.strip()
    if DATE.fullmatch(stripped) or YEAR_ID.fullmatch(stripped):
        return False
    if stripped.isdigit() and (len(stripped) >= 12 or gtin(stripped)):
        return False  # a barcode or parcel number: phone numbers people write are grouped or shorter
    if stripped.startswith(("+", "00", "(")):
        return True
    if stripped.startswith("0"):
        return True
    return bool(re.search(r"\d[\s./-]\d", stripped)) and not re.fullmatch(r"\d+", stripped)
