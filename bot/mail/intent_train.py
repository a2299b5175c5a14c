"""Build the intent model from the shipped corpus, and compare approaches on held-back data.

`python -m bot.mail.intent_train` writes `bot/mail/intent_model.json.gz` from `tests/fixtures/intents/corpus.jsonl`
(seeded: the same corpus gives the same model); `--compare` first measures each candidate approach by grouped
cross-validation (paraphrases of one situation never on both sides of a split). Needs scikit-learn (the `dev`
extra); classifying mail does not.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import logging
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bot.mail.intent_model import SHIPPED_MODEL, features, text_features
from bot.mail.intent_rules import rule_intent

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "fixtures" / "intents" / "corpus.jsonl"
SEED = 20261130
C = 10.0  # inverse regularisation, chosen by --compare's cross-validation (docs/intents.md)
MIN_DF = 2
DECIMALS = 5


def load(path: Path) -> list[dict[str, Any]]:
    """Labelled rows `{"lang", "intent", "text", "has_order", "group"}` of a JSONL file."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for n, row in enumerate(rows, 1):
        if not isinstance(row.get("text"), str) or not isinstance(row.get("intent"), str):
            raise ValueError(f"{path}:{n}: a row needs a text and an intent")
    return rows


def digest(rows: Sequence[dict[str, Any]]) -> str:
    """The corpus's fingerprint, stored in the model so a stale model is noticed."""
    return hashlib.sha256("\n".join(json.dumps(r, sort_keys=True) for r in rows).encode()).hexdigest()


def float32_base64(values: Any) -> str:
    """A numpy array as the model file stores it: little-endian float32, base64."""
    return base64.b64encode(values.astype("<f4").tobytes()).decode("ascii")


def vectorizer(analyzer: Callable[[str], list[str]] = features) -> Any:
    """The tf-idf step, with this package's own features (so classification needs no scikit-learn)."""
    import numpy
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=MIN_DF, dtype=numpy.float64)


def candidates() -> dict[str, Callable[[], Any]]:
    """The approaches compared side by side: name → a fresh, seeded pipeline."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import ComplementNB
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    def logreg(c: float, analyzer: Callable[[str], list[str]] = text_features) -> Callable[[], Any]:
        return lambda: make_pipeline(
            vectorizer(analyzer), LogisticRegression(C=c, max_iter=3000, random_state=SEED)
        )

    return {
        "tf-idf + logistic regression (C=1)": logreg(1.0),
        "tf-idf + logistic regression (C=10)": logreg(10.0),
        "tf-idf + logistic regression (C=30)": logreg(30.0),
        "tf-idf + linear SVM, calibrated": lambda: make_pipeline(
            vectorizer(text_features), CalibratedClassifierCV(LinearSVC(C=0.5, random_state=SEED), cv=3)
        ),
        "tf-idf + complement naive Bayes": lambda: make_pipeline(
            vectorizer(text_features), ComplementNB(alpha=0.3)
        ),
        "tf-idf + keyword rules as features + logistic regression (C=10), chosen": logreg(10.0, features),
    }


def folds(rows: Sequence[dict[str, Any]], k: int = 5) -> list[tuple[list[int], list[int]]]:
    """k train/test splits by paraphrase group, stratified by intent, seeded."""
    from sklearn.model_selection import StratifiedGroupKFold

    groups = [str(r.get("group") or f"row-{i}") for i, r in enumerate(rows)]
    labels = [str(r["intent"]) for r in rows]
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=SEED)
    return [(list(a), list(b)) for a, b in splitter.split(list(range(len(rows))), labels, groups)]


def measure(truth: Sequence[str], predicted: Sequence[str], langs: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 and accuracy per language."""
    from sklearn.metrics import f1_score

    per_lang: dict[str, list[bool]] = defaultdict(list)
    for t, p, lang in zip(truth, predicted, langs, strict=True):
        per_lang[lang].append(t == p)
    return {
        "accuracy": round(sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(truth), 3),
        "macro_f1": round(float(f1_score(truth, predicted, average="macro")), 3),
        "languages": {lang: round(sum(v) / len(v), 3) for lang, v in sorted(per_lang.items())},
    }


def compare(rows: Sequence[dict[str, Any]], k: int = 5) -> dict[str, dict[str, Any]]:
    """Every candidate (and the old keyword rules) on the same grouped cross-validation folds."""
    truth = [str(r["intent"]) for r in rows]
    langs = [str(r.get("lang") or "?") for r in rows]
    texts = [str(r["text"]) for r in rows]
    results = {
        "keyword rules (before)": measure(
            truth,
            [
                rule_intent(t, has_order=bool(r.get("has_order", True)))
                for t, r in zip(texts, rows, strict=True)
            ],
            langs,
        )
    }
    splits = folds(rows, k)
    for name, build in candidates().items():
        predicted = [""] * len(rows)
        for train_idx, test_idx in splits:
            model = build().fit([texts[i] for i in train_idx], [truth[i] for i in train_idx])
            for i, p in zip(test_idx, model.predict([texts[i] for i in test_idx]), strict=True):
                predicted[i] = str(p)
        results[name] = measure(truth, predicted, langs)
        log.info("%s: %s", name, results[name])
    return results


def train(rows: Sequence[dict[str, Any]], c: float = C) -> tuple[dict[str, Any], Any]:
    """Fit tf-idf + logistic regression on all rows; the model file's JSON and the fitted pipeline."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = [str(r["text"]) for r in rows]
    labels = [str(r["intent"]) for r in rows]
    pipeline = make_pipeline(vectorizer(), LogisticRegression(C=c, max_iter=3000, random_state=SEED))
    pipeline.fit(texts, labels)
    vec, clf = pipeline[0], pipeline[1]
    names = vec.get_feature_names_out()
    coef = clf.coef_.T  # features × classes
    model = {
        "classes": [str(c) for c in clf.classes_],
        "features": [str(n) for n in names],
        "idf": float32_base64(vec.idf_),
        "weights": float32_base64(coef),
        "intercept": [round(float(x), DECIMALS) for x in clf.intercept_],
        "meta": {
            "corpus_sha256": digest(rows),
            "messages": len(rows),
            "languages": sorted({str(r.get("lang")) for r in rows if r.get("lang")}),
            "C": c,
            "min_df": MIN_DF,
            "seed": SEED,
        },
    }
    return model, pipeline


def write(model: dict[str, Any], path: Path) -> None:
    """Write the model file reproducibly (gzip without a timestamp)."""
    raw = json.dumps(model, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with path.open("wb") as f, gzip.GzipFile(fileobj=f, mode="wb", mtime=0, filename="") as z:
        z.write(raw)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build the model (and, with --compare, print the side-by-side table first)."""
    parser = argparse.ArgumentParser(prog="python -m bot.mail.intent_train", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, default=SHIPPED_MODEL)
    parser.add_argument("--compare", action="store_true", help="grouped cross-validation of every approach")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows = load(args.corpus)
    if args.compare:
        table = compare(rows, args.folds)
        print(json.dumps(table, indent=1, ensure_ascii=False))
    model, _ = train(rows)
    write(model, args.out)
    print(f"wrote {args.out}: {len(model['features'])} features, {len(rows)} messages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
