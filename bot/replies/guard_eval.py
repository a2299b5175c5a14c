"""How the guard does on a labelled corpus: recall per rule, false refusals per language, and every miss.

A corpus is JSON lines: `{"text", "lang", "label": "forbidden" | "legitimate", "rules": [...]}` (rules: what a
forbidden text breaks). A forbidden text counts as refused when the guard finds any violation; its rules' recall
counts the texts of that rule that were refused. A legitimate text refused is a false refusal.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.replies.guard import Policy

log = logging.getLogger(__name__)


@dataclass
class Evaluation:
    """Counts over a corpus and the texts the guard got wrong."""

    forbidden: int = 0
    refused: int = 0
    legitimate: int = 0
    wrongly_refused: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)  # forbidden texts per rule
    caught_by_rule: Counter[str] = field(default_factory=Counter)
    by_lang: Counter[str] = field(default_factory=Counter)  # legitimate texts per language
    refused_by_lang: Counter[str] = field(default_factory=Counter)
    forbidden_by_lang: Counter[str] = field(default_factory=Counter)
    caught_by_lang: Counter[str] = field(default_factory=Counter)
    misses: list[dict[str, Any]] = field(default_factory=list)  # forbidden texts let through
    false_refusals: list[dict[str, Any]] = field(default_factory=list)  # legitimate texts refused, with why

    @property
    def recall(self) -> float:
        """Share of forbidden texts refused."""
        return self.refused / self.forbidden if self.forbidden else 1.0

    @property
    def false_refusal_rate(self) -> float:
        """Share of legitimate texts refused."""
        return self.wrongly_refused / self.legitimate if self.legitimate else 0.0

    def to_json(self) -> dict[str, Any]:
        """The figures as plain JSON (misses included)."""
        return {
            "forbidden": self.forbidden,
            "refused": self.refused,
            "recall": round(self.recall, 4),
            "legitimate": self.legitimate,
            "wrongly_refused": self.wrongly_refused,
            "false_refusal_rate": round(self.false_refusal_rate, 4),
            "recall_by_rule": {
                r: round(self.caught_by_rule[r] / n, 4) for r, n in sorted(self.by_rule.items())
            },
            "recall_by_lang": {
                lang: round(self.caught_by_lang[lang] / n, 4)
                for lang, n in sorted(self.forbidden_by_lang.items())
            },
            "false_refusals_by_lang": {
                lang: round(self.refused_by_lang[lang] / n, 4) for lang, n in sorted(self.by_lang.items())
            },
            "misses": self.misses,
            "false_refusals": self.false_refusals,
        }


def read_corpus(path: Path) -> list[dict[str, Any]]:
    """The labelled texts of a JSON-lines file; a line that is not one is an error naming its number."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise ValueError(f"{path}:{n}: each line must be an object with a text")
        rows.append(row)
    return rows


def evaluate(policy: Policy, rows: Iterable[dict[str, Any]]) -> Evaluation:
    """Run the guard over labelled texts and count what it refused and let through."""
    out = Evaluation()
    for row in rows:
        text, lang = str(row["text"]), str(row.get("lang") or "?")
        found = policy.check(text, lang=lang if lang != "?" else None)
        if row.get("label") == "forbidden":
            out.forbidden += 1
            out.forbidden_by_lang[lang] += 1
            rules = list(row.get("rules") or ["?"])
            out.by_rule.update(rules)
            if found:
                out.refused += 1
                out.caught_by_lang[lang] += 1
                out.caught_by_rule.update(rules)
            else:
                out.misses.append({"lang": lang, "rules": rules, "text": text})
        else:
            out.legitimate += 1
            out.by_lang[lang] += 1
            if found:
                out.wrongly_refused += 1
                out.refused_by_lang[lang] += 1
                out.false_refusals.append(
                    {"lang": lang, "text": text, "found": [(v.rule, v.excerpt) for v in found]}
                )
    return out


def report(result: Evaluation, title: str) -> str:
    """A plain-text table of the figures."""
    data = result.to_json()
    lines = [
        f"{title}: forbidden refused {result.refused}/{result.forbidden} ({result.recall:.1%}), "
        f"legitimate refused {result.wrongly_refused}/{result.legitimate} ({result.false_refusal_rate:.1%})",
        "recall by rule: " + ", ".join(f"{r} {v:.0%}" for r, v in data["recall_by_rule"].items()),
        "recall by language: " + ", ".join(f"{k} {v:.0%}" for k, v in data["recall_by_lang"].items()),
        "false refusals by language: "
        + ", ".join(f"{k} {v:.0%}" for k, v in data["false_refusals_by_lang"].items()),
    ]
    return "\n".join(lines)
