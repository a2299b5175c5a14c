"""Reviews, incentives, off-Amazon contact, marketing and opt-out wording in eight languages, with their context."""

from __future__ import annotations

import pytest

from bot.replies.wording import findings, reading


def rules(text: str) -> set[str]:
    return {rule for rule, _, _ in findings(text)}


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Über eine gute Bewertung würden wir uns freuen.", "review_request"),
        ("We'd love a 5-star review!", "review_request"),
        ("Laissez-nous cinq étoiles, merci !", "review_request"),
        ("Una recensione sarebbe gradita.", "review_request"),
        ("Laat een beoordeling achter op de productpagina.", "review_request"),
        ("Prosimy o wystawienie opinii.", "review_request"),
        ("Lämna gärna ett omdöme.", "review_request"),
        ("A little r3view of our shop would be great", "review_request"),
        ("Mit dem Code DANKE10 sparen Sie 10 %.", "incentive"),
        ("En ruil voor een eerlijke recensie sturen we een cadeaubon.", "incentive"),
        ("We refund £10 if you agree to close the A-to-z claim.", "incentive"),
        ("Schreiben Sie uns auf WhatsApp.", "off_amazon_contact"),
        ("Kaufen Sie ihn bei uns auf eBay.", "off_amazon_contact"),
        ("Rufen Sie uns einfach an.", "off_amazon_contact"),
        ("E-mail us directly rather than using Amazon messages.", "off_amazon_contact"),
        ("Check out our new products!", "marketing"),
        ("Abonnez-vous à notre newsletter.", "marketing"),
        ("Ab Montag läuft unser Sommerschlussverkauf.", "marketing"),
        ("Antworten Sie einfach mit STOP.", "opt_out"),
        ("Para no recibir más mensajes, responda BAJA.", "opt_out"),
    ],
)
def test_what_a_reply_must_not_ask_or_offer_is_found(text: str, rule: str) -> None:
    assert rule in rules(text)


@pytest.mark.parametrize(
    "text",
    [
        "Für die Bewertung des Schadens bitten wir um ein Foto.",
        "Ihr Feedback zur Verpackung haben wir weitergegeben.",
        "We will review your case and reply within 24 hours.",
        "Un avis de passage a été déposé dans votre boîte aux lettres.",
        "À notre avis, la fissure vient du transport.",
        "Per la valutazione del danno Le chiediamo una foto.",
        "En nuestra opinión, la costura se soltó.",
        "Wir senden Ihnen gratis Ersatz für die beschädigte Tasse.",
        "We recommend a cold machine wash.",
        "Der Rückversand ist kostenlos.",
        "Se il pacco non arriva, risponda a questo messaggio: la ricontattiamo subito.",
        "Kurier zadzwoni do Pana dzień przed dostawą.",
        "Dopo una valutazione delle foto abbiamo deciso di sostituire il vaso.",
        "Ya está reparada y sale hoy con SEUR.",
        "Guten Tag Herr Koch, Ihr Feedback haben wir an unsere Produktion weitergegeben.",
        "We have refunded the order with Amazon so the claim can be closed.",
    ],
)
def test_harmless_uses_of_risky_words_pass(text: str) -> None:
    assert rules(text) == set()


def test_leetspeak_is_read_inside_words_only() -> None:
    assert reading("R3view 0pinia") == "review opinia"
    assert reading("Paket 00340434161094042557 am 24.11.") == "paket 00340434161094042557 am 24.11."
