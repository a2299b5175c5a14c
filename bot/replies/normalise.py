"""Text as the guard reads it: what a disguise hides made plain, with every character traced to the original.

NFKC folds fullwidth and styled letters; format characters (zero-width spaces and joiners, soft hyphens) go;
letters that only look Latin (Cyrillic, Greek) are folded to the Latin ones they imitate (Unicode's confusables, as
`confusable-homoglyphs` ships them); and the common spellings of `@` and `.` in an address (`(at)`, `[dot]`,
`punkt`, ` at … dot `) become the characters. Each character of the result remembers the span of the original it
came from, so a finding is shown on the text the person wrote.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from confusable_homoglyphs import confusables

log = logging.getLogger(__name__)

# "(at)", "[at]", "{at}", " at " between address-like words; the same for dot in eight languages.
AT_WORDS = r"at|ät|chez|arroba|chiocciola|apenstaart|małpa|malpa|snabel-?a"
DOT_WORDS = r"dot|punkt|point|punto|punt|kropka|prick|pkt"
BRACKETED = re.compile(rf"\s*[\(\[\{{<]\s*({AT_WORDS}|{DOT_WORDS})\s*[\)\]\}}>]\s*", re.I)
# " at " only between a word and a host name that goes on with a dot (spelled or not) and letters
SPACED_AT = re.compile(
    rf"(?<=[\w])\s+({AT_WORDS})\s+(?=[a-z][\w-]*(?:\.|\s*[\(\[\{{<]?\s*(?:{DOT_WORDS})\b\s*[\)\]\}}>]?\s*)[a-z]{{2,}})",
    re.I,
)
# " punkt de" only where the suffix ends the phrase ("point de vue" is French, not a domain)
SPACED_DOT = re.compile(rf"(?<=[\w])\s+({DOT_WORDS})\s+(?=[a-z]{{2,24}}\b(?!\s+\w))", re.I)


@dataclass(frozen=True)
class Normalised:
    """The plain text and, for each of its characters, the (start, end) of the original it stands for."""

    text: str
    spans: tuple[tuple[int, int], ...]

    def original(self, original: str, start: int, end: int) -> str:
        """The original text behind text[start:end]."""
        if start >= end or not self.spans:
            return ""
        first, last = self.spans[start][0], self.spans[min(end, len(self.spans)) - 1][1]
        return original[first:last]


def normalise(text: str) -> Normalised:
    """NFKC, format characters removed, confusable letters folded, spelled-out `@` and `.` made characters."""
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    for i, ch in enumerate(text):
        if unicodedata.category(ch) == "Cf":  # zero-width space, joiners, soft hyphen, bidi marks
            continue
        for out in _fold(unicodedata.normalize("NFKC", ch)):
            chars.append(out)
            spans.append((i, i + 1))
    plain = Normalised("".join(chars), tuple(spans))
    for pattern in (BRACKETED, SPACED_AT, SPACED_DOT):
        plain = _replace(plain, pattern)
    return plain


def _replace(plain: Normalised, pattern: re.Pattern[str]) -> Normalised:
    """Replace each match of a spelled-out `@`/`.` by the character, keeping the spans."""
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    last = 0
    for m in pattern.finditer(plain.text):
        chars.append(plain.text[last : m.start()])
        spans.extend(plain.spans[last : m.start()])
        word = m.group(1).lower()
        chars.append("." if re.fullmatch(DOT_WORDS, word, re.I) else "@")
        spans.append((plain.spans[m.start()][0], plain.spans[m.end() - 1][1]))
        last = m.end()
    if last == 0:
        return plain
    chars.append(plain.text[last:])
    spans.extend(plain.spans[last:])
    return Normalised("".join(chars), tuple(spans))


def _fold(text: str) -> str:
    return "".join(_latin(ch) for ch in text)


@lru_cache(maxsize=4096)
def _latin(ch: str) -> str:
    """The Latin letter a non-Latin letter imitates (Cyrillic а → a), else the character itself."""
    if ch.isascii() or not ch.isalpha():
        return ch
    name = unicodedata.name(ch, "")
    if "LATIN" in name:
        return ch  # ä, é, ß, ł …: real letters of the marketplace languages
    found = confusables.is_confusable(ch, preferred_aliases=["latin"], greedy=False)
    if found:
        for homoglyph in found[0].get("homoglyphs", []):
            c = homoglyph.get("c", "")
            if isinstance(c, str) and len(c) == 1 and c.isascii() and c.isalpha():
                return str(c.lower() if ch.islower() else c)
    return ch
