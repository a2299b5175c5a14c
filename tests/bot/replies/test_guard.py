"""The policy guard: each of Amazon's rules with texts that break it and texts that must pass."""

from __future__ import annotations

import pytest

from bot.replies.guard import MESSAGES, Policy

POLICY = Policy()
TRACKING = "00340434161094042557"


@pytest.mark.parametrize(
    ("rule", "bad"),
    [
        ("link", "Mehr Infos auf www.example-shop.de"),
        ("link", "See https://bit.ly/abc"),
        ("link", "Visit example-shop.com/returns for the form"),
        ("email_address", "Schreiben Sie an service@example-shop.de"),
        ("email_address", "contact: support.team+amz@shop.co.uk"),
        ("phone_number", "Rufen Sie +49 30 12345678 an"),
        ("phone_number", "Tel. 030/1234567"),
        ("phone_number", "call (555) 123-4567"),
        ("review_request", "Bitte bewerten Sie uns"),
        ("review_request", "We would love a 5 star review"),
        ("review_request", "Merci de laisser un avis"),
        ("review_request", "Lasciate una recensione"),
        ("review_request", "Déjenos su opinión"),
        ("incentive", "Mit dem Gutschein sparen Sie"),
        ("incentive", "Get 10% off your next order"),
        ("marketing", "Subscribe to our newsletter"),
        ("off_amazon_contact", "Schreiben Sie uns per WhatsApp"),
        ("off_amazon_contact", "Bestellen Sie direkt in unserem Onlineshop"),
        ("opt_out", "Click to unsubscribe"),
        ("emoji", "Danke 😊"),
        ("emoji", "Great ✅"),
        ("placeholder", "Hallo,\n[Hier die Antwort eintragen.]\nGruß"),
        ("empty", "   \n "),
    ],
)
def test_each_rule_catches_what_it_is_for(rule: str, bad: str) -> None:
    found = POLICY.check(bad)
    assert rule in [v.rule for v in found], found
    violation = next(v for v in found if v.rule == rule)
    assert violation.message == MESSAGES[rule] and violation.to_json()["rule"] == rule


@pytest.mark.parametrize(
    "good",
    [
        "Hallo Max, Ihre Bestellung 302-1234567-1234567 vom 24.11.2026 ist unterwegs.",
        f"Sendungsnummer {TRACKING}: https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={TRACKING}",
        "Track it at https://www.ups.com/track?tracknum=1Z999AA10123456784",
        "Die Rechnung finden Sie unter amazon.de in „Meine Bestellungen“.",
        "Your refund of 24.99 GBP is on its way; it takes 3-5 days.",
        "Wir bieten Ihnen zwei Möglichkeiten an:\n1. Ersatz\n2. Erstattung",
        "Gern helfen wir Ihnen weiter. Viele Grüße, Example Shop",
    ],
)
def test_ordinary_support_replies_pass(good: str) -> None:
    assert POLICY.check(good, allowed_numbers=[TRACKING]) == []


def test_attachments_and_proactive_messages() -> None:
    found = POLICY.check(
        "Anbei die Rechnung.",
        attachments=[("rechnung.pdf", "application/pdf"), ("x.exe", "application/x-msdownload")],
    )
    assert [v.rule for v in found] == ["attachment"] and "x.exe" in found[0].excerpt
    assert [
        v.rule
        for v in POLICY.check("Ihr Paket ist unterwegs.", order_id="302-1234567-1234567", proactive=True)
    ] == ["missing_order_id"]
    assert (
        POLICY.check(
            "Bestellung 302-1234567-1234567 ist unterwegs.", order_id="302-1234567-1234567", proactive=True
        )
        == []
    )


def test_rules_are_configurable() -> None:
    relaxed = Policy.from_settings(["emoji"], ["example-shop.de"])
    assert relaxed.check("Danke 😊 siehe example-shop.de/faq") == []
    with pytest.raises(ValueError, match=r"unknown guard rule\(s\)"):
        Policy.from_settings(["no_such_rule"], [])


def test_a_tracking_number_is_not_a_phone_number_but_other_long_numbers_are() -> None:
    assert POLICY.check(f"Sendung {TRACKING}", allowed_numbers=[TRACKING]) == []
    assert [v.rule for v in POLICY.check("Sendung 0151 23456789")] == ["phone_number"]


