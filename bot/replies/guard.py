"""The policy guard: every text to a buyer is checked against Amazon's messaging rules before it is sent."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

log = logging.getLogger(__name__)

# Links a message may carry: carriers' tracking pages and Amazon's own pages (needed to complete the order).
ALLOWED_DOMAINS = (
    "dhl.de",
    "dhl.com",
    "dpd.de",
    "dpd.com",
    "gls-pakete.de",
    "gls-group.eu",
    "myhermes.de",
    "hermesworld.com",
    "ups.com",
    "fedex.com",
    "usps.com",
    "royalmail.com",
    "17track.net",
    "track.amazon.com",
)
AMAZON_SITE = re.compile(
    r"(?:^|\.)amazon\.(?:com|de|co\.uk|fr|it|es|nl|se|pl|com\.be|ca|com\.mx|co\.jp|com\.au|com\.br|in|sg|ae|sa|com\.tr|eg|ie)$"
)
ALLOWED_ATTACHMENT_TYPES = ("image/jpeg", "image/png", "image/gif", "text/plain", "application/pdf")

URL = re.compile(
    r"\b(?:https?://|www\.)[^\s<>\"')\]]+|\b(?:[a-z0-9-]+\.)+(?:com|de|net|org|info|shop|store|eu|io|co\.uk|fr|it|es|nl|at|ch|biz|me|ly|gl)\b(?:/[^\s<>\"')\]]*)?",
    re.I,
)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<![\w-])(?:\+|00)?\(?\d[\d ()/.\-]{6,}\d(?![\w-])")
ORDER_ID = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
DATE_LIKE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
PLACEHOLDER = re.compile(r"\[[^\]\n]{3,}\]")
EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f900-\U0001f9ff\U0001f1e6-\U0001f1ff\u2b50\u2b55\u2705\u274c\u2728\ufe0f]"
)
WORDS: dict[str, tuple[str, ...]] = {
    "review_request": (
        r"\breview\b",
        r"\bfeedback\b",
        r"\b(?:5|five|fünf|cinq|cinque|cinco)[ -]?(?:stars?|sterne?n?|étoiles?|stelle|estrellas)\b",
        r"\bbewert",
        r"\brezension",
        r"\bavis\b",
        r"\bévaluation",
        r"\brecension",
        r"\bvalutazion",
        r"\bopini[oó]n",
        r"\brese[ñn]a",
        r"\bvaloraci[oó]n",
        r"\brate us\b",
    ),
    "incentive": (
        r"\bcoupon",
        r"\bgutschein",
        r"\bvoucher",
        r"\bdiscount code",
        r"\brabattcode",
        r"\bpromo(?:tion)?\b",
        r"\bcode promo",
        r"\bbuono sconto",
        r"\bcup[oó]n",
        r"\d+ ?% (?:off|rabatt|de réduction|di sconto|de descuento)",
        r"\bfree gift",
        r"\bgratis\b",
        r"\bnewsletter",
        r"\bcashback",
    ),
    "off_amazon_contact": (
        r"\bwhats ?app\b",
        r"\btelegram\b",
        r"\bcall us\b",
        r"\brufen sie uns an\b",
        r"\bappelez[- ]nous\b",
        r"\bchiamateci\b",
        r"\bll[aá]menos\b",
        r"\bour (?:website|shop|store)\b",
        r"\bunsere[nm]? (?:website|webseite|shop|onlineshop)\b",
        r"\bfacebook\b",
        r"\binstagram\b",
    ),
    "opt_out": (
        r"\bunsubscribe\b",
        r"\bopt[ -]?out\b",
        r"\babmelden\b",
        r"\bdésinscri",
        r"\bdisiscri",
        r"\bdarse de baja\b",
    ),
}


def known_rules(names: list[str]) -> list[str]:
    """The names, if each is a rule of the guard; else a ValueError naming the unknown ones and the choice."""
    unknown = sorted(set(names) - set(MESSAGES))
    if unknown:
        raise ValueError(f"unknown guard rule(s) {unknown}; choose from {sorted(MESSAGES)}")
    return names


MESSAGES = {
    "link": "Amazon allows no links except those needed to complete the order (carrier tracking, Amazon pages).",
    "email_address": "Amazon forbids e-mail addresses in buyer messages.",
    "phone_number": "Amazon forbids phone numbers in buyer messages.",
    "review_request": "Asking for a review or feedback (or for a good one) is forbidden in buyer messages.",
    "incentive": "Coupons, discounts, gifts and marketing are forbidden in buyer messages.",
    "off_amazon_contact": "Steering the buyer to contact you outside Amazon (phone, messenger, your shop) is forbidden.",
    "opt_out": "Opt-out wording and links are not allowed: Amazon handles opt-outs.",
    "emoji": "Emojis and decorative characters are not allowed in buyer messages.",
    "attachment": "Only images, plain text and PDF attachments needed for the order are allowed.",
    "missing_order_id": "A message the buyer did not ask for must name the order id.",
    "placeholder": "A [placeholder] of the template is still in the text: write the real answer there.",
    "empty": "The message is empty.",
    "too_long": "The message is longer than Amazon accepts.",
}
MAX_CHARS = 20_000


@dataclass(frozen=True)
class Violation:
    """One broken rule: which, where, and what to do."""

    rule: str
    excerpt: str
    message: str

    def to_json(self) -> dict[str, Any]:
        """`{rule, excerpt, message}`."""
        return asdict(self)


@dataclass
class Policy:
    """The rules and their settings; every rule is on unless disabled."""

    disabled: set[str] = field(default_factory=set)
    allowed_domains: tuple[str, ...] = ALLOWED_DOMAINS
    extra_words: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, disabled: list[str], allowed_domains: list[str]) -> Policy:
        """The policy with the team's switches: rules turned off and extra link domains."""
        known_rules(disabled)
        return cls(disabled=set(disabled), allowed_domains=(*ALLOWED_DOMAINS, *allowed_domains))

    def check(
        self,
        text: str,
        *,
        order_id: str | None = None,
        proactive: bool = False,
        attachments: Iterable[tuple[str, str]] = (),
        allowed_numbers: Iterable[str] = (),
    ) -> list[Violation]:
        """Every violation in `text` (and its attachments: (filename, MIME type)); empty means it may go."""
        found: list[Violation] = []

        def add(rule: str, excerpt: str) -> None:
            if rule not in self.disabled and not any(v.rule == rule and v.excerpt == excerpt for v in found):
                found.append(Violation(rule, excerpt[:120], MESSAGES[rule]))

        if not text.strip():
            add("empty", "")
        if len(text) > MAX_CHARS:
            add("too_long", f"{len(text)} characters")
        emails = [m.group(0) for m in EMAIL.finditer(text)]
        for e in emails:
            add("email_address", e)
        without_emails = EMAIL.sub(" ", text)
        for m in URL.finditer(without_emails):
            if not self._allowed_link(m.group(0)):
                add("link", m.group(0))
        allowed = {re.sub(r"\D", "", n) for n in allowed_numbers if n}
        without_links = URL.sub(" ", without_emails)
        for m in PHONE.finditer(without_links):
            candidate = m.group(0).strip()
            digits = re.sub(r"\D", "", candidate)
            if (
                ORDER_ID.search(candidate)
                or digits in allowed
                or DATE_LIKE.match(candidate)
                or len(digits) < 7
            ):
                continue
            add("phone_number", candidate)
        lowered = text.lower()
        for rule, patterns in WORDS.items():
            for pattern in (*patterns, *self.extra_words.get(rule, ())):
                hit = re.search(pattern, lowered)
                if hit:
                    add(rule, _around(text, hit.start(), hit.end()))
                    break  # one finding per rule is enough to explain it
        for m in PLACEHOLDER.finditer(text):
            add("placeholder", m.group(0))
        for m in EMOJI.finditer(text):
            add("emoji", m.group(0))
        for name, ctype in attachments:
            if ctype.lower() not in ALLOWED_ATTACHMENT_TYPES:
                add("attachment", f"{name} ({ctype})")
        if proactive and order_id and order_id not in text:
            add("missing_order_id", order_id)
        return found

    def _allowed_link(self, url: str) -> bool:
        host = re.sub(r"^(?:https?://)?", "", url.lower()).split("/")[0].split(":")[0]
        host = host.removeprefix("www.")
        if AMAZON_SITE.search(host):
            return True
        return any(host == d or host.endswith("." + d) for d in self.allowed_domains)


def _around(text: str, start: int, end: int, pad: int = 20) -> str:
    return text[max(0, start - pad) : end + pad].strip()
