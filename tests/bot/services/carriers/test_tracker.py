"""The one door for tracking: which provider, what comes back on failure, and the link that is always there."""

from __future__ import annotations

import logging

import httpx
import pytest

from bot.errors import NotFoundError, UpstreamError
from bot.sandbox.fake_services import FakeServices, ParcelEvent
from bot.services.carriers.model import Status, Tracking
from bot.services.carriers.tracker import Tracker, providers_from
from bot.settings_sources import settings_from
from tests.bot.services.carriers.conftest import DHL_NUMBER, UPS_NUMBER, no_wait, parcel, tracker


async def test_routes_choose_the_provider_and_no_keys_still_give_a_link(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    fake_services.parcels[DHL_NUMBER] = parcel(DHL_NUMBER, "dhl", ParcelEvent(1, "transit", "Unterwegs"))
    t = await tracker(fake_services, http, tracking_providers="*=17track").track(DHL_NUMBER, carrier="dhl")
    assert t.provider == "17track" and fake_services.count("dhl") == 0
    bare = Tracker(settings_from(), {})
    t = await bare.track("TBA123456789012")
    assert (t.carrier, t.status, t.provider, t.error) == ("amazon", Status.UNKNOWN, None, None)
    assert t.link == "https://track.amazon.com/tracking/TBA123456789012"


class Answering:
    """A provider that answers every lookup with the same Tracking (or raises the same error), counting lookups."""

    def __init__(self, name: str, answer: Tracking | UpstreamError) -> None:
        self.name = name
        self.answer = answer
        self.lookups: list[tuple[str, str | None]] = []

    async def track(self, number: str, carrier: str | None) -> Tracking:
        self.lookups.append((number, carrier))
        if isinstance(self.answer, UpstreamError):
            raise self.answer
        return self.answer


async def test_providers_are_made_only_for_services_with_keys(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    client = http
    full = providers_from(settings_from(**fake_services.urls(fake_services.base_url)), client)
    assert {name: p.name for name, p in full.items()} == {
        "dhl": "dhl",
        "17track": "17track",
        "ups": "ups",
        "fedex": "fedex",
        "usps": "usps",
    }
    assert providers_from(settings_from(), client) == {}
    half = providers_from(settings_from(ups_client_id="id", fedex_client_secret="secret"), client)
    assert half == {}  # OAuth needs both the client id and its secret


def test_the_provider_is_the_route_then_the_carriers_own_then_the_aggregator() -> None:
    own = {name: Answering(name, Tracking(name, "N")) for name in ("dhl", "ups", "17track")}
    routed = Tracker(settings_from(tracking_providers="ups=17track"), dict(own))
    assert routed.provider_for("ups") is own["17track"]  # the route
    assert routed.provider_for("dhl") is own["dhl"]  # the carrier's own
    assert routed.provider_for("hermes") is own["17track"]  # the aggregator for the rest
    assert routed.provider_for(None) is own["17track"]
    everything = Tracker(settings_from(tracking_providers="*=dhl"), dict(own))
    assert everything.provider_for("ups") is own["dhl"]
    without_aggregator = Tracker(settings_from(), {"dhl": own["dhl"]})
    assert without_aggregator.provider_for("hermes") is None


def test_a_route_to_a_provider_without_key_is_warned_about_and_gives_links_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.services.carriers.tracker")
    t = Tracker(settings_from(tracking_providers="ups=ups"), {})
    assert "have no API key" in caplog.text and "ups" in caplog.text
    assert t.provider_for("ups") is None


async def test_the_number_is_normalised_and_the_carrier_detected(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    fake_services.parcels[UPS_NUMBER] = parcel(UPS_NUMBER, "ups", ParcelEvent(2, "transit", "Departed"))
    t = await tracker(fake_services, http).track(" 1z999aa1-0123456784 ")
    assert (t.carrier, t.tracking_number, t.status) == ("ups", UPS_NUMBER, Status.IN_TRANSIT)
    assert t.link == f"https://www.ups.com/track?tracknum={UPS_NUMBER}"


async def test_an_unrecognised_number_gets_the_universal_link() -> None:
    t = await Tracker(settings_from(), {}).track("XYZ")
    assert (t.carrier, t.tracking_number, t.provider) == ("unknown", "XYZ", None)
    assert t.link == "https://t.17track.net/en#nums=XYZ"


async def test_carrier_number_and_link_are_the_trackers_not_the_providers() -> None:
    answer = Tracking("somebody", "other", Status.DELIVERED, link="https://elsewhere", provider="agg")
    agg = Answering("17track", answer)
    t = await Tracker(settings_from(), {"17track": agg}).track(
        "00340434 161094042557", carrier_name="DHL Paket"
    )
    assert (t.carrier, t.tracking_number, t.status, t.provider) == (
        "dhl",
        DHL_NUMBER,
        Status.DELIVERED,
        "agg",
    )
    assert t.link is not None and t.link.endswith(f"piececode={DHL_NUMBER}")
    assert agg.lookups == [(DHL_NUMBER, "dhl")]


async def test_failures_come_back_as_errors_with_carrier_number_and_link(
    fake_services: FakeServices, http: httpx.AsyncClient
) -> None:
    fake_services.fail("dhl", 503, {"title": "Service Unavailable"}, times=2)
    settings = settings_from(**fake_services.urls(fake_services.base_url))
    t = await Tracker(settings, providers_from(settings, http), attempts=2, sleep=no_wait).track(
        DHL_NUMBER, carrier="dhl"
    )
    assert (t.carrier, t.tracking_number, t.status, t.provider) == ("dhl", DHL_NUMBER, Status.UNKNOWN, "dhl")
    assert t.error is not None and "503" in t.error and not t.error.startswith("not found")
    assert t.link is not None and DHL_NUMBER in t.link
    assert fake_services.count("dhl") == 2  # the tracker's number of attempts


async def test_not_found_is_said_and_not_retried() -> None:
    agg = Answering("17track", NotFoundError("17TRACK", "no such number"))
    t = await Tracker(settings_from(), {"17track": agg}, sleep=no_wait).track(UPS_NUMBER)
    assert t.error == "not found: 17TRACK: no such number"
    assert (t.provider, t.status, len(agg.lookups)) == ("17track", Status.UNKNOWN, 1)