def test_tone_and_decoration_only_warn_and_every_finding_says_what_to_write_instead() -> None:
    found = {v.rule: v for v in Policy().check("Check out our new products 🙂 at https://example-shop.de")}
    assert found["marketing"].severity == "warn" and found["emoji"].severity == "warn"
    assert found["link"].severity == "block"
    assert (
        "name the page instead" in found["link"].explain()
        and "https://example-shop.de" in found["link"].explain()
    )
    assert all(v.suggestion for v in found.values())


def test_a_spelled_at_before_an_allowed_domain_is_a_place_not_an_address() -> None:
    from bot.replies.guard import Policy

    policy = Policy()
    assert policy.check("The larger size is in stock at amazon.co.uk/dp/B09XY4K2QZ.", lang="en") == []
    assert [v.rule for v in policy.check("Write to service at meinshop dot de please.", lang="en")] == [
        "email_address"
    ]
    assert [v.rule for v in policy.check("Mail us: help@amazon.de", lang="en")] == ["email_address"]


WITHDRAW_FOR_A_VOUCHER = {  # what an edited "A-to-z: solved" (a_to_z_resolved) must never add: a price for withdrawing
    "en": "If you withdraw the claim, we will send you a 10 € voucher.",
    "de": "Wenn Sie den Antrag zurückziehen, schicken wir Ihnen einen Gutschein über 10 €.",
    "fr": "Si vous retirez la réclamation, nous vous offrons un bon d'achat de 10 €.",
    "it": "Se ritira il reclamo, le inviamo un buono da 10 €.",
    "es": "Si retira la reclamación, le enviamos un cupón de 10 €.",
    "nl": "Als u de claim intrekt, sturen wij u een tegoedbon van 10 €.",
    "pl": "Jeśli wycofa Pan roszczenie, wyślemy bon o wartości 10 zł.",
    "sv": "Om du drar tillbaka anspråket skickar vi dig ett presentkort på 100 kr.",
    "pt": "Se retirar a reclamação, enviaremos um vale de 10 €.",
    "ja": "申し立てを取り下げていただければ、1000円分のクーポンをお送りします。",
}


@pytest.mark.parametrize("lang", sorted(WITHDRAW_FOR_A_VOUCHER))
@pytest.mark.parametrize("proactive", [False, True])
def test_asking_to_withdraw_a_solved_claim_passes_and_paying_for_it_is_blocked(
    lang: str, proactive: bool
) -> None:
    from bot.replies.library import Library

    context = {"order_id": "302-2222222-3333333", "signature": "Example Shop", "buyer_name": "Jane Doe"}
    rendered = Library.load(overlay=None, strict=False).render("a_to_z_resolved", lang, context)
    assert not rendered.language_fallback
    asked = POLICY.check(rendered.text, order_id=context["order_id"], lang=lang, proactive=proactive)
    assert [v for v in asked if v.severity == "block"] == []
    edited = rendered.text.replace("Example Shop", f"{WITHDRAW_FOR_A_VOUCHER[lang]}\n\nExample Shop")
    found = POLICY.check(edited, order_id=context["order_id"], lang=lang, proactive=proactive)
    assert [(v.rule, v.severity) for v in found if v.rule == "incentive"] == [("incentive", "block")]


@pytest.mark.parametrize(
    "bad",
    [
        "If you withdraw the claim, we will refund you 10 €.",
        "If you withdraw your A-to-z claim we send you a small gift.",
        "Once you have withdrawn the claim we will send you a gift card.",
    ],
)
def test_money_or_a_gift_for_withdrawing_a_claim_is_an_incentive(bad: str) -> None:
    assert [(v.rule, v.severity) for v in POLICY.check(bad, lang="en")] == [("incentive", "block")]
    assert POLICY.check("You can withdraw the claim if the matter is solved for you.", lang="en") == []


def test_a_text_longer_than_amazon_takes_is_refused_at_once_unless_that_rule_is_off() -> None:

    long_text = "a." * 20_000
    assert [v.rule for v in Policy().check(long_text)] == ["too_long"]
    assert "too_long" not in [
        v.rule for v in Policy(disabled={"too_long"}).check("call +49 30 1234567 " * 1200)
    ]
    assert "phone_number" in [
        v.rule for v in Policy(disabled={"too_long"}).check("call +49 30 1234567 " * 1200)
    ]
