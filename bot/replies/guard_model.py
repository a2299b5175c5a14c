"""The guard's second opinion: a model that reads a reply as a whole and says whether it sounds forbidden.

The wording rules (`bot/replies/wording.py`) catch the phrasings they name; people find new ones faster than rules
can be written. This linear model (tf-idf of words, word pairs and character 3–5-grams of the normalised text, with
logistic regression; built by `bot/replies/guard_train.py` from the labelled corpus in `tests/fixtures/guard/`)
catches what reads like a review request, an incentive, contact outside Amazon or marketing without naming the
rule. Its finding only warns: the responder reads the sentence it points at and sends anyway when it is fine.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.mail.intent_model import LinearModel, text_features

log = logging.getLogger(__name__)

SHIPPED_MODEL = Path(__file__).with_name("guard_model.json.gz")
FORBIDDEN = "forbidden"
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]*")


@dataclass(frozen=True)
class Suspicion:
    """The model's judgement of a text: its probability of being forbidden and the sentence that weighs most."""

    probability: float
    start: int
    end: int


@dataclass(frozen=True)
class GuardModel:
    """The shipped model with the probability above which a text is reported (chosen by `guard_train`)."""

    model: LinearModel
    threshold: float

    def probability(self, text: str) -> float:
        """How likely `text` (already normalised) is forbidden."""
        return self.model.probabilities(text).get(FORBIDDEN, 0.0)

    def suspicion(self, text: str) -> Suspicion | None:
        """A `Suspicion` when the normalised `text` reads as forbidden, with the sentence that pushes most; else None."""
        p = self.probability(text)
        if p < self.threshold:
            return None
        best = (-1.0, 0, len(text))
        for m in _SENTENCE.finditer(text):
            if len(m.group(0).strip()) < 4:
                continue
            score = self.probability(m.group(0))
            if score > best[0]:
                best = (score, m.start(), m.end())
        start, end = best[1], best[2]
        while start < end and text[start].isspace():
            start += 1
        return Suspicion(p, start, end)


def guard_features(text: str) -> list[str]:
    """The features of a normalised reply: the same word and character n-grams as intent detection."""
    return text_features(text)


@lru_cache(maxsize=1)
def shipped_guard_model() -> GuardModel:
    """The model shipped with the package, read once (ValueError if the file is damaged)."""
    model = LinearModel.load(SHIPPED_MODEL, guard_features)
    if FORBIDDEN not in model.classes:
        raise ValueError(f"guard model: no class {FORBIDDEN!r} in {SHIPPED_MODEL}")
    threshold = model.meta.get("threshold")
    if not isinstance(threshold, float) or not 0.0 < threshold < 1.0:
        raise ValueError(f"guard model: no threshold between 0 and 1 in {SHIPPED_MODEL}")
    return GuardModel(model, threshold)
