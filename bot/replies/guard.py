"""The policy guard: every text to a buyer is checked against Amazon's messaging rules before it is sent."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import regex

from bot.replies.domains import links
from bot.replies.guard_model import GuardModel, shipped_guard_model
from bot.replies.normalise import normalise
from bot.replies.numbers import phone_numbers
from bot.replies.wording import findings
from bot.replies.wording_more import MORE_WORDS

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
    # the national posts and parcel services of the marketplaces (their tracking pages)
    "laposte.fr",
    "colissimo.fr",
    "chronopost.fr",
    "poste.it",
    "brt.it",
    "correos.es",
    "seur.com",
    "postnl.nl",
    "dhlparcel.nl",
    "bpost.be",
    "inpost.pl",
    "pocztapolska24.pl",
    "poczta-polska.pl",
    "postnord.se",
    "postnord.com",
    "bring.se",
    "parcelforce.com",
    "evri.com",
    "budbee.com",
    "instabox.io",
    "dbschenker.com",
    "mondialrelay.fr",
    "gls-italy.com",
    "gls-spain.es",
    "gls-info.nl",
    "dpd.co.uk",
    "dpd.fr",
    "dpd.nl",
    "dpd.pl",
    "sda.it",
    "nacex.es",
    "mrw.es",
    "postnord.dk",
    "canadapost-postescanada.ca",
    "auspost.com.au",
    "japanpost.jp",
    "kuronekoyamato.co.jp",
    "sagawa-exp.co.jp",
    "seino.co.jp",
    "correios.com.br",
    "jadlog.com.br",
    "loggi.com",
    "gls-group.com",
    "correosexpress.com",
    "dpd.com.pl",
    "amazon.be",  # Amazon's own (it forwards to amazon.com.be)
)
ALLOWED_ATTACHMENT_TYPES = ("image/jpeg", "image/png", "image/gif", "text/plain", "application/pdf")

WORDS = re.compile(r"[^\W\d_]{2,}")
MODEL_MIN_WORDS = 12  # a shorter reply gives the model too little to judge; the rules still read it
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PLACEHOLDER = re.compile(r"\[[^\]\n]{3,}\]")
EMOJI = regex.compile(r"\p{Extended_Pictographic}|[\U0001f1e6-\U0001f1ff]|[0-9#*]\ufe0f?\u20e3|\ufe0f")


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
    "marketing": "Marketing (new products, sales, newsletters, your brand store) is not allowed in buyer messages.",
    "emoji": "Emojis and decorative characters are not allowed in buyer messages.",
    "suspicious_wording": (
        "This sentence reads like what Amazon forbids (a review request, an incentive, contact outside Amazon or "
        "marketing), judged by a model trained on such replies."
    ),
    "attachment": "Only images, plain text and PDF attachments needed for the order are allowed.",
    "missing_order_id": "A message the buyer did not ask for must name the order id.",
    "placeholder": "A [placeholder] of the template is still in the text: write the real answer there.",
    "empty": "The message is empty.",
    "too_long": "The message is longer than Amazon accepts.",
}
MAX_CHARS = 20_000
# What only warns (a responder may send after confirming, audited): tone and decoration. Everything else blocks.
WARN_ONLY = frozenset({"marketing", "emoji", "suspicious_wording"})
# what the rules say about the words; when none of them speaks, the model gives its opinion
CONTENT_RULES = frozenset(
    {
        "link",
        "email_address",
        "phone_number",
        "review_request",
        "incentive",
        "off_amazon_contact",
        "opt_out",
        "marketing",
    }
)
SUGGESTIONS = {
    "link": 'remove the link and name the page instead ("in your Amazon orders", "on the carrier\'s tracking page")',
    "email_address": "remove the address: the buyer answers through Amazon's messages",
    "phone_number": "remove the number: offer to help here, in Amazon's messages",
    "review_request": "leave out any mention of reviews, ratings or feedback",
    "incentive": "leave out discounts, gifts and vouchers; offer only what solves the buyer's problem",
    "off_amazon_contact": "keep the conversation in Amazon's messages: no calls, messengers, other shops or websites",
    "opt_out": "remove the opt-out line: Amazon handles opt-outs",
    "marketing": "keep to the buyer's question: no new products, sales or newsletters",
    "emoji": "write it in words instead",
    "suspicious_wording": (
        "if it asks for a review or rating, offers something, or points away from Amazon, rewrite it; "
        "if not, tick Send it anyway"
    ),
    "attachment": "attach only an image, a PDF or a text file the buyer needs",
    "missing_order_id": "name the order id in the text",
    "placeholder": "replace the [placeholder] with the real answer",
    "empty": "write the reply",
    "too_long": "shorten the reply",
}


@dataclass(frozen=True)
class Violation:
    """One broken rule: which, where, and what to do."""

    rule: str
    excerpt: str
    message: str

    @property
    def severity(self) -> str:
        """'block' (never sent) or 'warn' (sent only when a person confirms it)."""
        return "warn" if self.rule in WARN_ONLY else "block"

    @property
    def suggestion(self) -> str:
        """How to write it instead."""
        return SUGGESTIONS.get(self.rule, "")

    def explain(self) -> str:
        """One line for the person: what, where, and what to write instead."""
        where = f" ({self.excerpt!r})" if self.excerpt else ""
        return (
            f"• {self.message}{where}: {self.suggestion}." if self.suggestion else f"• {self.message}{where}"
        )

    def to_json(self) -> dict[str, Any]:
        """`{rule, excerpt, message, severity, suggestion}`."""
        return {**asdict(self), "severity": self.severity, "suggestion": self.suggestion}


@dataclass
class Policy:
    """The rules and their settings; every rule is on unless disabled."""

    disabled: set[str] = field(default_factory=set)
    allowed_domains: tuple[str, ...] = ALLOWED_DOMAINS
    extra_words: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(MORE_WORDS))
    model: GuardModel | None = (
        None  # the second opinion (INBOX_BOT_GUARD_MODEL, on by default in the settings): it warns
    )
    on_block: Callable[[str], None] | None = None  # told the rule of each refusal (the metrics)

    @classmethod
    def from_settings(
        cls,
        disabled: list[str],
        allowed_domains: list[str],
        *,
        model: bool = False,
        on_block: Callable[[str], None] | None = None,
    ) -> Policy:
        """The policy with the team's switches: rules turned off, extra link domains, the model's warnings on."""
        known_rules(disabled)
        return cls(
            disabled=set(disabled),
            allowed_domains=(*ALLOWED_DOMAINS, *allowed_domains),
            model=shipped_guard_model() if model else None,
            on_block=on_block,
        )

    def check(
        self,
        text: str,
        *,
        order_id: str | None = None,
        proactive: bool = False,
        attachments: Iterable[tuple[str, str]] = (),
        allowed_numbers: Iterable[str] = (),
        lang: str | None = None,
    ) -> list[Violation]:
        """Every violation in `text` (and its attachments: (filename, MIME type)); empty means it may go."""
        found: list[Violation] = []
        fired: set[str] = set()  # every rule that matched, also those the team switched off

        def add(rule: str, excerpt: str) -> None:
            fired.add(rule)
            if rule not in self.disabled and not any(v.rule == rule and v.excerpt == excerpt for v in found):
                found.append(Violation(rule, excerpt[:120], MESSAGES[rule]))

        if not text.strip():
            add("empty", "")
        if len(text) > MAX_CHARS:
            add("too_long", f"{len(text)} characters")
            if found:  # refused as it is: the other rules are not read over a text Amazon refuses anyway
                if self.on_block is not None:
                    self.on_block("too_long")
                return found
        plain = normalise(text)  # disguises undone; findings shown on the original text
        spelled_places = []
        for m in EMAIL.finditer(plain.text):
            original = plain.original(text, m.start(), m.end())
            host = m.group(0).rsplit("@", 1)[-1]
            if "@" not in original and not [x for x in links(host, self.allowed_domains) if x.problem]:
                spelled_places.append(m)  # "in stock at amazon.co.uk": a place, not an address
                continue
            add("email_address", original)
        without_emails = EMAIL.sub(
            lambda m: m.group(0) if m in spelled_places else " " * len(m.group(0)), plain.text
        )
        for link in links(without_emails, self.allowed_domains):
            if link.problem:
                add("link", plain.original(text, link.start, link.end))
        allowed = frozenset(re.sub(r"\D", "", n) for n in allowed_numbers if n)
        for phone in phone_numbers(without_emails, lang=lang, allowed=allowed):
            add("phone_number", plain.original(text, phone.start, phone.end))
        for rule, start, end in findings(plain.text, self.extra_words):
            add(rule, _around(plain.text, start, end))
        if (
            self.model is not None
            and "suspicious_wording" not in self.disabled
            and not fired & CONTENT_RULES
            and len(WORDS.findall(plain.text)) >= MODEL_MIN_WORDS
        ):
            suspicion = self.model.suspicion(plain.text)
            if suspicion is not None:
                add("suspicious_wording", plain.original(text, suspicion.start, suspicion.end))
        for m in PLACEHOLDER.finditer(text):
            add("placeholder", m.group(0))
        for pictograph in EMOJI.finditer(text):
            add("emoji", pictograph.group(0))
        for name, ctype in attachments:
            if ctype.lower() not in ALLOWED_ATTACHMENT_TYPES:
                add("attachment", f"{name} ({ctype})")
        if proactive and order_id and order_id not in text:
            add("missing_order_id", order_id)
        if self.on_block is not None:
            for v in found:
                if v.severity == "block":
                    self.on_block(v.rule)
        return found


def _around(text: str, start: int, end: int, pad: int = 20) -> str:
    return text[max(0, start - pad) : end + pad].strip()
