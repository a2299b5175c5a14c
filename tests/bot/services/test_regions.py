"""SP-API's regions and their marketplaces."""

from __future__ import annotations

from bot.services.regions import in_region, region_of


def test_each_marketplace_has_its_sp_api_region() -> None:

    assert region_of("A1PA6795UKMFR9") == "eu" and region_of("A1F83G8C2ARO7P") == "eu"
    assert region_of("ATVPDKIKX0DER") == "na" and region_of("A2Q3Y263D00KWC") == "na"
    assert region_of("A1VC38T7YXB528") == "fe"


def test_a_region_serves_only_its_marketplaces() -> None:
    assert in_region("A1PA6795UKMFR9", "eu") and not in_region("ATVPDKIKX0DER", "eu")
    assert (
        in_region("ATVPDKIKX0DER", "na")
        and in_region("A1VC38T7YXB528", "fe")
        and not in_region("A1PA6795UKMFR9", "fe")
    )
