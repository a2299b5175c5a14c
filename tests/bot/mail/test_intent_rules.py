"""The old keyword rules, kept as the baseline the model is compared with."""

from __future__ import annotations

from bot.mail.intent_rules import rule_intent


def test_the_rules_score_keywords_and_the_more_specific_intent_wins_a_tie() -> None:
    assert rule_intent("Ich brauche eine Rechnung") == "invoice_request"
    assert rule_intent("The glass arrived broken, I want my money back") == "damaged"
    assert rule_intent("Vielen Dank!") == "other"


def test_without_an_order_the_rules_read_a_question_before_buying() -> None:
    assert rule_intent("Passt der Filter auch in das Modell X200?", has_order=False) == "presale"
    assert (
        rule_intent("Danke, alles gut", has_order=False) == "presale"
    )  # only three intents without an order
    assert rule_intent("Danke, alles gut", has_order=True) == "other"
