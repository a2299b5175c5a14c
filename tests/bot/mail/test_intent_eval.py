"""The evaluation report: counts, per-intent figures, languages, confusions and every miss."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.mail.intent_eval import evaluate, read_rows, render
from bot.mail.intent_model import LinearModel
from bot.mail.intents import INTENTS


def _model() -> LinearModel:
    classes = list(INTENTS)
    weights = [[0.0] * len(classes) for _ in range(2)]
    weights[0][classes.index("damaged")] = 9.0
    weights[1][classes.index("invoice_request")] = 9.0
    return LinearModel.from_json(
        {
            "classes": classes,
            "features": ["w:kaputt", "w:rechnung"],
            "idf": [1.0, 1.0],
            "weights": weights,
            "intercept": [0.0] * len(classes),
        }
    )


ROWS = [
    {"lang": "de", "intent": "damaged", "text": "kaputt"},
    {"lang": "de", "intent": "invoice_request", "text": "rechnung"},
    {"lang": "en", "intent": "invoice_request", "text": "kaputt rechnung kaputt"},
    {"lang": "en", "intent": "damaged", "text": "kaputt", "has_order": True},
]


def test_the_report_counts_what_was_right_and_what_was_confused() -> None:
    report = evaluate(ROWS, model=_model())
    assert report["messages"] == 4 and report["accuracy"] == 0.75
    assert report["intents"]["damaged"] == {"support": 2, "precision": 0.667, "recall": 1.0, "f1": 0.8}
    assert report["intents"]["invoice_request"]["recall"] == 0.5
    assert report["languages"] == {
        "de": {"messages": 2, "accuracy": 1.0},
        "en": {"messages": 2, "accuracy": 0.5},
    }
    assert report["confusion"]["invoice_request"] == {"invoice_request": 1, "damaged": 1}
    assert [m["text"] for m in report["mistakes"]] == ["kaputt rechnung kaputt"]


def test_the_rendered_report_has_every_table_and_every_miss() -> None:
    text = render(evaluate(ROWS, model=_model()))
    assert "**Accuracy: 0.750** on 4 messages" in text
    assert "| `damaged` | 2 | 0.667 | 1.000 | 0.800 |" in text
    assert "| en | 2 | 0.500 |" in text
    assert "| ir | 1 | 1 |" in text  # invoice requests: one right, one read as damaged
    assert "kaputt rechnung kaputt" in text


def test_a_row_without_a_known_intent_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "eval.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n\n" + json.dumps({"text": "x", "intent": "refund"}) + "\n")
    with pytest.raises(ValueError, match=r"eval\.jsonl:3"):
        read_rows(path)
