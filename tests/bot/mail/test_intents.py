"""Intent detection: a floor on the labelled set, and the rules that depend on the order."""

from __future__ import annotations

import json
from pathlib import Path

from bot.mail.intents import INTENTS, classify, evaluate

LABELLED = Path(__file__).resolve().parents[2] / "fixtures" / "intents.jsonl"
ROWS = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]


def test_the_labelled_set_is_large_and_covers_every_intent_and_language() -> None:
    assert len(ROWS) >= 300
    assert {r["intent"] for r in ROWS} == set(INTENTS)
    assert {r["lang"] for r in ROWS} == {"de", "en", "fr", "it", "es"}


def test_accuracy_floor_on_the_labelled_set() -> None:
    report = evaluate(ROWS)
    assert report["accuracy"] >= 0.92, report["mistakes"]
    for intent, figures in report["intents"].items():  # type: ignore[union-attr]
        assert figures["recall"] >= 0.75, (intent, figures)
        assert figures["precision"] >= 0.65, (intent, figures)


def test_where_is_my_order_on_a_delivered_parcel_is_a_lost_parcel() -> None:
    text = "Hallo, wo ist mein Paket? Ich habe nichts bekommen."
    assert classify(text).intent == "where_is_my_order"
    lost = classify(text, delivered=True)
    assert lost.intent == "late_or_lost" and lost.templates[0] == "late_or_lost"
    assert "delivered" in lost.reason


def test_no_order_means_a_question_before_buying() -> None:
    result = classify("Passt der Filter auch in das Modell X200?", has_order=False)
    assert result.intent == "presale" and result.templates[0] == "presale_question"


def test_cancellation_templates_follow_the_order_state() -> None:
    assert (
        "cancellation_after_shipping" not in classify("Bitte stornieren", order_status="UNSHIPPED").templates
    )
    shipped = classify("Bitte stornieren", order_status="SHIPPED").templates
    assert "cancellation_after_shipping" in shipped and "cancellation_before_shipping" not in shipped


def test_nothing_recognisable_is_other_with_no_confidence() -> None:
    result = classify("Vielen Dank!")
    assert (result.intent, result.confidence, result.templates) == ("other", 0.0, ["acknowledgement"])
    assert classify("Das Glas kam zerbrochen an, ich will mein Geld zurück").ranked[:2] == [
        "damaged",
        "return_refund",
    ]
