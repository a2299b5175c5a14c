"""Tracking providers on httpx: DHL's Unified API (direct) and 17TRACK (an aggregator for every carrier)."""

from __future__ import annotations

import logging
from typing import Any, Protocol

import httpx
from aiolimiter import AsyncLimiter

from bot.errors import NotFoundError, UpstreamError
from bot.services.carriers.model import Event, Status, Tracking, parse_time
from bot.services.http import RATE_MARGIN, request_json

log = logging.getLogger(__name__)


class Provider(Protocol):
    """Something that looks up one package."""

    name: str

    async def track(self, number: str, carrier: str | None) -> Tracking:
        """The package's tracking; raises UpstreamError when the service fails."""
        ...


# ---- DHL Shipment Tracking – Unified ---------------------------------------------------------------

DHL_STATUS = {
    "pre-transit": Status.LABEL_CREATED,
    "transit": Status.IN_TRANSIT,
    "delivered": Status.DELIVERED,
    "failure": Status.EXCEPTION,
    "unknown": Status.UNKNOWN,
}
OUT_FOR_DELIVERY_WORDS = ("out for delivery", "in zustellung", "zustellfahrzeug", "wird heute zugestellt")
RETURN_WORDS = ("returned to sender", "rücksendung", "zurück an absender", "an den absender zurück")


def _dhl_place(status: dict[str, Any]) -> str | None:
    address = (status.get("location") or {}).get("address") or {}
    parts = [address.get("postalCode"), address.get("addressLocality"), address.get("countryCode")]
    text = " ".join(str(p) for p in parts if p)
    return text or None


def _dhl_event(status: dict[str, Any]) -> Event:
    text = status.get("description") or status.get("status") or ""
    return Event(time=parse_time(status.get("timestamp")), description=str(text), location=_dhl_place(status))


def _dhl_proof(details: dict[str, Any]) -> str | None:
    """DHL's proof of delivery (`details.proofOfDelivery`: when, who signed, the document and signature links)."""
    proof = details.get("proofOfDelivery")
    if not isinstance(proof, dict) or not proof:
        signed_available = details.get("proofOfDeliverySignedAvailable")
        return "a signed proof of delivery is available from DHL" if signed_available else None
    signed: dict[str, Any] = proof["signed"] if isinstance(proof.get("signed"), dict) else {}
    names = (signed.get("givenName"), signed.get("familyName"))
    who = signed.get("name") or " ".join(str(n) for n in names if n)
    parts = [f"signed by {who}" if who else "delivered"]
    if proof.get("timestamp"):
        parts.append(f"at {proof['timestamp']}")
    for label, key in (("document", "documentUrl"), ("signature", "signatureUrl")):
        if proof.get(key):
            parts.append(f"{label}: {proof[key]}")
    return ", ".join(parts)


def parse_dhl(number: str, data: dict[str, Any]) -> Tracking:
    """A DHL Unified API answer (`shipments[0]`) as a normalised Tracking."""
    shipments = data.get("shipments") or []
    if not shipments:
        raise NotFoundError("DHL", f"no shipment {number}")
    shipment = shipments[0]
    status = shipment.get("status") or {}
    normalised = DHL_STATUS.get(str(status.get("statusCode", "unknown")).lower(), Status.UNKNOWN)
    words = f"{status.get('status', '')} {status.get('description', '')}".lower()
    if normalised is Status.IN_TRANSIT and any(w in words for w in OUT_FOR_DELIVERY_WORDS):
        normalised = Status.OUT_FOR_DELIVERY
    if any(w in words for w in RETURN_WORDS) and normalised in (Status.DELIVERED, Status.EXCEPTION):
        normalised = Status.RETURNED
    events = [_dhl_event(e) for e in shipment.get("events") or [] if isinstance(e, dict)]
    return Tracking(
        carrier="dhl",
        tracking_number=str(shipment.get("id") or number),
        status=normalised,
        last_event=_dhl_event(status) if status else (events[0] if events else None),
        estimated_delivery=parse_time(shipment.get("estimatedTimeOfDelivery")),
        provider="dhl",
        events=events,
        proof=_dhl_proof(shipment.get("details") or {}),
    )


