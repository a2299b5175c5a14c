"""Links and bare domains in a reply, found by the Public Suffix List, and whether Amazon allows each.

Any `label.suffix` whose suffix is a real public suffix (the list bundled with `publicsuffixlist`, no network) is a
domain, whatever its TLD (`.online`, `.xyz`, `.pl` …); anything written with a scheme or `www.` is a link even on an
unknown suffix. A link is allowed only when its host's registrable domain is exactly one of Amazon's marketplaces or
one of the allowed carrier domains; a host hidden behind userinfo (`amazon.de@evil.example`) never is, and the host
ends at the first `/ ? # \\ :` (so `evil.example?.amazon.de` is evil.example).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from publicsuffixlist import PublicSuffixList

from bot.mail.trust import MARKETPLACE_DOMAINS

log = logging.getLogger(__name__)

CANDIDATE = re.compile(
    r"(?<![\w@.\-])(?P<scheme>(?:https?|ftp)://)?(?P<authority>(?:[^\s/?#\\<>\"'()\[\]@]+@)?"
    r"(?:[\w-]+\.)+[\w-]+\.?)(?::\d+)?(?P<rest>[/?#\\][^\s<>\"')\]]*)?",
    re.UNICODE,
)
FILE_LIKE = frozenset({"zip", "mov", "pdf", "doc", "docx", "jpg", "jpeg", "png", "txt", "csv", "xlsx", "mp4"})


@lru_cache(maxsize=1)
def suffixes() -> PublicSuffixList:
    """The Public Suffix List bundled with the library (loaded once; unknown suffixes are not suffixes)."""
    return PublicSuffixList(accept_unknown=False)


@dataclass(frozen=True)
class Link:
    """A link or bare domain at text[start:end], its host, and why it is not allowed (None: allowed)."""

    start: int
    end: int
    host: str
    problem: str | None


def registrable(host: str) -> str | None:
    """The registrable domain of a host ('track.dhl.de' → 'dhl.de'), or None when its suffix is not a real one."""
    result = suffixes().privatesuffix(host.lower().rstrip("."))
    return str(result) if result else None


def links(text: str, allowed: Iterable[str]) -> Iterator[Link]:
    """Every link and bare domain in the text, each with whether Amazon allows it."""
    allowed_set = {d.lower() for d in allowed}
    for m in CANDIDATE.finditer(text):
        authority = m.group("authority")
        userinfo, _, host = authority.rpartition("@")
        host = host.lower().rstrip(".")
        explicit = bool(m.group("scheme")) or host.startswith("www.")
        domain = registrable(host)
        if not explicit and (
            domain is None or _sentence_break(text, m) or _file_name(host, m) or _not_a_domain(host, m)
        ):
            continue
        if userinfo:
            yield Link(m.start(), m.end(), host, "a link that hides its host behind a user name")
        elif domain is not None and (domain in MARKETPLACE_DOMAINS or domain in allowed_set):
            yield Link(m.start(), m.end(), host, None)
        else:
            yield Link(m.start(), m.end(), host, f"a link to {host}")


def _sentence_break(text: str, m: re.Match[str]) -> bool:
    """'ankommt.Es' or 'erledigt.De': two words and a missing space after a full stop, not a domain."""
    labels = m.group("authority").split(".")
    return len(labels) == 2 and not m.group("rest") and labels[1][:1].isupper() and labels[0][-1:].islower()


# a product's model or article code with its country variant ("KX-200.DE", "55-098.ES"), and Nordic and German
# abbreviations before "nr" ("art.nr", "org.nr"): written like a domain, read as none
PRODUCT_CODE = re.compile(r"[A-Z0-9]*[A-Z0-9]-\d[A-Z0-9-]*\.[A-Z]{2,3}")
ABBREVIATION_SUFFIXES = frozenset({"nr"})


def _not_a_domain(host: str, m: re.Match[str]) -> bool:
    """A model code in capitals with its country variant, or an abbreviation such as 'art.nr'."""
    if m.group("rest"):
        return False
    written = m.group("authority").rstrip(".")
    return bool(PRODUCT_CODE.fullmatch(written)) or host.rpartition(".")[2] in ABBREVIATION_SUFFIXES


def _file_name(host: str, m: re.Match[str]) -> bool:
    """'rechnung.zip', 'video.mov': a file name whose extension happens to be a top-level domain."""
    return not m.group("rest") and host.rpartition(".")[2] in FILE_LIKE
