"""Who really sent a mail: Amazon's own domains, matched exactly; DKIM or a trusted receiving server's verdict.

A buyer's relay alias lives under `marketplace.<one of Amazon's marketplace domains>`; Amazon's notices and copies of
the seller's replies come from those marketplace domains themselves (or from domains the seller adds). Anything else
that looks like Amazon (an Amazon-like domain, Amazon's notification header, a display name, a Reply-To under a relay
domain) is *suspicious*: shown to the team with why, never a conversation, a reply target or a clock change.
Where the mailbox can tell, the sender is also authenticated: a DKIM signature of an Amazon domain aligned with From
(dkimpy), or the `Authentication-Results` header a configured receiving server wrote (authres).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from html import unescape as html_unescape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import authres
import dkim

from bot.mail.model import MailKind, ParsedMail
from bot.mail.patterns import NO_RESPONSE_LINK

if TYPE_CHECKING:  # the settings validate guard rules, whose link check reads the marketplace list here
    from bot.settings import Settings

log = logging.getLogger(__name__)

# Amazon's marketplaces (Seller Central), as the domains their mails come from.
MARKETPLACE_DOMAINS = frozenset(
    {
        "amazon.de",
        "amazon.co.uk",
        "amazon.fr",
        "amazon.it",
        "amazon.es",
        "amazon.nl",
        "amazon.pl",
        "amazon.se",
        "amazon.com.be",
        "amazon.ie",
        "amazon.com",
        "amazon.ca",
        "amazon.com.mx",
        "amazon.com.br",
        "amazon.co.jp",
        "amazon.com.au",
        "amazon.in",
        "amazon.sg",
        "amazon.ae",
        "amazon.sa",
        "amazon.com.tr",
        "amazon.eg",
        "amazon.co.za",
    }
)
RELAY_PREFIX = "marketplace."
LOOKS_AMAZON = re.compile(r"amaz[o0]n|amzn|xn--", re.I)  # a domain that wants to be taken for Amazon's
NAME_SAYS_AMAZON = re.compile(r"\bamazon\b", re.I)
SELLER_CENTRAL_HOSTS = frozenset({"sellercentral-europe.amazon.com", "sellercentral-japan.amazon.com"})
NO_RESPONSE_PATH = re.compile(r"no-?response-?needed")

DnsFunc = Callable[..., Any]


def domain_of(address: str | None) -> str:
    """The lower-case domain of an address ('' for none)."""
    return (address or "").strip().lower().rpartition("@")[2]


def relay_marketplace(address: str | None) -> str | None:
    """The marketplace of a buyer's relay alias ('alias@marketplace.amazon.de' → 'amazon.de'), exact match only."""
    local = (address or "").strip().rpartition("@")[0]
    domain = domain_of(address)
    if not local or not domain.startswith(RELAY_PREFIX):
        return None
    site = domain.removeprefix(RELAY_PREFIX)
    return site if site in MARKETPLACE_DOMAINS else None


def amazon_sender(address: str | None, extra: Iterable[str] = ()) -> str | None:
    """The domain, if an address is one Amazon sends its notices from (a marketplace domain, or one the seller
    added), exact match only."""
    domain = domain_of(address)
    if not (address or "").strip().rpartition("@")[0]:
        return None
    return domain if domain in MARKETPLACE_DOMAINS or domain in set(extra) else None


def amazon_domain(domain: str) -> bool:
    """Whether a domain is Amazon's: a marketplace domain or a relay domain under one."""
    domain = domain.lower().rstrip(".")
    return domain in MARKETPLACE_DOMAINS or domain.removeprefix(RELAY_PREFIX) in MARKETPLACE_DOMAINS


