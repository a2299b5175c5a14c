"""Intent detection: a floor on the frozen set it was never tuned on, and the facts the words cannot carry."""

from __future__ import annotations

from pathlib import Path

from bot.mail.intent_eval import evaluate, read_rows
from bot.mail.intent_model import LinearModel
from bot.mail.intents import INTENTS, classify

FROZEN = Path(__file__).resolve().parents[2] / "fixtures" / "intents" / "frozen_eval.jsonl"
MAIN = ("de", "en", "fr", "it", "es")


def _toy() -> LinearModel:
    """A model whose every probability is known: 'kaputt' → damaged, 'paket' → where is my order."""
    classes = list(INTENTS)
    weights = [[0.0] * len(classes) for _ in range(3)]
    weights[0][classes.index("damaged")] = 8.0
    weights[1][classes.index("where_is_my_order")] = 8.0
    weights[2][classes.index("wrong_item")] = 4.0
    weights[2][classes.index("return_refund")] = 3.8
    return LinearModel.from_json(
        {
            "classes": classes,
            "features": ["w:kaputt", "w:paket", "w:tausch"],
            "idf": [1.0, 1.0, 1.0],
            "weights": weights,
            "intercept": [0.0] * len(classes),
            "meta": {"languages": ["de", "en"]},
        }
    )


def test_the_frozen_set_is_large_covers_every_intent_and_language() -> None:
    rows = read_rows(FROZEN)
    assert len(rows) >= 500
    assert {r["intent"] for r in rows} == set(INTENTS)
    assert {"de", "en", "fr", "it", "es", "nl", "pl", "sv"} <= {r["lang"] for r in rows}


def test_accuracy_floor_on_the_frozen_set() -> None:
    report = evaluate(read_rows(FROZEN))
    assert report["accuracy"] >= 0.85, report["accuracy"]  # measured first: 0.900 (docs/intents.md)
    for lang in MAIN:
        assert report["languages"][lang]["accuracy"] >= 0.80, (lang, report["languages"][lang])
    for intent, figures in report["intents"].items():
        assert figures["f1"] >= 0.70, (intent, figures)


def test_where_is_my_order_on_a_delivered_parcel_is_a_lost_parcel() -> None:
    model = _toy()
    assert classify("paket?", model=model).intent == "where_is_my_order"
    lost = classify("paket?", delivered=True, model=model)
    assert lost.intent == "late_or_lost" and lost.templates[0] == "late_or_lost"
    assert "delivered" in lost.reason and lost.scores["where_is_my_order"] == 0


def test_words_about_an_order_without_an_order_id_are_unsure() -> None:
    result = classify("kaputt kaputt kaputt", has_order=False, model=_toy())
    assert result.intent != "damaged" and result.unsure


def test_no_order_means_a_question_before_buying_and_an_order_makes_it_unlikely() -> None:
    model = _toy()
    unknown = classify("passt das?", has_order=None, model=model)
    assert classify("passt das?", has_order=False, model=model).intent == "presale"
    assert classify("kaputt", has_order=False, model=model).intent != "damaged"  # no order: nothing arrived
    with_order = classify("passt das?", has_order=True, model=model)
    assert with_order.scores["presale"] < unknown.scores["presale"]


def test_amazons_topic_tips_the_balance() -> None:
    model = _toy()
    plain = classify("hm", model=model)
    hinted = classify("hm", topic="Versand", model=model)
    assert hinted.scores["where_is_my_order"] > plain.scores["where_is_my_order"]
    shipping = classify("paket?", topic="Versand", model=model)
    assert shipping.intent == "where_is_my_order" and "Amazon topic “Versand”" in shipping.reason


def test_two_close_intents_are_shown_as_a_doubt_with_both_templates_first() -> None:
    result = classify("tausch", model=_toy())
    assert result.unsure and result.could_be == ["wrong_item", "return_refund"]
    assert result.templates[:2] == ["wrong_item", "return_refund"]
    assert result.reason.startswith("could be wrong item") and " or return or refund" in result.reason
    assert result.to_json()["could_be"] == ["wrong_item", "return_refund"]
    sure = classify("kaputt kaputt", model=_toy())
    assert not sure.unsure and "could_be" not in sure.to_json() and "“kaputt”" in sure.reason


def test_a_language_without_training_messages_is_never_sure() -> None:
    sure = classify("kaputt kaputt", lang="de", model=_toy())
    foreign = classify("kaputt kaputt", lang="tr", model=_toy())
    assert not sure.unsure and foreign.unsure and foreign.intent == "damaged"
    assert foreign.reason.startswith("a language the model has not learnt (tr): could be damaged")


def test_cancellation_templates_follow_the_order_state() -> None:
    text = "Bitte stornieren Sie meine Bestellung, ich brauche sie nicht mehr"
    before = classify(text, order_status="UNSHIPPED").templates
    shipped = classify(text, order_status="SHIPPED").templates
    assert "cancellation_before_shipping" in before and "cancellation_after_shipping" not in before
    assert "cancellation_after_shipping" in shipped and "cancellation_before_shipping" not in shipped
    for spelling in ("Shipped", "PartiallyShipped", "PARTIALLY_SHIPPED"):  # Orders v0 spells it so
        templates = classify(text, order_status=spelling).templates
        assert "cancellation_after_shipping" in templates and "cancellation_before_shipping" not in templates


def test_no_text_is_other_with_no_confidence() -> None:
    result = classify("   ")
    assert (result.intent, result.confidence, result.templates) == ("other", 0.0, ["acknowledgement"])


def test_the_reason_leads_with_the_keyword_a_rule_found_then_the_models_words() -> None:
    from bot.mail.intents import keyword_for

    assert keyword_for("Die Tasse kam zerbrochen an.\n> Ist die Rechnung da?", "damaged") == "zerbrochen"
    assert keyword_for("Die Tasse kam zerbrochen an.\n> Ist die Rechnung da?", "invoice_request") is None
    result = classify("Die Karaffe kam zerbrochen an, der Karton war eingedrückt.", has_order=True)
    assert result.intent == "damaged" and "because of “zerbrochen”" in result.reason


def test_the_cause_comes_before_the_remedy_when_both_are_likely() -> None:
    classes = list(INTENTS)
    weights = [[0.0] * len(classes)]
    weights[0][classes.index("return_refund")] = 3.0
    weights[0][classes.index("damaged")] = 2.6
    model = LinearModel.from_json(
        {
            "classes": classes,
            "features": ["w:x"],
            "idf": [1.0],
            "weights": weights,
            "intercept": [0.0] * len(classes),
        }
    )
    result = classify("x", model=model)
    assert result.ranked[:2] == ["damaged", "return_refund"] and result.unsure
    assert "the cause comes before the remedy" in result.reason


def test_messages_in_languages_the_model_has_not_learnt_are_marked_unsure() -> None:
    from bot.mail.language import detect_language

    rows = read_rows(FROZEN.with_name("fallback_eval.jsonl"))
    assert {r["lang"] for r in rows} == {"pt", "tr", "ja"}
    told = [{**r, "lang": detect_language(r["text"])} for r in rows]  # the language as the bot tells it
    assert evaluate(told)["unsure"] >= 0.95 * len(rows)  # measured: all but the few told as a learnt language
    report = evaluate(rows)
    assert report["languages"]["pt"]["accuracy"] >= 0.6  # measured 0.78: Portuguese rides on es and it
