"""Situations with a template of their own, found by the buyer's words in each marketplace language."""

from __future__ import annotations

import pytest

from bot.mail.intents import classify
from bot.mail.situations import bring_forward, situations


@pytest.mark.parametrize(
    ("text", "template"),
    [
        ("Warum wurden mir Versandkosten berechnet?", "shipping_cost"),
        ("Why was I charged a shipping fee on a Prime order?", "shipping_cost"),
        ("Pourquoi des frais de port sur ma commande ?", "shipping_cost"),
        ("Perché ho pagato le spese di spedizione?", "shipping_cost"),
        ("¿Por qué me cobraron gastos de envío?", "shipping_cost"),
        ("Waarom betaal ik verzendkosten?", "shipping_cost"),
        ("Dlaczego zapłaciłem koszty wysyłki?", "shipping_cost"),
        ("Varför fick jag betala fraktkostnad?", "shipping_cost"),
        ("Ich bin bis zum 12. im Urlaub, bitte später liefern.", "buyer_away"),
        ("I am on holiday next week, can you hold the parcel?", "buyer_away"),
        ("Je serai en vacances jusqu'au 5.", "buyer_away"),
        ("Sarò in vacanza fino a lunedì.", "buyer_away"),
        ("Estaré de vacaciones hasta el lunes.", "buyer_away"),
        ("Ik ben op vakantie tot zondag.", "buyer_away"),
        ("Będę na urlopie do piątku.", "buyer_away"),
        ("Jag är på semester till måndag.", "buyer_away"),
        ("Das Paket war leer, nur die Verpackung!", "missing_main_item"),
        ("The box was empty when it arrived.", "missing_main_item"),
        ("Le colis était vide.", "missing_main_item"),
        ("Il pacco era vuoto.", "missing_main_item"),
        ("El paquete estaba vacío.", "missing_main_item"),
        ("Het pakket was leeg.", "missing_main_item"),
        ("Paczka była pusta.", "missing_main_item"),
        ("Paketet var tomt.", "missing_main_item"),
        ("The package arrived empty.", "missing_main_item"),
        ("Das Paket ist leer angekommen.", "missing_main_item"),
        ("Pudełko było puste.", "missing_main_item"),
        ("Paczka przyszła bez produktu.", "missing_main_item"),
        ("I won’t be home on Friday.", "buyer_away"),
        ("Les frais d’envoi sont trop élevés.", "shipping_cost"),
    ],
)
def test_each_situation_is_found_in_every_marketplace_language(text: str, template: str) -> None:
    assert [s.template for s, _ in situations(text)] == [template]


@pytest.mark.parametrize(
    "text",
    [
        "Wann wird meine Bestellung versandt?",  # shipping, not its cost
        "Ti porto la scatola domani.",  # Italian "porto" is "I bring"
        "The item arrived, but the charger is missing.",  # an accessory: missing parts, not the item
        "Ich bin zu Hause, aber der Bote hat nicht geklingelt.",  # home, not away
        "Bitte schicken Sie mir die Rechnung.",
        "My mailbox was empty, no parcel card either.",  # a mailbox is no parcel
        "Die Paketbox war leer, wo ist meine Sendung?",
        "Can I return it without the item's original box?",
        "Not only the box but also the product is damaged.",
        "Le colis n'est pas chez moi.",
        "Het pakket is onderweg tot morgen.",
        "Var är frakten?",
    ],
)
def test_ordinary_messages_show_no_situation(text: str) -> None:
    assert situations(text) == []


def test_the_template_comes_first_within_its_intent_else_second() -> None:
    [(empty, _)] = situations("The box was empty.")
    assert bring_forward(["missing_parts", "damaged"], "missing_parts", [(empty, "")]) == [
        "missing_main_item",
        "missing_parts",
        "damaged",
    ]
    [(away, _)] = situations("I'm on holiday.")
    assert bring_forward(["where_is_my_order", "late_or_lost"], "where_is_my_order", [(away, "")]) == [
        "where_is_my_order",
        "buyer_away",
        "late_or_lost",
    ]
    assert bring_forward(["acknowledgement"], "other", [(away, "")]) == ["buyer_away", "acknowledgement"]


def test_the_card_says_which_words_brought_the_template_forward() -> None:
    result = classify("Hello, where is my order? I'll be on holiday from Friday.")
    assert result.templates[:2] == ["where_is_my_order", "buyer_away"]
    assert "buyer away (“on holiday”)" in result.reason
    quoted = classify("Danke.\n\n> Am 3. schrieb Shop: Wir sind im Urlaub bis Montag.")
    assert "buyer_away" not in quoted.templates[:2]  # only the buyer's own new words count
