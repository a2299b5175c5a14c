"""SP-API's regions and their marketplaces: an endpoint answers only for its own region's marketplaces."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

# The SP-API regions' marketplaces (an endpoint answers only for its own region's marketplaces); the rest are "eu".
REGION_MARKETPLACES = {
    "na": {"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8", "A2Q3Y263D00KWC"},
    "fe": {"A1VC38T7YXB528", "A39IBJ37TRP1C6", "A19VAU5U5O7RUS"},
}


def in_region(marketplace_id: str, region: str) -> bool:
    """Whether a marketplace is served by the SP-API endpoint of `region` (na, eu, fe)."""
    if region in REGION_MARKETPLACES:
        return marketplace_id in REGION_MARKETPLACES[region]
    return not any(marketplace_id in ids for ids in REGION_MARKETPLACES.values())


def region_of(marketplace_id: str) -> str:
    """The SP-API region serving a marketplace."""
    return next((region for region, ids in REGION_MARKETPLACES.items() if marketplace_id in ids), "eu")
