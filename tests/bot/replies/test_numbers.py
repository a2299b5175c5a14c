"""Phone numbers by the regions' numbering plans; order ids, parcels, EANs, dates and prices are not phones."""

from __future__ import annotations

import pytest

from bot.replies.numbers import phone_numbers


def phones(text: str, lang: str | None = None) -> list[str]:
    return [p.raw for p in phone_numbers(text, lang=lang)]


@pytest.mark.parametrize(
    ("text", "lang", "phone"),
    [
        ("Rufen Sie uns an: 030 1234567", "de", "030 1234567"),
        ("Our number is +49 30 1234567.", None, "+49 30 1234567"),
        ("Appelez le 01 23 45 67 89", "fr", "01 23 45 67 89"),
        ("call (212) 736-5000", "en", "(212) 736-5000"),
        ("0049 30 123 45 67", None, "0049 30 123 45 67"),
        # a label near the number does not hide a phone: the hotline, a customer service, a mobile, a far-away plan
        ("Your tracking number is in the card; our hotline is +49 30 1234567.", "en", "+49 30 1234567"),
        ("Référence de notre service client : 01 23 45 67 89", "fr", "01 23 45 67 89"),
        ("お問い合わせ番号は 090-1234-5678 です。", "ja", "090-1234-5678"),
        ("Manda no zap (11) 3456-7890.", "pt", "(11) 3456-7890"),
        ("Für ein schnelles Gespräch: 0221 9876543", "de", "0221 9876543"),  # "ein" is no EIN
        ("Me chame no zap: SP 91234-5678", "pt", "91234-5678"),  # SP is no US state
        ("Referencia de contacto: 912 345 678", "es", "912 345 678"),
    ],
)
def test_phone_numbers_are_found(text: str, lang: str | None, phone: str) -> None:
    assert phones(text, lang) == [phone]


@pytest.mark.parametrize(
    "text",
    [
        "Bestellung 302-1234567-1234567 und 302 1234567 1234567",
        "Sendungsnummer 00340434161094042557, JJD000390007981234567",
        "USPS 9400 1000 0000 0000 0000 00, UPS 1Z999AA10123456784, GLS 12345678901",
        "EAN 4006381333931, Artikelnummer 123456789, Rechnung RE-2026-00417",
        "vom 24.11.-26.11.2026 um 14:30 Uhr für 19,99 €, 30 x 20 x 15 cm",
        "The invoice number is 1234 567890.",  # no language: Brazil's plan is not read
    ],
)
def test_numbers_that_are_no_phones_are_left_alone(text: str) -> None:
    assert phones(text) == []


def test_an_allowed_number_is_let_through() -> None:
    assert [p.raw for p in phone_numbers("Tel 030 1234567", allowed=frozenset({"0301234567"}))] == []


@pytest.mark.parametrize(
    "text", ["am 03.12.2026", "op 03-12-2026", "2026-12-03", "Fall 2025-118462", "EAN 0507495288398"]
)
def test_dates_case_numbers_and_barcodes_with_a_leading_zero_are_no_phones(text: str) -> None:
    assert phones(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "organisationsnummer 556677-8899",
        "USt-IdNr. DE 123 456 789",
        "NIP 123-456-32-18",
        "KvK 12345678",
        "serial SPK-0923-4471",
    ],
)
def test_company_and_tax_numbers_are_no_phones(text: str) -> None:
    assert phones(text) == []


def test_a_number_said_in_hyphen_joined_groups_is_a_phone_number() -> None:
    from bot.replies.numbers import spelled_numbers

    said = "Call null-eins-sieben-sechs, zwei-drei-vier / fünf-sechs-sieben-acht today"
    assert [p.raw for p in spelled_numbers(said)] == [
        "null-eins-sieben-sechs, zwei-drei-vier / fünf-sechs-sieben-acht"
    ]
    assert list(spelled_numbers("twenty-one, thirty-two items in one-two days")) == []
