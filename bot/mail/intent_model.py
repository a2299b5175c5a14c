"""The text model behind intent detection: features of a buyer's words, and a linear model read from a JSON file.

The features (word unigrams and bigrams, character 3–5-grams inside words, on lower-cased text without accents
and without quoted history, plus the intents the keyword rules of `intent_rules.py` find) are computed here for both training (`bot/mail/intent_train.py` hands this function
to scikit-learn) and classification, so the shipped model sees exactly what it was trained on. The model file is
plain JSON (gzip): feature names, their idf weights and one weight per intent and feature (float32, base64), and
the intercepts; reading it runs no code, and classifying needs no numerical library.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import math
import re
import sys
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from bot.mail.intent_rules import COMPILED

SHIPPED_MODEL = Path(__file__).with_name("intent_model.json.gz")
MAX_CHARS = 1500  # the request is at the top; a long tail adds time, not signal
# where quoted history starts: a separator line, a reply header ending in a colon ("On 3 Nov, X wrote:"), or a
# forwarded header block (a From: line followed by a Sent:/Date:/To: line) — never a sentence of the buyer's
_QUOTE_START = re.compile(
    r"^[ \t]*(?:-{2,}[ \t]*(?:original|ursprüngliche|message d'origine|messaggio originale|mensaje original|"
    r"oorspronkelijk|oryginalna|ursprungligt)[^\n]*$"
    r"|(?:am|on|le|il|el|op|w dniu|den)[ \t][^\n]{3,120}[ \t](?:schrieb|wrote|a écrit|ha scritto|escribió|schreef|"
    r"napisał|napisała|skrev)[^\n]{0,40}:[ \t]*$"
    r"|(?:von|from|de|da|van|od|från)[ \t]*:[^\n]*\n[ \t]*(?:gesendet|sent|date|datum|envoyé|inviato|enviado|"
    r"verzonden|wysłano|skickat|an|to|à|a|para|aan|do|till)[ \t]*:)",
    re.IGNORECASE | re.MULTILINE,
)
RULE_REPEAT = 3
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d")


def own_words(text: str) -> str:
    """The buyer's new words: quoted lines (`>`) and everything after an "original message" header dropped."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    kept = "\n".join(lines)
    m = _QUOTE_START.search(kept)
    if m and kept[: m.start()].strip():
        kept = kept[: m.start()]
    return kept.strip() or text.strip()


def prepare(text: str) -> str:
    """Lower-cased text without accents, digits folded to 0, quoted history dropped, at most MAX_CHARS."""
    plain = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", own_words(text)).casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return _DIGITS.sub("0", plain.replace("ß", "ss").replace("ł", "l"))[:MAX_CHARS]


def text_features(text: str) -> list[str]:
    """Word 1–2-grams (`w:`/`b:`) and character 3–5-grams of each word padded with spaces."""
    words = _WORD.findall(prepare(text))
    out = [f"w:{w}" for w in words]
    out.extend(f"b:{a} {b}" for a, b in pairwise(words))
    for word in words:
        padded = f" {word} "
        size = len(padded)
        for n in (3, 4, 5):
            out.extend(padded[i : i + n] for i in range(size - n + 1))
    return out


def features(text: str) -> list[str]:
    """The text's features plus one `r:<intent>` token (three times) per intent a keyword rule finds: the rules
    carry what the corpus may not (a word no buyer in it used), the model learns how far to trust each."""
    words = own_words(text).lower()[: MAX_CHARS * 2]
    hits = {intent for intent, _, rx in COMPILED if rx.search(words)}
    return text_features(text) + [f"r:{intent}" for intent in sorted(hits) for _ in range(RULE_REPEAT)]


