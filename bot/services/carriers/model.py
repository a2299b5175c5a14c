"""The normalised tracking result every provider returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Where a package is, in the same words for every carrier."""

    LABEL_CREATED = "label_created"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNED = "returned"
    UNKNOWN = "unknown"


FINAL = {Status.DELIVERED, Status.RETURNED}


@dataclass(frozen=True)
class Event:
    """One scan: when, what, where."""

    time: datetime | None
    description: str
    location: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON with the time as ISO 8601."""
        return {
            "time": self.time.isoformat() if self.time else None,
            "description": self.description,
            "location": self.location,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Event | None:
        """The inverse of to_json (None stays None)."""
        if not data:
            return None
        time = data.get("time")
        return cls(
            time=datetime.fromisoformat(time) if time else None,
            description=str(data.get("description") or ""),
            location=data.get("location"),
        )


@dataclass(frozen=True)
class Tracking:
    """A package's tracking as the team sees it; `error` says why live data is missing."""

    carrier: str
    tracking_number: str
    status: Status = Status.UNKNOWN
    last_event: Event | None = None
    estimated_delivery: datetime | None = None
    link: str | None = None
    provider: str | None = None
    error: str | None = None
    events: list[Event] = field(default_factory=list)
    proof: str | None = None  # the carrier's proof of delivery in words (who signed, where, a document link)

    @property
    def final(self) -> bool:
        """Whether the package will not move any more (no further lookups)."""
        return self.status in FINAL

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of `inbox-bot track --json`."""
        return {
            "carrier": self.carrier,
            "tracking_number": self.tracking_number,
            "status": self.status.value,
            "last_event": self.last_event.to_json() if self.last_event else None,
            "estimated_delivery": self.estimated_delivery.isoformat() if self.estimated_delivery else None,
            "link": self.link,
            "provider": self.provider,
            "error": self.error,
        }


def as_dict(obj: Any) -> dict[str, Any]:
    """A dataclass as a plain dict (for logs and tests)."""
    return asdict(obj)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time from a carrier's answer ('Z' allowed; no zone means UTC); None if absent or bad."""
    if not value or not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
