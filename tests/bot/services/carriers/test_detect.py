"""Carrier detection from Amazon's carrier field and from number shapes, and the public links."""

from __future__ import annotations

import pytest

from bot.services.carriers.detect import (
    carrier_from_name,
    detect_carrier,
    detect_carriers,
    marketplace_country,
    normalise_number,
    tracking_link,
)


@pytest.mark.parametrize(
    ("name", "carrier"),
    [
        ("DHL", "dhl"),
        ("DHL Paket", "dhl"),
        ("Deutsche Post", "dhl"),
        ("DPD", "dpd"),
        ("GLS", "gls"),
        ("Hermes Einrichtungs Service", "hermes"),
        ("Evri", "hermes"),
        ("UPS Standard", "ups"),
        ("FedEx Ground", "fedex"),
        ("USPS", "usps"),
        ("Amazon Logistics", "amazon"),
        ("AMZN_UK", "amazon"),
        ("Royal Mail", "royalmail"),
        ("Other", None),
        ("", None),
        (None, None),
    ],
)
def test_amazon_carrier_field(name: str | None, carrier: str | None) -> None:
    assert carrier_from_name(name) == carrier


@pytest.mark.parametrize(
    ("number", "country", "carrier"),
    [
        ("1Z999AA10123456784", None, "ups"),
        ("1z 999 aa1 0123456784", "de", "ups"),
        ("TBA123456789012", None, "amazon"),
        ("JJD000390007890123456", None, "dhl"),
        ("00340434161094042557", None, "dhl"),
        ("340434161094", "de", "dhl"),  # 12 digits: DHL Paket in Germany …
        ("340434161094", "us", "fedex"),  # … FedEx Express in the US
        ("01234567890123", "de", "dpd"),  # 14 digits starting with 0: DPD
        ("H1002345678901234567", None, "hermes"),
        ("9400111899223197428490", "us", "usps"),
        ("9611020987654312345672", "us", "fedex"),  # FedEx Ground 96…
        ("123456789012345", "us", "fedex"),
        ("12345678901", "de", "gls"),
        ("RR123456785DE", None, "dhl"),  # UPU S10 with a valid check digit: by origin country
        ("RR123456785US", None, "usps"),
        ("RR123456785GB", None, "royalmail"),
    ],
)
def test_number_shapes(number: str, country: str | None, carrier: str) -> None:
    assert detect_carrier(number, country=country) == carrier


@pytest.mark.parametrize("number", ["", "hello", "123", "1Z12", "TBA12", "ABCDEFGHIJKLMNOP"])
def test_unknown_shapes_give_no_carrier(number: str) -> None:
    assert detect_carriers(number) == []
    assert detect_carrier(number) is None


def test_s10_numbers_go_by_their_country_suffix() -> None:
    assert detect_carriers("RR123456784DE") == ["dhl"]  # a typo in the check digit: still Deutsche Post's
    assert detect_carriers("RR123456784US") == ["usps"]
    assert detect_carriers("RR123456785FR") == ["postal"]  # another post: the universal link serves it
    assert tracking_link("postal", "RR123456785FR") == "https://t.17track.net/en#nums=RR123456785FR"


def test_the_carrier_field_wins_over_the_number() -> None:
    assert detect_carrier("340434161094", name="FedEx", country="de") == "fedex"


def test_links_for_every_carrier_and_a_universal_one() -> None:
    assert tracking_link("dhl", "0034 0434") == (
        "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=00340434"
    )
    for carrier in ("dhl", "dpd", "gls", "hermes", "ups", "fedex", "usps", "amazon"):
        assert tracking_link(carrier, "X1").startswith("https://") and "X1" in tracking_link(carrier, "X1")
    assert tracking_link(None, "ABC 1") == "https://t.17track.net/en#nums=ABC1"
    assert tracking_link("dhl", "a&b").endswith("A%26B")  # a number can never inject URL parts


def test_helpers() -> None:
    assert normalise_number(" 1z-999 aa1 ") == "1Z999AA1"
    assert marketplace_country("amazon.co.uk") == "gb"
    assert marketplace_country("amazon.com") == "us"
    assert marketplace_country("amazon.de") == "de"
    assert marketplace_country(None) is None