class DhlProvider:
    """DHL Shipment Tracking – Unified (`GET /track/shipments`, header DHL-API-Key), 1 call per second."""

    name = "dhl"

    def __init__(
        self, client: httpx.AsyncClient, *, base_url: str, api_key: str, language: str = "de"
    ) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.language = language
        self.limiter = AsyncLimiter(1, 1.0 / RATE_MARGIN)  # DHL allows 1 call per second

    async def track(self, number: str, carrier: str | None) -> Tracking:
        """Look up one DHL Paket / Express number."""
        async with self.limiter:
            data = await request_json(
                self.client,
                "GET",
                f"{self.base_url}/track/shipments",
                service="DHL",
                params={"trackingNumber": number, "service": "parcel-de", "language": self.language},
                headers={"DHL-API-Key": self.api_key, "accept": "application/json"},
                detail=lambda d: (d.get("detail") or d.get("title")) if isinstance(d, dict) else None,
            )
        return parse_dhl(number, data)


# ---- 17TRACK API v2.2 ------------------------------------------------------------------------------

SEVENTEEN_STATUS = {
    "NotFound": Status.UNKNOWN,
    "InfoReceived": Status.LABEL_CREATED,
    "InTransit": Status.IN_TRANSIT,
    "AvailableForPickup": Status.IN_TRANSIT,
    "OutForDelivery": Status.OUT_FOR_DELIVERY,
    "DeliveryFailure": Status.EXCEPTION,
    "Delivered": Status.DELIVERED,
    "Exception": Status.EXCEPTION,
    "Expired": Status.UNKNOWN,
}
NOT_REGISTERED = -18019902


def parse_seventeentrack(number: str, item: dict[str, Any], carrier: str | None) -> Tracking:
    """One accepted item of 17TRACK's `gettrackinfo` as a normalised Tracking."""
    info = item.get("track_info") or {}
    latest = info.get("latest_status") or {}
    status = SEVENTEEN_STATUS.get(str(latest.get("status")), Status.UNKNOWN)
    if str(latest.get("sub_status", "")).startswith(("Exception_Returning", "Exception_Returned")):
        status = Status.RETURNED
    event = info.get("latest_event") or {}
    last = (
        Event(
            time=parse_time(event.get("time_utc") or event.get("time_iso")),
            description=str(event.get("description") or ""),
            location=event.get("location") or None,
        )
        if event
        else None
    )
    eta = ((info.get("time_metrics") or {}).get("estimated_delivery_date") or {}).get("to")
    return Tracking(
        carrier=carrier or "unknown",
        tracking_number=str(item.get("number") or number),
        status=status,
        last_event=last,
        estimated_delivery=parse_time(eta),
        provider="17track",
    )


class SeventeenTrackProvider:
    """17TRACK v2.2: `gettrackinfo`, registering a number first when 17TRACK does not follow it yet."""

    name = "17track"

    def __init__(self, client: httpx.AsyncClient, *, base_url: str, api_key: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.limiter = AsyncLimiter(3, 1.0)

    async def _call(self, path: str, body: list[dict[str, Any]]) -> dict[str, Any]:
        async with self.limiter:
            data = await request_json(
                self.client,
                "POST",
                f"{self.base_url}/{path}",
                service="17TRACK",
                json=body,
                headers={"17token": self.api_key, "content-type": "application/json"},
            )
        if not isinstance(data, dict) or data.get("code") != 0:
            raise UpstreamError(
                "17TRACK", f"{path} answered code {data.get('code') if isinstance(data, dict) else '?'}"
            )
        return dict(data.get("data") or {})

    async def track(self, number: str, carrier: str | None) -> Tracking:
        """Look up one number with any carrier."""
        data = await self._call("gettrackinfo", [{"number": number}])
        for item in data.get("accepted") or []:
            return parse_seventeentrack(number, item, carrier)
        rejected = (data.get("rejected") or [{}])[0].get("error") or {}
        if rejected.get("code") == NOT_REGISTERED:
            await self._call("register", [{"number": number}])
            log.info("17TRACK now follows %s; first data arrives on a later lookup", number)
            raise UpstreamError("17TRACK", "number registered just now; tracking follows shortly")
        raise NotFoundError("17TRACK", str(rejected.get("message") or f"{number} was rejected"))
