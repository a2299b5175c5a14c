"""The text model behind intent detection: features of a buyer's words, and a linear model read from a JSON file.

The features (word unigrams and bigrams, character 3–5-grams inside words, on lower-cased text without accents
and without quoted history, plus the intents the keyword rules of `intent_rules.py` find) are computed here for both training (`bot/mail/intent_train.py` hands this function
to scikit-learn) and classification, so the shipped model sees exactly what it was trained on. The model file is
plain JSON (gzip): feature names, their idf weights, one weight per intent and feature, and the intercepts; reading
it runs no code, and classifying needs no numerical library.
"""

from __future__ import annotations

import gzip
import json
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from bot.mail.intent_rules import COMPILED

SHIPPED_MODEL = Path(__file__).with_name("intent_model.json.gz")
MAX_CHARS = 1500  # the request is at the top; a long tail adds time, not signal
_QUOTE_START = re.compile(
    r"^\s*(?:-{2,}\s*(?:original|ursprüngliche|message d'origine|messaggio originale|mensaje original)"
    r"|(?:am|on|le|il|el|op|w dniu|den)\s.{3,80}\s(?:schrieb|wrote|a écrit|ha scritto|escribió|schreef|napisał|skrev)"
    r"|(?:von|from|de|da|van|od|från)\s*:\s)",
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
    idf: tuple[float, ...]
    weights: tuple[tuple[float, ...], ...]  # per feature: one weight per class
    intercept: tuple[float, ...]
    meta: dict[str, object]

    @classmethod
    def from_json(cls, data: dict[str, object]) -> LinearModel:
        """Build from the file's JSON, refusing one whose parts do not fit together."""
        classes = tuple(str(c) for c in data["classes"])  # type: ignore[attr-defined]
        names = [str(f) for f in data["features"]]  # type: ignore[attr-defined]
        idf = tuple(float(x) for x in data["idf"])  # type: ignore[attr-defined]
        weights = tuple(tuple(float(x) for x in row) for row in data["weights"])  # type: ignore[attr-defined]
        intercept = tuple(float(x) for x in data["intercept"])  # type: ignore[attr-defined]
        if not (len(names) == len(idf) == len(weights)) or len(intercept) != len(classes):
            raise ValueError("intent model: features, idf, weights and classes do not match")
        if any(len(row) != len(classes) for row in weights):
            raise ValueError("intent model: a feature without one weight per class")
        meta = data.get("meta")
        return cls(
            classes,
            tuple(names),
            {name: i for i, name in enumerate(names)},
            idf,
            weights,
            intercept,
            dict(meta) if isinstance(meta, dict) else {},
        )

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """Read a model file (gzip JSON)."""
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return cls.from_json(json.load(f))

    def vector(self, text: str) -> dict[int, float]:
        """The text's tf-idf vector (sublinear tf, L2-normalised), as scikit-learn computes it."""
        counts = Counter(i for i in map(self.index.get, features(text)) if i is not None)
        values = {i: (1.0 + math.log(c)) * self.idf[i] for i, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in values.values()))
        return {i: v / norm for i, v in values.items()} if norm else {}

    def scores(self, vector: dict[int, float]) -> list[float]:
        """The linear score of every class."""
        out = list(self.intercept)
        for i, v in vector.items():
            row = self.weights[i]
            for k, w in enumerate(row):
                out[k] += w * v
        return out

    def probabilities(self, text: str) -> dict[str, float]:
        """Each intent's probability (softmax of the scores)."""
        scores = self.scores(self.vector(text))
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps, strict=True)}

    def evidence(self, text: str, intent: str, limit: int = 3) -> list[str]:
        """The buyer's words (of four letters or more) that pushed most towards `intent` (the card's "because of")."""
        k = self.classes.index(intent)
        vector = self.vector(text)
        pushes = sorted(
            (
                (self.weights[i][k] * v, self.names[i][2:])
                for i, v in vector.items()
                if self.names[i].startswith(("w:", "b:")) and len(self.names[i]) > 5
            ),
            reverse=True,
        )
        return [word for push, word in pushes[:limit] if push > 0]


@lru_cache(maxsize=1)
def shipped_model() -> LinearModel:
    """The model shipped with the package, read once."""
    return LinearModel.load(SHIPPED_MODEL)
