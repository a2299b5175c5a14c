"""The words before a number that say what it is: an id of a company or a product, or a number to call."""

from __future__ import annotations

from bot.replies.number_labels import COMPANY_ID, ID_LABEL, ID_NAMED, PHONE_WORDS, US_STATES


def test_labels_right_before_a_number_name_an_id() -> None:
    for before in ("SN ", "Charge: ", "part number ", "codice articolo ", "送り状番号:", "Rechnungsnummer "):
        assert ID_LABEL.search(before), before
    assert not ID_LABEL.search("送り状 ")  # a waybill alone is no number's label


def test_an_id_named_a_few_words_earlier_and_the_words_of_calling() -> None:
    assert ID_NAMED.search("Die Artikelnummer des Ersatzteils lautet ")
    assert PHONE_WORDS.search("our hotline is ") and PHONE_WORDS.search("Referencia de contacto: ")
    assert not PHONE_WORDS.search("the contact grill") and not PHONE_WORDS.search("support mural")
    assert not PHONE_WORDS.search("also shown online")


def test_company_ids_and_us_states() -> None:
    assert COMPANY_ID.search("Our EIN is ") and not COMPANY_ID.search("Für ein schnelles Gespräch: ")
    assert COMPANY_ID.search("CNPJ ") and COMPANY_ID.search("ondernemingsnummer BE ")
    assert "NV" in US_STATES and "SP" not in US_STATES
