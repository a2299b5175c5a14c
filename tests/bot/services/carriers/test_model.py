"""The normalised tracking result: statuses, events and their JSON, and carrier times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.services.carriers.model import FINAL, Event, Status, Tracking, as_dict, parse_time
from tests.support.clock import TEAM_TIME


def test_an_event_round_trips_through_json() -> None:
    event = Event(TEAM_TIME, "Die Sendung wurde zugestellt.", "Hamburg DE")
    data = event.to_json()
    assert data == {
        "time": TEAM_TIME.isoformat(),
        "description": "Die Sendung wurde zugestellt.",
        "location": "Hamburg DE",
    }
    assert Event.from_json(data) == event


def test_an_event_without_time_or_location_round_trips() -> None:
    event = Event(None, "Label created")
    assert event.to_json() == {"time": None, "description": "Label created", "location": None}
    assert Event.from_json(event.to_json()) == event


def test_from_json_of_nothing_is_nothing_and_missing_text_is_empty() -> None:
    assert Event.from_json(None) is None
    assert Event.from_json({}) is None
    assert Event.from_json({"location": "Berlin"}) == Event(None, "", "Berlin")


@pytest.mark.parametrize("status", list(Status))
def test_only_delivered_and_returned_packages_are_final(status: Status) -> None:
    assert Tracking("dhl", "N1", status).final is (status in (Status.DELIVERED, Status.RETURNED))


def test_final_statuses_are_delivered_and_returned() -> None:
    assert {Status.DELIVERED, Status.RETURNED} == FINAL


def test_tracking_defaults_to_unknown_without_events() -> None:
    t = Tracking("ups", "1Z999AA10123456784")
    assert (t.status, t.last_event, t.error, t.events) == (Status.UNKNOWN, None, None, [])
    assert Tracking("ups", "x").events is not t.events


def test_tracking_json_is_the_documented_shape() -> None:
    eta = TEAM_TIME + timedelta(days=1)
    t = Tracking(
        carrier="dhl",
        tracking_number="00340434161094042557",
        status=Status.OUT_FOR_DELIVERY,
        last_event=Event(TEAM_TIME, "In Zustellung", "Berlin DE"),
        estimated_delivery=eta,
        link="https://www.dhl.de/x",
        provider="dhl",
        events=[Event(TEAM_TIME, "In Zustellung", "Berlin DE")],
    )
    assert t.to_json() == {
        "carrier": "dhl",
        "tracking_number": "00340434161094042557",
        "status": "out_for_delivery",
        "last_event": {
            "time": TEAM_TIME.isoformat(),
            "description": "In Zustellung",
            "location": "Berlin DE",
        },
        "estimated_delivery": eta.isoformat(),
        "link": "https://www.dhl.de/x",
        "provider": "dhl",
        "error": None,
    }
    bare = Tracking("dhl", "N", error="DHL: rate limited").to_json()
    assert (bare["last_event"], bare["estimated_delivery"], bare["status"], bare["error"]) == (
        None,
        None,
        "unknown",
        "DHL: rate limited",
    )


def test_as_dict_turns_nested_dataclasses_into_dicts() -> None:
    d = as_dict(Tracking("dhl", "N", last_event=Event(None, "x")))
    assert d["last_event"] == {"time": None, "description": "x", "location": None}
    assert d["events"] == []


def test_parse_time_reads_z_and_offsets_and_takes_no_zone_as_utc() -> None:
    assert parse_time("2026-11-26T09:00:00Z") == datetime(2026, 11, 26, 9, tzinfo=UTC)
    with_offset = parse_time("2026-11-26T10:00:00+01:00")
    assert with_offset == datetime(2026, 11, 26, 9, tzinfo=UTC)
    assert with_offset is not None and with_offset.utcoffset() == timedelta(hours=1)
    naive = parse_time("2026-11-26T09:00:00")
    assert naive == datetime(2026, 11, 26, 9, tzinfo=UTC) and naive is not None and naive.tzinfo is UTC
    assert parse_time("2026-11-26") == datetime(2026, 11, 26, tzinfo=UTC)
    assert parse_time("2026-11-26T09:00:00-05:00") == datetime(
        2026, 11, 26, 9, tzinfo=timezone(timedelta(hours=-5))
    )


@pytest.mark.parametrize("value", [None, "", "yesterday", "2026-13-01T00:00:00Z", 1764147600, ["2026-11-26"]])
def test_parse_time_of_anything_else_is_none(value: object) -> None:
    assert parse_time(value) is None
