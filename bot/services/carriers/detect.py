"""Which carrier a package is with: Amazon's carrier field first, then the number's shape; and its public link."""

from __future__ import annotations

import re
from urllib.parse import quote

# Amazon's free-text carrier field → our short name (first match wins; matched on lower-case text).
CARRIER_NAMES: list[tuple[str, re.Pattern[str]]] = [
    ("amazon", re.compile(r"amazon|amzl|amzn|\bswiship\b")),
    ("dhl", re.compile(r"\bdhl\b|deutsche post")),
    ("dpd", re.compile(r"\bdpd\b")),
    ("gls", re.compile(r"\bgls\b")),
    ("hermes", re.compile(r"hermes|\bevri\b")),
    ("ups", re.compile(r"\bups\b|united parcel")),
    ("fedex", re.compile(r"fed\s?ex|federal express")),
    ("usps", re.compile(r"\busps\b|united states postal|us postal")),
    ("royalmail", re.compile(r"royal\s?mail")),
    ("postnl", re.compile(r"post\s?nl")),
    ("colissimo", re.compile(r"colissimo|la poste")),
]

LINKS = {
    "dhl": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={n}",
    "dpd": "https://tracking.dpd.de/status/de_DE/parcel/{n}",
    "gls": "https://www.gls-pakete.de/sendungsverfolgung?match={n}",
    "hermes": "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation#{n}",
    "ups": "https://www.ups.com/track?tracknum={n}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={n}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={n}",
    "amazon": "https://track.amazon.com/tracking/{n}",
    "royalmail": "https://www.royalmail.com/track-your-item#/tracking-results/{n}",
}
UNIVERSAL_LINK = "https://t.17track.net/en#nums={n}"

# Number shapes (after removing spaces and dashes, upper-cased). Several carriers share a shape (12 digits:
# DHL Paket, FedEx Express, GLS; 14 digits: DPD, Hermes), so the marketplace's country breaks the tie.
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("ups", re.compile(r"1Z[0-9A-Z]{16}")),
    ("amazon", re.compile(r"TB[ACM]\d{12}")),
    ("dhl", re.compile(r"JJD\d{16,20}|JVGL\d{8,16}|00340434\d{12}|3S[A-Z]{4}\d{7,10}")),
    ("hermes", re.compile(r"H\d{19,20}")),
    ("usps", re.compile(r"(?:9[1-5]\d{18,20})|(?:82\d{8})")),
    ("fedex", re.compile(r"96\d{20}|\d{15}|\d{20}")),
    ("dpd", re.compile(r"0\d{13}|\d{14}[A-Z]?|\d{27,28}")),
    ("gls", re.compile(r"\d{11}|Z[0-9A-Z]{7}")),
    ("dhl", re.compile(r"\d{12}|\d{20}|[A-Z]{2}\d{9}DE")),
    ("fedex", re.compile(r"\d{12}|\d{34}")),
    ("hermes", re.compile(r"\d{14}|\d{16}")),
    ("usps", re.compile(r"[A-Z]{2}\d{9}US")),
]
# Which carriers a tie goes to, by the country of the marketplace.
COUNTRY_PREFERENCE = {
    "de": ["dhl", "dpd", "hermes", "gls", "ups", "amazon"],
    "us": ["usps", "ups", "fedex", "amazon"],
    "gb": ["royalmail", "dpd", "ups", "dhl", "amazon"],
}
S10 = re.compile(r"[A-Z]{2}(\d{8})(\d)([A-Z]{2})")


def normalise_number(number: str) -> str:
    """A tracking number without spaces or dashes, upper-cased."""
    return re.sub(r"[\s-]", "", number).upper()


def carrier_from_name(name: str | None) -> str | None:
    """Our short carrier name for Amazon's carrier field ('Deutsche Post DHL' → 'dhl'), or None."""
    if not name:
        return None
    text = name.lower()
    return next((short for short, rx in CARRIER_NAMES if rx.search(text)), None)


def _s10_check(number: str) -> bool:
    """UPU S10 check digit (weights 8 6 4 2 3 5 9 7, mod 11)."""
    m = S10.fullmatch(number)
    if not m:
        return False
    total = sum(int(d) * w for d, w in zip(m.group(1), (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    check = 0 if check == 10 else 5 if check == 11 else check
    return check == int(m.group(2))


def detect_carriers(number: str, *, country: str | None = None) -> list[str]:
    """Carriers whose number shape fits, most likely first (the marketplace country breaks ties)."""
    n = normalise_number(number)
    if n.startswith("1Z") and len(n) == 18:
        return ["ups"]
    s10 = S10.fullmatch(n)
    if s10 and _s10_check(n):
        origin = s10.group(3)
        return {"DE": ["dhl"], "US": ["usps"], "GB": ["royalmail"]}.get(origin, ["postal"])
    found: list[str] = []
    for carrier, rx in PATTERNS:
        if rx.fullmatch(n) and carrier not in found:
            found.append(carrier)
    prefer = COUNTRY_PREFERENCE.get((country or "").lower(), [])
    return sorted(found, key=lambda c: prefer.index(c) if c in prefer else len(prefer))


def detect_carrier(number: str, *, name: str | None = None, country: str | None = None) -> str | None:
    """The carrier: Amazon's carrier field if it names one, else the most likely by the number's shape."""
    return carrier_from_name(name) or next(iter(detect_carriers(number, country=country)), None)


def tracking_link(carrier: str | None, number: str) -> str:
    """The carrier's public tracking page for the number (a universal tracker if the carrier is unknown)."""
    template = LINKS.get(carrier or "", UNIVERSAL_LINK)
    return template.format(n=quote(normalise_number(number), safe=""))


def marketplace_country(site: str | None) -> str | None:
    """'amazon.co.uk' → 'gb', 'amazon.de' → 'de', 'amazon.com' → 'us'."""
    if not site:
        return None
    tld = site.rsplit(".", 1)[-1]
    return {"uk": "gb", "com": "us"}.get(tld, tld)