def pretends_amazon(
    *, name: str, address: str, reply_to: Iterable[str], notification_header: bool
) -> str | None:
    """Why a mail from a sender that is not Amazon's claims to be Amazon's (None: it does not)."""
    domain = domain_of(address)
    if notification_header:
        return f"it carries Amazon's notification header, but it comes from {address or 'no sender'}, not from Amazon"
    if LOOKS_AMAZON.search(domain):
        return f"its sender domain {domain} looks like Amazon's but is none of Amazon's domains"
    for other in reply_to:
        if LOOKS_AMAZON.search(domain_of(other)):
            return (
                f"its Reply-To {other} looks like Amazon's, but the mail comes from {address or 'no sender'}"
            )
    if NAME_SAYS_AMAZON.search(name or ""):
        return f"its sender name says Amazon, but the address {address or '(none)'} is not Amazon's"
    return None


@dataclass(frozen=True)
class Verdict:
    """Whether a mail's sender was authenticated (None: nothing could tell), and how or why not."""

    authenticated: bool | None
    how: str


class Authenticator:
    """Checks that a mail claiming an Amazon domain was signed or vouched for by Amazon's domain."""

    def __init__(
        self,
        *,
        dkim_verify: bool = False,
        authserv_id: str = "",
        required: bool = False,
        dnsfunc: DnsFunc | None = None,
    ) -> None:
        self.dkim_verify = dkim_verify
        self.authserv_id = authserv_id.strip().lower()
        self.required = required
        self.dnsfunc = dnsfunc  # tests resolve the signing key locally; None: DNS

    @property
    def configured(self) -> bool:
        """Whether any method can tell."""
        return self.dkim_verify or bool(self.authserv_id)

    def check(self, raw: bytes, from_address: str) -> Verdict:
        """Authenticate the From domain of a raw mail by the configured methods (the first that can tell wins)."""
        from_domain = domain_of(from_address)
        if self.authserv_id:
            verdict = self._authentication_results(raw, from_domain)
            if verdict.authenticated is not None:
                return verdict
        if self.dkim_verify:
            return self._dkim(raw, from_domain)
        return Verdict(None, "no authentication is configured")

    def _authentication_results(self, raw: bytes, from_domain: str) -> Verdict:
        headers: Message = BytesHeaderParser().parsebytes(raw)
        for value in headers.get_all("Authentication-Results") or []:
            try:
                parsed = authres.AuthenticationResultsHeader.parse(f"Authentication-Results: {value}")
            except Exception:  # a header we cannot read vouches for nothing
                continue
            if str(parsed.authserv_id).lower() != self.authserv_id:
                continue  # written by another server (or by the sender): not trusted
            for result in parsed.results:
                props = {(p.type, p.name): str(p.value).lower() for p in result.properties}
                dmarc_pass = result.method == "dmarc" and result.result == "pass"
                if dmarc_pass and props.get(("header", "from")) == from_domain:
                    return Verdict(True, f"DMARC pass for {from_domain} reported by {self.authserv_id}")
                if result.method == "dkim" and result.result == "pass":
                    signer = props.get(("header", "d"), "")
                    if aligned(signer, from_domain) and amazon_domain(signer):
                        return Verdict(True, f"DKIM pass for {signer} reported by {self.authserv_id}")
            return Verdict(False, f"{self.authserv_id} reports no DKIM or DMARC pass for {from_domain}")
        return Verdict(None, f"no Authentication-Results from {self.authserv_id}")

    def _dkim(self, raw: bytes, from_domain: str) -> Verdict:
        try:
            checker = dkim.DKIM(raw, minkey=1024)
            count = len([name for name, _ in checker.headers if name.lower() == b"dkim-signature"])
        except Exception as e:
            return Verdict(False, f"the mail cannot be checked for DKIM ({type(e).__name__})")
        if count == 0:
            return Verdict(False, "the mail carries no DKIM signature")
        why = "no DKIM signature of an Amazon domain aligned with the sender"
        for idx in range(min(count, 5)):
            try:
                kwargs = {"dnsfunc": self.dnsfunc} if self.dnsfunc is not None else {}
                ok = checker.verify(idx=idx, **kwargs)
            except Exception as e:
                why = f"a DKIM signature could not be verified ({type(e).__name__})"
                continue
            signer = (getattr(checker, "domain", b"") or b"").decode("ascii", "replace").lower()
            if not ok:
                why = f"the DKIM signature of {signer} does not verify"
            elif not amazon_domain(signer):
                why = f"the mail is signed by {signer}, which is not Amazon"
            elif not aligned(signer, from_domain):
                why = f"the DKIM signature of {signer} does not align with the sender {from_domain}"
            else:
                return Verdict(True, f"DKIM signature of {signer} verified")
        return Verdict(False, why)


