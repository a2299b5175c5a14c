"""Links and bare domains by the Public Suffix List, and Amazon's allowlist by exact registrable domain."""

from __future__ import annotations

import pytest

from bot.replies.domains import links, registrable

CARRIERS = ["dhl.de", "ups.com"]


def found(text: str) -> list[tuple[str, bool]]:
    return [(link.host, link.problem is None) for link in links(text, CARRIERS)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Besuchen Sie meinshop.online", [("meinshop.online", False)]),
        ("shop.xyz und mojsklep.pl", [("shop.xyz", False), ("mojsklep.pl", False)]),
        ("https://evil.example?.amazon.de", [("evil.example", False)]),
        ("https://evil.example#amazon.de", [("evil.example", False)]),
        ("https://evil.example\\amazon.de", [("evil.example", False)]),
        ("https://amazon.de@evil.example", [("evil.example", False)]),
        ("https://amazon.de.evil.online/x", [("amazon.de.evil.online", False)]),
        ("https://www.amazon.de/gp/your-account/order-history", [("www.amazon.de", True)]),
        ("https://nolp.dhl.de/nextt-online-public/set_identcodes.do?idc=1", [("nolp.dhl.de", True)]),
        ("Ihr Paket: https://www.ups.com/track?tracknum=1Z999AA10123456784", [("www.ups.com", True)]),
    ],
)
def test_links_are_found_and_judged(text: str, expected: list[tuple[str, bool]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Das Paket kommt morgen an.Es tut uns leid",  # a missing space after a full stop
        "Die Anleitung manual.de.pdf und rechnung.zip liegen bei",  # file names
        "Version 2.0.1, um 10.30 Uhr, z.B. morgen",
    ],
)
def test_what_is_no_domain_is_left_alone(text: str) -> None:
    assert found(text) == []


def test_registrable_domains_come_from_the_public_suffix_list() -> None:
    assert registrable("sellercentral.amazon.co.uk") == "amazon.co.uk"
    assert registrable("track.dhl.de") == "dhl.de"
    assert registrable("manual.pdf") is None
