"""Training: the shipped model is what the script builds from the shipped corpus, and reads as scikit-learn does."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bot.mail import intent_train
from bot.mail.intent_model import SHIPPED_MODEL, LinearModel
from bot.mail.intents import INTENTS

# scikit-learn comes with the dev extra (the test command installs it); classifying mail does not need it

CORPUS = intent_train.CORPUS


def _small() -> list[dict[str, object]]:
    rows = intent_train.load(CORPUS)
    return [r for r in rows if r["lang"] in ("de", "en")][::3]


def test_the_corpus_is_large_varied_and_grouped() -> None:
    rows = intent_train.load(CORPUS)
    assert len(rows) >= 3000
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        counts[(str(r["lang"]), str(r["intent"]))] = counts.get((str(r["lang"]), str(r["intent"])), 0) + 1
    for intent in INTENTS:
        assert sum(counts.get((lang, intent), 0) for lang in ("de", "en", "fr", "it", "es")) >= 150, intent
        for lang in ("nl", "pl", "sv"):
            assert counts.get((lang, intent), 0) >= 40, (lang, intent)
    assert all(r.get("group") for r in rows)
    assert len({r["text"] for r in rows}) == len(rows)  # no message twice


def test_folds_never_split_a_paraphrase_group() -> None:
    rows = _small()
    for train, test in intent_train.folds(rows, 3):
        assert not {rows[i]["group"] for i in train} & {rows[i]["group"] for i in test}
        assert set(train) | set(test) == set(range(len(rows)))


def test_the_exported_model_classifies_exactly_as_the_fitted_pipeline(tmp_path: Path) -> None:
    rows = _small()
    model, pipeline = intent_train.train(rows)
    path = tmp_path / "model.json.gz"
    intent_train.write(model, path)
    linear = LinearModel.load(path)
    texts = [str(r["text"]) for r in rows[:60]] + ["Mein Paket ist immer noch nicht da", "wrong colour!!"]
    expected = pipeline.predict_proba(texts)
    for text, row in zip(texts, expected, strict=True):
        got = linear.probabilities(text)
        for k, intent in enumerate(pipeline.classes_):
            assert got[intent] == pytest.approx(row[k], abs=2e-3)


def test_the_file_is_reproducible_byte_for_byte(tmp_path: Path) -> None:
    rows = _small()
    a, b = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    intent_train.write(intent_train.train(rows)[0], a)
    intent_train.write(intent_train.train(rows)[0], b)
    assert a.read_bytes() == b.read_bytes()


def test_the_shipped_model_is_built_from_the_shipped_corpus(tmp_path: Path) -> None:
    with gzip.open(SHIPPED_MODEL, "rt", encoding="utf-8") as f:
        shipped = json.load(f)
    rows = intent_train.load(CORPUS)
    assert shipped["meta"]["corpus_sha256"] == intent_train.digest(rows), (
        "corpus changed: run python -m bot.mail.intent_train"
    )
    rebuilt, _ = intent_train.train(rows)
    assert rebuilt["features"] == shipped["features"] and rebuilt["classes"] == shipped["classes"]
    worst = max(
        abs(x - y)
        for x, y in zip(
            LinearModel.from_json(rebuilt).weights, LinearModel.from_json(shipped).weights, strict=True
        )
    )
    assert worst < 1e-3


def test_the_comparison_measures_every_approach_on_the_same_folds() -> None:
    rows = _small()[::2]
    table = intent_train.compare(rows, k=2)
    assert set(table) == {"keyword rules (before)", *intent_train.candidates()}
    for figures in table.values():
        assert 0 < figures["accuracy"] <= 1 and set(figures["languages"]) == {"de", "en"}


def test_bad_rows_are_refused_with_their_line(tmp_path: Path) -> None:
    bad = tmp_path / "c.jsonl"
    bad.write_text('{"text": "x", "intent": "other"}\n{"text": 3}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"c\.jsonl:2"):
        intent_train.load(bad)
