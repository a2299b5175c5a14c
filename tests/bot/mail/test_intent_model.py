"""The intent model's features and its arithmetic, on a hand-made model and on the shipped one."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from bot.mail.intent_model import SHIPPED_MODEL, LinearModel, features, own_words, prepare, shipped_model


def test_quoted_history_is_not_the_buyers_new_words() -> None:
    text = "Where is my refund?\n\n> On 3 Nov you wrote:\n> We have sent the return label."
    assert own_words(text) == "Where is my refund?"
    forwarded = "Rechnung bitte!\n-----Ursprüngliche Nachricht-----\nVon: Verkäufer\nIhr Paket ist unterwegs"
    assert own_words(forwarded) == "Rechnung bitte!"
    only_quote = "> Is the parcel on its way?"
    assert own_words(only_quote) == only_quote  # nothing new: the quote is all there is to read
    header = "Danke!\n\nOn Mon, 3 Nov 2026 at 10:00, Example Shop wrote:\nYour parcel is on its way."
    assert own_words(header) == "Danke!"
    block = "Invoice please\nFrom: Example Shop\nSent: Monday\nSubject: your order"
    assert own_words(block) == "Invoice please"


@pytest.mark.parametrize(
    "text",
    [
        "Hi,\nOn your listing you wrote it was waterproof. It is not. I want a refund.",
        "Bonjour,\nLe vendeur a écrit que le colis arriverait lundi. Rien reçu.",
        "Hallo,\nop de site schreef u dat het vandaag zou komen",
        "Hello,\nfrom: the attached photo you can see the crack",
        "Hi\n" + "\n" * 5000 + "am Telefon schrieb mir jemand, es kommt morgen",
    ],
)
def test_a_buyers_own_sentence_is_never_taken_for_a_quote_header(text: str) -> None:
    assert own_words(text) == text.strip()


def test_text_is_folded_so_spelling_variants_meet() -> None:
    assert prepare("Größe FALSCH, Bestellung 123") == prepare("grosse falsch, bestellung 456")
    assert prepare("Ça n'a pas été livré") == "ca n'a pas ete livre"
    assert prepare("x" * 5000).__len__() == 1500


def test_features_are_words_pairs_and_letter_groups_inside_words() -> None:
    got = features("Paket kaputt")
    assert {"w:paket", "w:kaputt", "b:paket kaputt", " pa", "pake", "aket ", "kaputt"[:5]} <= set(got)
    assert not any(" " in f.strip() and not f.startswith("b:") for f in got)  # no n-gram spans two words
    assert got.count("r:damaged") == 3 and not [f for f in got if f.startswith("r:") and f != "r:damaged"]
    assert "r:damaged" not in features("Alles gut angekommen\n> Ist es kaputt?")  # not in quoted history


def _model() -> LinearModel:
    return LinearModel.from_json(
        {
            "classes": ["damaged", "other"],
            "features": ["w:kaputt", "w:danke"],
            "idf": [2.0, 1.0],
            "weights": [[3.0, -1.0], [-2.0, 2.0]],
            "intercept": [0.0, 0.5],
        }
    )


def test_probabilities_are_the_softmax_of_tf_idf_scores() -> None:
    model = _model()
    # "kaputt kaputt danke": tf 1+ln2 for kaputt (idf 2), 1 for danke (idf 1), then L2-normalised
    k, d = (1 + math.log(2)) * 2.0, 1.0
    norm = math.hypot(k, d)
    damaged = 3.0 * k / norm - 2.0 * d / norm
    other = 0.5 - 1.0 * k / norm + 2.0 * d / norm
    expected = math.exp(damaged) / (math.exp(damaged) + math.exp(other))
    got = model.probabilities("Kaputt, KAPUTT! danke")
    assert got["damaged"] == pytest.approx(expected) and sum(got.values()) == pytest.approx(1.0)
    assert model.probabilities("nichts bekanntes") == pytest.approx(
        {"damaged": 1 / (1 + math.e**0.5), "other": 1 / (1 + math.e**-0.5)}
    )
    assert model.evidence("kaputt danke", "damaged") == ["kaputt"]


def test_a_model_whose_parts_do_not_fit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="do not match"):
        LinearModel.from_json(
            {
                "classes": ["a"],
                "features": ["w:x", "w:y"],
                "idf": [1.0],
                "weights": [[1.0]],
                "intercept": [0.0],
            }
        )
    with pytest.raises(ValueError, match="one weight per class"):
        LinearModel.from_json(
            {
                "classes": ["a", "b"],
                "features": ["w:x"],
                "idf": [1.0],
                "weights": [[1.0]],
                "intercept": [0.0, 0.0],
            }
        )
    with pytest.raises(ValueError, match="named twice"):
        LinearModel.from_json(
            {
                "classes": ["a"],
                "features": ["w:x", "w:x"],
                "idf": [1.0, 1.0],
                "weights": [[1.0], [2.0]],
                "intercept": [0.0],
            }
        )
    with pytest.raises(ValueError, match="not a finite number"):
        LinearModel.from_json(
            {
                "classes": ["a"],
                "features": ["w:x"],
                "idf": [1.0],
                "weights": [[float("nan")]],
                "intercept": [0.0],
            }
        )
    broken = tmp_path / "model.json.gz"
    broken.write_bytes(gzip.compress(json.dumps({"classes": ["a"]}).encode()))
    with pytest.raises(ValueError, match="missing or malformed"):
        LinearModel.load(broken)


def test_the_shipped_model_is_read_once_and_knows_every_intent() -> None:
    from bot.mail.intents import INTENTS

    model = shipped_model()
    assert shipped_model() is model
    assert set(model.classes) == set(INTENTS)
    assert model.meta["messages"] >= 3000 and len(model.index) > 10_000
    assert SHIPPED_MODEL.stat().st_size < 8_000_000