REDIRECT_PATH = re.compile(r"^/(?:nms/redirect|gp/r\.html|gp/f\.html|redirect)\b")  # Amazon's link wrappers


def no_response_target(url: str, *, unwrap: bool = True) -> str | None:
    """The link, if it is Amazon's own "no response needed" link: https on `sellercentral.<marketplace>` with
    Amazon's messaging path; a link in Amazon's redirect wrapper (on an Amazon host) is unwrapped and checked."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme != "https" or parts.username or parts.password or parts.port not in (None, 443):
        return None
    path = parts.path.lower()
    if (host.removeprefix("sellercentral.") in MARKETPLACE_DOMAINS or host in SELLER_CENTRAL_HOSTS) and not (
        unwrap and REDIRECT_PATH.search(path)
    ):
        return url.strip() if path.startswith("/messaging/") and NO_RESPONSE_PATH.search(path) else None
    if unwrap and any(host == d or host.endswith("." + d) for d in MARKETPLACE_DOMAINS):
        for _, value in parse_qsl(parts.query):
            if value.lower().startswith("https://"):
                target = no_response_target(value, unwrap=False)
                if target:
                    return target
    return None


def no_response_link(plain: str, html: str, links: list[str]) -> str | None:
    """Amazon's own "no response needed" link in the mail (checked by its host and path, unwrapped from Amazon's
    redirect); a link anyone else wrote is never taken."""
    candidates = [href.strip() for href in links if NO_RESPONSE_LINK.fullmatch(href.strip())]
    for text in (plain, html):
        candidates += [m.group(0).rstrip(".,;") for m in NO_RESPONSE_LINK.finditer(text)]
    for url in candidates:
        target = no_response_target(html_unescape(url))
        if target:
            return target
    return None


def authenticator_from(settings: Settings, *, dnsfunc: DnsFunc | None = None) -> Authenticator:
    """The authenticator the settings ask for."""
    return Authenticator(
        dkim_verify=settings.dkim_verify,
        authserv_id=settings.trusted_authserv_id,
        required=settings.authentication_required,
        dnsfunc=dnsfunc,
    )


def distrust(parsed: ParsedMail, why: str) -> None:
    """Make a mail that claimed to be Amazon's a suspicious one: no reply target, no notice, no link, no clock."""
    parsed.kind = MailKind.SUSPICIOUS
    parsed.suspicion = why
    parsed.buyer_alias = None
    parsed.notice_type = None
    parsed.no_response_link = None


def authenticate(parsed: ParsedMail, raw: bytes, authenticator: Authenticator) -> None:
    """Demote a mail from an Amazon domain that the configured methods do not authenticate (when required)."""
    if not authenticator.required or parsed.is_raw:
        return
    if parsed.kind not in (MailKind.BUYER_MESSAGE, MailKind.AMAZON_NOTICE, MailKind.CONFIRMATION):
        return
    verdict = authenticator.check(raw, parsed.sender or "")
    if verdict.authenticated is not True:
        distrust(parsed, f"it claims to come from {domain_of(parsed.sender)}, but {verdict.how}")


def aligned(signer: str, from_domain: str) -> bool:
    """Relaxed DMARC alignment: the signing domain is the From domain or a parent of it."""
    signer, from_domain = signer.lower().rstrip("."), from_domain.lower().rstrip(".")
    return bool(signer) and (from_domain == signer or from_domain.endswith("." + signer))
