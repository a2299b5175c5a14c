"""Text as the guard reads it: what a disguise hides made plain, with every character traced to the original.

NFKC folds fullwidth and styled letters; format characters (zero-width spaces and joiners, soft hyphens) go;
letters that only look Latin (Cyrillic, Greek) are folded to the Latin ones they imitate (Unicode's confusables, as
`confusable-homoglyphs` ships them); and the common spellings of `@` and `.` in an address (`(at)`, `[dot]`,
`punkt`, ` at … dot `) become the characters. Each character of the result remembers the span of the original it
came from, so a finding is shown on the text the person wrote.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import regex
from confusable_homoglyphs import confusables

log = logging.getLogger(__name__)

# "(at)", "[at]", "[@]", " at " between address-like words; the same for dot and slash in eight languages.
AT_WORDS = r"at|ät|chez|arobase|arroba|chiocciola|apenstaartje|apenstaart|małpa|malpa|snabel-?a|@"
DOT_WORDS = r"dot|punkt|point|punto|punt|kropka|prick|pkt|\."
SLASH_WORDS = r"forward slash|slash|barre oblique|barra|schrägstrich|ukośnik|snedstreck"
BRACKETED = regex.compile(rf"\s*[\(\[\{{<]\s*(?:{AT_WORDS}|{DOT_WORDS})\s*[\)\]\}}>]\s*", regex.I)
# " at " only between a word and a host name that goes on with a dot (spelled or not) and letters
SPACED_AT = regex.compile(
    rf"(?<=\w),?\s+(?:{AT_WORDS}),?\s+(?=[a-z][\w-]*(?:\.|,?\s+(?:{DOT_WORDS}),?\s+)[a-z]{{2,}})", regex.I
)
# "name en gmail punto com": a preposition before a well-known mail provider is its "@"
MAIL_PROVIDERS = (
    r"gmail|googlemail|hotmail|outlook|live|yahoo|gmx|web|icloud|wp|onet|o2|interia|libero|virgilio|alice|tiscali|"
    r"orange|free|wanadoo|sfr|laposte|t-online|freenet|posteo|proton|protonmail|aol|telia|ziggo|kpn|telenet|skynet|"
    r"bluewin|hetnet|planet|seznam|mailbox"
)
PROVIDER_AT = regex.compile(
    rf"(?<=\w)\s+(?:en|bei|op|w|på|presso|przy|chez|su|sur|auf|on|in|no)\s+(?=(?:{MAIL_PROVIDERS})"
    rf"(?:\.|,?\s+(?:{DOT_WORDS}),?\s+)[a-z]{{2,}})",
    regex.I,
)
# inside an address (after "name@host") any spelled dot is a dot
ADDRESS_DOT = regex.compile(
    rf"(?<=@[\w-]+(?:\.[\w-]+)*),?\s+(?:{DOT_WORDS}),?\s+(?=[a-z]{{2,24}}\b)", regex.I
)
# " punkt de" only where the suffix ends the phrase or a path follows ("point de vue" is French, not a domain)
SPACED_DOT = regex.compile(
    rf"(?<=\w)\s+(?:{DOT_WORDS})\s+(?=[a-z]{{2,24}}\b(?!\s+\w)|[a-z]{{2,24}}\s+(?:{SLASH_WORDS}|{DOT_WORDS})\s+\w)",
    regex.I,
)
SPACED_SLASH = regex.compile(rf"(?<=\.[a-z]{{2,24}})\s+(?:{SLASH_WORDS})\s+(?=\w)", regex.I)
# O for 0 and I or l for 1 among digits (a phone number written to slip past a checker)
LETTER_DIGIT = regex.compile(
    r"(?<=\d[\s./·‐–—-]{0,3})[OoIl](?=[\s./·‐–—-]{0,3}[\dOoIl])|(?<=\d[\s./·‐–—-]{0,3}\d)[Il](?=[\s)]*[.,;!?]?(?:\s|$))"
    r"|(?<=(?:^|[\s(:+])\s?)[Oo](?=\d)|(?<=\()[Oo](?=\))"
)
# a phone number in kanji digits (〇三―四四七一―二二八五): three or more groups; read as the digits they are
KANJI_RUN = regex.compile(r"[〇一二三四五六七八九]{1,5}(?:[―‐−ー・\-\s][〇一二三四五六七八九]{1,5}){2,}")
KANJI_DIGITS = str.maketrans("〇一二三四五六七八九―‐−ー・", "0123456789-----")
# "r e v i e w": four or more single letters spaced out
SPACED_LETTERS = regex.compile(r"(?<![\w])(?:\p{L} ){3,}\p{L}(?![\w])")


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
    if KANJI_RUN.search(plain.text):  # one character for one: the spans stay as they are
        text = KANJI_RUN.sub(lambda m: m.group(0).translate(KANJI_DIGITS), plain.text)
        plain = Normalised(text, plain.spans)
    for pattern, char in (
        (BRACKETED, None),
        (SPACED_AT, "@"),
        (PROVIDER_AT, "@"),
        (ADDRESS_DOT, "."),
        (SPACED_DOT, "."),
        (SPACED_SLASH, "/"),
    ):
        plain = _replace(plain, pattern, char)
    for _ in range(3):  # "6OO": each O becomes a digit once its neighbour has
        if not LETTER_DIGIT.search(plain.text):
            break
        plain = _replace(plain, LETTER_DIGIT, None, digit=True)
    return _collapse(plain)


def _replace(
    plain: Normalised, pattern: regex.Pattern[str], char: str | None, *, digit: bool = False
) -> Normalised:
    """Replace each match by a character (`@` or `.` for a bracketed word, 0 or 1 for a letter), keeping spans."""
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    last = 0
    for m in pattern.finditer(plain.text):
        chars.append(plain.text[last : m.start()])
        spans.extend(plain.spans[last : m.start()])
        if digit:
            chars.append("0" if m.group(0) in "Oo" else "1")
        elif char is not None:
            chars.append(char)
        else:
            word = m.group(0).strip(" \t([{<>}])").lower()
            chars.append("." if regex.fullmatch(DOT_WORDS, word, regex.I) else "@")
        spans.append((plain.spans[m.start()][0], plain.spans[m.end() - 1][1]))
        last = m.end()
    if last == 0:
        return plain
    chars.append(plain.text[last:])
    spans.extend(plain.spans[last:])
    return Normalised("".join(chars), tuple(spans))


def _collapse(plain: Normalised) -> Normalised:
    """Spaced-out letters read as the word they spell ("r e v i e w" → "review")."""
    if not SPACED_LETTERS.search(plain.text):
        return plain
    keep = [True] * len(plain.text)
    for m in SPACED_LETTERS.finditer(plain.text):
        for i in range(m.start(), m.end()):
            if plain.text[i] == " ":
                keep[i] = False
    text = "".join(c for c, k in zip(plain.text, keep, strict=True) if k)
    spans = tuple(s for s, k in zip(plain.spans, keep, strict=True) if k)
    return Normalised(text, spans)


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
