"""How well the parser reads a labelled set of mails: `python -m bot.mail.parse_eval DIR` (DIR has `labels.jsonl` and
the `.eml` files it names), field by field, with every miss listed.

A label line: `{"file", "kind", "notice_type", "order_id", "language", "marketplace", "buyer_name",
"text_must_contain": [...], "text_must_not_contain": [...]}`. Kinds are buyer_message, amazon_notice or other (which
also accepts suspicious and confirmation); the label `refund` means refund_issued and `order_notification` other_notice.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.mail.parser import parse_relay_mail

log = logging.getLogger(__name__)

FIELDS = (
    "kind",
    "notice_type",
    "order_id",
    "language",
    "marketplace",
    "buyer_name",
    "contains",
    "not_contains",
)
OTHER_KINDS = {"other", "suspicious", "confirmation"}
NOTICE_NAMES = {"refund": "refund_issued", "order_notification": "other_notice"}


@dataclass
class Score:
    """Hits and checks per field, and what was missed."""

    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    checks: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    misses: list[str] = field(default_factory=list)

    def check(self, name: str, ok: bool, file: str, detail: str) -> None:
        """Count one check of a field."""
        self.checks[name] += 1
        self.hits[name] += ok
        if not ok:
            self.misses.append(f"{file} {name}: {detail}")

    def rate(self, name: str) -> float:
        """The share of a field's checks that passed (1.0 when there were none)."""
        return self.hits[name] / self.checks[name] if self.checks[name] else 1.0

    def summary(self) -> str:
        """One line per field: hits/checks and the rate."""
        return "\n".join(
            f"{name}: {self.hits[name]}/{self.checks[name]} ({self.rate(name):.0%})" for name in FIELDS
        )


def _first_name(name: str | None) -> str:
    return (name or "").split()[0] if (name or "").split() else ""


def score_mail(score: Score, label: dict[str, Any], got: Any) -> None:
    """Compare one parsed mail with its label."""
    file, kind = str(label["file"]), str(label["kind"])
    wanted_kinds = OTHER_KINDS if kind == "other" else {kind}
    score.check("kind", got.kind.value in wanted_kinds, file, f"{kind}, got {got.kind.value}")
    if kind == "amazon_notice":
        want = NOTICE_NAMES.get(label.get("notice_type") or "", label.get("notice_type"))
        score.check("notice_type", got.notice_type == want, file, f"{want}, got {got.notice_type}")
    if kind == "other":
        return
    for name in ("order_id", "language", "marketplace"):
        score.check(
            name, getattr(got, name) == label.get(name), file, f"{label.get(name)}, got {getattr(got, name)}"
        )
    if label.get("buyer_name"):
        same = _first_name(got.buyer_name) == _first_name(label["buyer_name"])
        score.check("buyer_name", same, file, f"{label['buyer_name']}, got {got.buyer_name}")
    text = got.text or ""
    for words in label.get("text_must_contain") or []:
        score.check("contains", words in text, file, f"{words!r} missing")
    for words in label.get("text_must_not_contain") or []:
        score.check("not_contains", words not in text, file, f"{words!r} kept")


def evaluate(folder: Path) -> Score:
    """Parse every labelled mail of the folder and score it."""
    score = Score()
    for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            label = json.loads(line)
            score_mail(score, label, parse_relay_mail((folder / label["file"]).read_bytes()))
    return score


def main(argv: list[str]) -> int:
    """Print the misses and the summary of each folder given."""
    for arg in argv:
        score = evaluate(Path(arg))
        print("\n".join(score.misses))
        print(f"== {arg}\n{score.summary()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
