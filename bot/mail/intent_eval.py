"""How well intent detection does on labelled messages: accuracy, precision/recall/F1, languages, confusions."""

from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.mail.intent_model import LinearModel
from bot.mail.intents import INTENTS, classify

log = logging.getLogger(__name__)


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Labelled rows `{"text", "intent", "lang"?, "has_order"?, "topic"?}` of a JSONL file."""
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if (
            not isinstance(row, dict)
            or not isinstance(row.get("text"), str)
            or row.get("intent") not in INTENTS
        ):
            raise ValueError(f"{path}:{n}: needs a text and one of the intents {', '.join(INTENTS)}")
        rows.append(row)
    return rows


def evaluate(rows: Sequence[dict[str, Any]], model: LinearModel | None = None) -> dict[str, Any]:
    """Classify every row as the bot would (its order facts included) and compare with its label."""
    results = [
        classify(
            str(r["text"]),
            has_order=r.get("has_order") if isinstance(r.get("has_order"), bool) else None,
            topic=str(r["topic"]) if r.get("topic") else None,
            lang=str(r["lang"]) if r.get("lang") else None,
            model=model,
        )
        for r in rows
    ]
    truth = [str(r["intent"]) for r in rows]
    predicted = [c.intent for c in results]
    pairs = list(zip(truth, predicted, strict=True))
    per: dict[str, dict[str, float | int]] = {}
    for intent in INTENTS:
        tp = sum(1 for t, p in pairs if t == p == intent)
        fp = sum(1 for t, p in pairs if p == intent != t)
        fn = sum(1 for t, p in pairs if t == intent != p)
        if tp + fp + fn == 0:
            continue
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per[intent] = {
            "support": tp + fn,
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
        }
    languages: dict[str, list[bool]] = defaultdict(list)
    for r, (t, p) in zip(rows, pairs, strict=True):
        languages[str(r.get("lang") or "?")].append(t == p)
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for t, p in pairs:
        confusion[t][p] += 1
    correct = sum(1 for t, p in pairs if t == p)
    return {
        "messages": len(rows),
        "accuracy": round(correct / len(rows), 3) if rows else 0.0,
        "intents": per,
        "languages": {
            lang: {"messages": len(v), "accuracy": round(sum(v) / len(v), 3)}
            for lang, v in sorted(languages.items())
        },
        "confusion": {t: dict(confusion[t]) for t in INTENTS if t in confusion},
        "unsure": sum(1 for c in results if c.unsure),
        "mistakes": [
            {
                "lang": r.get("lang"),
                "text": r["text"],
                "intent": t,
                "predicted": c.intent,
                "confidence": c.confidence,
            }
            for r, (t, _), c in zip(rows, pairs, results, strict=True)
            if t != c.intent
        ],
    }


def render(report: dict[str, Any], *, mistakes: bool = True) -> str:
    """The report as Markdown tables (what `inbox-bot classify --evaluate` prints and docs/intents.md shows)."""
    out = [
        f"**Accuracy: {report['accuracy']:.3f}** on {report['messages']} messages "
        f"({report['unsure']} marked unsure)",
        "",
        "| intent | messages | precision | recall | F1 |",
        "|---|---|---|---|---|",
    ]
    for intent, f in report["intents"].items():
        out.append(
            f"| `{intent}` | {f['support']} | {f['precision']:.3f} | {f['recall']:.3f} | {f['f1']:.3f} |"
        )
    out += ["", "| language | messages | accuracy |", "|---|---|---|"]
    for lang, f in report["languages"].items():
        out.append(f"| {lang} | {f['messages']} | {f['accuracy']:.3f} |")
    seen = [
        i
        for i in INTENTS
        if i in report["confusion"] or any(i in row for row in report["confusion"].values())
    ]
    short = {i: "".join(w[0] for w in i.split("_")) for i in seen}
    out += [
        "",
        "Confusion matrix (rows: the label, columns: what was predicted; "
        + ", ".join(f"{short[i]} = `{i}`" for i in seen)
        + "):",
        "",
        "| | " + " | ".join(short[i] for i in seen) + " |",
        "|---" * (len(seen) + 1) + "|",
    ]
    for t in seen:
        row = report["confusion"].get(t, {})
        out.append(f"| {short[t]} | " + " | ".join(str(row.get(p, "")) for p in seen) + " |")
    if mistakes and report["mistakes"]:
        out += ["", f"Every miss ({len(report['mistakes'])}):", ""]
        out += ["| lang | label | predicted | text |", "|---|---|---|---|"]
        for m in report["mistakes"]:
            text = " ".join(str(m["text"]).split()).replace("|", "\\|")
            out.append(
                f"| {m['lang']} | `{m['intent']}` | `{m['predicted']}` ({m['confidence']}) | {text[:160]} |"
            )
    return "\n".join(out)