@dataclass(frozen=True)
class LinearModel:
    """A multinomial logistic regression over tf-idf features, as trained by `bot/mail/intent_train.py`."""

    classes: tuple[str, ...]
    names: tuple[str, ...]
    index: dict[str, int]
    idf: array  # type: ignore[type-arg]  # float32, one per feature
    weights: array  # type: ignore[type-arg]  # float32, feature-major: feature i's class k at i * len(classes) + k
    intercept: tuple[float, ...]
    meta: dict[str, object]
    # the features it was trained on (the intent features unless the caller names others)
    analyzer: Callable[[str], list[str]] = field(default=features, compare=False)

    @classmethod
    def from_json(
        cls, data: dict[str, object], analyzer: Callable[[str], list[str]] = features
    ) -> LinearModel:
        """Build from the file's JSON, refusing (ValueError) one whose parts are missing or do not fit together."""
        try:
            classes = tuple(str(c) for c in data["classes"])  # type: ignore[attr-defined]
            names = [str(f) for f in data["features"]]  # type: ignore[attr-defined]
            idf = _floats(data["idf"])
            raw = data["weights"]
            if isinstance(raw, str):  # the shipped file: float32, feature-major, base64
                weights = _floats(raw)
            else:  # a list of rows, one per feature (hand-made models)
                rows = list(raw)  # type: ignore[call-overload]
                if any(len(row) != len(classes) for row in rows):
                    raise ValueError("intent model: a feature without one weight per class")
                weights = array("f", (float(x) for row in rows for x in row))
            intercept = tuple(float(x) for x in data["intercept"])  # type: ignore[attr-defined]
            if not (len(names) == len(idf)) or len(intercept) != len(classes):
                raise ValueError("intent model: features, idf, weights and classes do not match")
            if len(weights) != len(names) * len(classes):
                raise ValueError("intent model: features, idf, weights and classes do not match")
        except (KeyError, TypeError) as e:
            raise ValueError(f"intent model: a part is missing or malformed ({e})") from e
        if len(set(names)) != len(names):
            raise ValueError("intent model: a feature is named twice")
        if not all(all(map(math.isfinite, values)) for values in (idf, weights, intercept)):
            raise ValueError("intent model: a weight is not a finite number")
        meta = data.get("meta")
        return cls(
            classes,
            tuple(names),
            {name: i for i, name in enumerate(names)},
            idf,
            weights,
            intercept,
            dict(meta) if isinstance(meta, dict) else {},
            analyzer,
        )

    @classmethod
    def load(cls, path: Path, analyzer: Callable[[str], list[str]] = features) -> LinearModel:
        """Read a model file (gzip JSON) whose features `analyzer` computes."""
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return cls.from_json(json.load(f), analyzer)

    def vector(self, text: str) -> dict[int, float]:
        """The text's tf-idf vector (sublinear tf, L2-normalised), as scikit-learn computes it."""
        counts = Counter(i for i in map(self.index.get, self.analyzer(text)) if i is not None)
        values = {i: (1.0 + math.log(c)) * self.idf[i] for i, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values()))
        return {i: v / norm for i, v in values.items()} if norm else {}

    def scores(self, vector: dict[int, float]) -> list[float]:
        """The linear score of every class."""
        out = list(self.intercept)
        width = len(self.classes)
        weights = self.weights
        for i, v in vector.items():
            base = i * width
            for k in range(width):
                out[k] += weights[base + k] * v
        return out

    def probabilities(self, text: str) -> dict[str, float]:
        """Each intent's probability (softmax of the scores)."""
        return self.distribution(self.vector(text))

    def distribution(self, vector: dict[int, float]) -> dict[str, float]:
        """Each intent's probability for a tf-idf vector."""
        scores = self.scores(vector)
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def evidence(
        self, text: str, intent: str, limit: int = 3, vector: dict[int, float] | None = None
    ) -> list[str]:
        """The buyer's words (of four letters or more, no numbers) that pushed most towards `intent` (the card's
        "because of"); pass the text's `vector` when it is known."""
        k = self.classes.index(intent)
        width = len(self.classes)
        vector = self.vector(text) if vector is None else vector
        pushes = sorted(
            (
                (self.weights[i * width + k] * v, self.names[i][2:])
                for i, v in vector.items()
                if self.names[i].startswith(("w:", "b:"))
                and len(self.names[i]) > 5
                and "0" not in self.names[i]
            ),
            reverse=True,
        )
        return [word for push, word in pushes[:limit] if push > 0]


def _floats(value: object) -> array:  # type: ignore[type-arg]
    """float32 values from a list of numbers or from base64 of little-endian float32 bytes."""
    if isinstance(value, str):
        out = array("f")
        try:
            out.frombytes(base64.b64decode(value, validate=True))
        except (ValueError, binascii.Error) as e:
            raise ValueError(f"intent model: not base64 float32 ({e})") from e
        if sys.byteorder != "little":
            out.byteswap()
        return out
    return array("f", (float(x) for x in value))  # type: ignore[attr-defined]


@lru_cache(maxsize=1)
def shipped_model() -> LinearModel:
    """The model shipped with the package, read once."""
    return LinearModel.load(SHIPPED_MODEL)
