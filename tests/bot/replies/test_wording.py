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


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (
            "Wenn es Ihnen gefällt, erzählen Sie doch anderen Käufern davon, das würde uns helfen.",
            "review_request",
        ),
        ("Sur une échelle de 1 à 5, que pensez-vous de notre service ?", "review_request"),
        ("Ein paar Sterne in unserem Verkäuferprofil wären schön.", "review_request"),
        ("Wir haben Ihren Kommentar gelesen. Könnten Sie ihn jetzt löschen?", "review_request"),
        ("Tell us once your post is live and we ship the gift.", "review_request"),
        ("Als kleines Dankeschön legen wir Ihnen gratis ein zweites Paar bei.", "incentive"),
        ("Wir erstatten 15 €, wenn Sie im Gegenzug Ihren A-bis-z-Garantieantrag zurückziehen.", "incentive"),
        ("Ab 50 Stück können Sie direkt bei uns bestellen, ohne die Amazon-Gebühren.", "off_amazon_contact"),
        ("In onze eigen webwinkel hebben we er nog drie.", "off_amazon_contact"),
        ("Nur noch bis Sonntag ist alles 30 % günstiger.", "marketing"),
        ("Découvrez -30 % sur toutes les guirlandes.", "marketing"),
        ("Svara STOPP om du inte vill ha fler meddelanden.", "opt_out"),
    ],
)
def test_review_incentive_and_contact_asked_without_the_usual_words(text: str, rule: str) -> None:
    assert rule in {r for r, _, _ in findings(text)}


@pytest.mark.parametrize(
    "text",
    [
        "The star rating on the heater's label is its energy efficiency class.",
        "Le quattro stelle sul congelatore indicano la classe di congelazione.",
        "Andere Kunden haben berichtet, dass der Filter nach dem Wechsel wieder passt.",
        "On a scale of 1 to 10, how loud is the noise?",
        "Die Produktseite wurde aktualisiert; die Maße stimmen jetzt.",
        "You can return it without any cost through the Amazon Returns Centre.",
    ],
)
def test_lookalikes_of_those_pass(text: str) -> None:
    assert list(findings(text)) == []
