"""Measuring the guard on a labelled corpus: recall per rule and language, false refusals per language, the misses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.replies.guard import Policy
from bot.replies.guard_eval import evaluate, read_corpus, report

ROWS = [
    {
        "text": "Schreiben Sie uns an info@example-shop.de.",
        "lang": "de",
        "label": "forbidden",
        "rules": ["email_address"],
    },
    {"text": "Please leave us a review!", "lang": "en", "label": "forbidden", "rules": ["review_request"]},
    {
        "text": "Merci pour votre patience.",
        "lang": "fr",
        "label": "forbidden",
        "rules": ["marketing"],
    },  # a miss
    {"text": "Ihre Rechnung ist angehängt.", "lang": "de", "label": "legitimate"},
    {
        "text": "Visit www.example-shop.com for more.",
        "lang": "en",
        "label": "legitimate",
    },  # refused: a false refusal
]


def test_counts_recall_false_refusals_and_names_every_miss() -> None:
    result = evaluate(Policy(), ROWS)
    assert (result.forbidden, result.refused, result.legitimate, result.wrongly_refused) == (3, 2, 2, 1)
    assert result.recall == pytest.approx(2 / 3) and result.false_refusal_rate == pytest.approx(0.5)
    data = result.to_json()
    assert data["recall_by_rule"] == {"email_address": 1.0, "marketing": 0.0, "review_request": 1.0}
    assert data["recall_by_lang"] == {"de": 1.0, "en": 1.0, "fr": 0.0}
    assert data["false_refusals_by_lang"] == {"de": 0.0, "en": 1.0}
    assert [m["text"] for m in result.misses] == ["Merci pour votre patience."]
    [wrong] = result.false_refusals
    assert wrong["lang"] == "en" and any(rule == "link" for rule, _ in wrong["found"])
    text = report(result, "sample")
    assert text.startswith("sample: forbidden refused 2/3 (66.7%), legitimate refused 1/2 (50.0%)")


def test_a_corpus_line_that_is_not_a_text_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n\n" + json.dumps({"lang": "de"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"c.jsonl:3"):
        read_corpus(path)
    path.write_text(json.dumps(ROWS[0]) + "\n", encoding="utf-8")
    assert read_corpus(path) == [ROWS[0]]
