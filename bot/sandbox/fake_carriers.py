"""The tracking services' stand-ins: DHL Shipment Tracking (Unified) and 17TRACK v2.2, in their wire formats."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.sandbox.fake_services import Parcel, ParcelEvent

log = logging.getLogger(__name__)

Json = dict[str, Any]

DHL_TO_17 = {
    "pre-transit": "InfoReceived",
    "transit": "InTransit",
    "out-for-delivery": "OutForDelivery",
    "delivered": "Delivered",
    "failure": "Exception",
    "unknown": "NotFound",
}


class CarrierRoutes:
    """Mixed into FakeServices: the carriers' tracking endpoints over the parcels it holds."""

    clock: Callable[[], datetime]
    dhl_key: str
    seventeen_key: str
    parcels: dict[str, Parcel]
    _registered: set[str]

    async def gate(self, service: str, what: str) -> web.Response | None:  # provided by FakeServices
        raise NotImplementedError

    # ---- DHL Shipment Tracking – Unified ----

    def _dhl_status(self, parcel: Parcel, event: ParcelEvent) -> Json:
        code = "transit" if event.code == "out-for-delivery" else event.code
        city, _, country = event.place.partition(", ")
        return {
            "timestamp": parcel.at(event),
            "location": {"address": {"addressLocality": city, "countryCode": country or "DE"}},
            "statusCode": code,
            "status": event.text,
            "description": event.text,
        }

    async def _dhl(self, request: web.Request) -> web.Response:
        number = request.query.get("trackingNumber", "")
        fault = await self.gate("dhl", number)
        if fault:
            return fault
        if request.headers.get("DHL-API-Key") != self.dhl_key:
            return web.json_response(
                {"status": 401, "title": "Unauthorized", "detail": "Invalid API key"}, status=401
            )
        parcel = self.parcels.get(number)
        seen = parcel.visible(self.clock()) if parcel and parcel.carrier == "dhl" else []
        if parcel is None or not seen:
            return web.json_response(
                {
                    "title": "No result found",
                    "status": 404,
                    "detail": "No shipment with given tracking number found.",
                },
                status=404,
                content_type="application/problem+json",
            )
        shipment: Json = {
            "id": number,
            "service": request.query.get("service", "parcel-de"),
            "status": self._dhl_status(parcel, seen[0]),
            "events": [self._dhl_status(parcel, e) for e in seen],
        }
        if seen[0].code == "delivered":
            details: Json = {"proofOfDeliverySignedAvailable": parcel.signed_by is not None}
            if parcel.signed_by:
                details["proofOfDelivery"] = {
                    "timestamp": parcel.at(seen[0]),
                    "signatureUrl": f"https://www.dhl.de/pod/{number}/signature",
                    "documentUrl": f"https://www.dhl.de/pod/{number}/document",
                    "signed": {"name": parcel.signed_by},
                }
            shipment["details"] = details
        if parcel.eta_hours is not None:
            eta = parcel.start + timedelta(hours=parcel.eta_hours)
            shipment["estimatedTimeOfDelivery"] = eta.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return web.json_response({"shipments": [shipment]})

    # ---- 17TRACK v2.2 ----

    async def _seventeen_body(
        self, request: web.Request, what: str
    ) -> tuple[list[Json], web.Response | None]:
        try:
            body = await request.json()
        except ValueError:
            body = None
        numbers = [str(b.get("number")) for b in body or [] if isinstance(b, dict)]
        fault = await self.gate("17track", f"{what}:{','.join(numbers)}")
        if fault:
            return [], fault
        if request.headers.get("17token") != self.seventeen_key:
            return [], web.json_response(
                {"code": -18010002, "data": {"errors": [{"message": "Invalid token"}]}}
            )
        return [b for b in body or [] if isinstance(b, dict)], None

    async def _seventeen_register(self, request: web.Request) -> web.Response:
        items, fault = await self._seventeen_body(request, "register")
        if fault:
            return fault
        accepted = []
        for item in items:
            self._registered.add(str(item["number"]))
            accepted.append({"origin": 1, "number": item["number"], "carrier": 0})
        return web.json_response({"code": 0, "data": {"accepted": accepted, "rejected": []}})

    async def _seventeen_quota(self, request: web.Request) -> web.Response:
        """`getquota`: the account's tracking quota (what `inbox-bot check` asks with the key)."""
        _, fault = await self._seventeen_body(request, "getquota")
        if fault:
            return fault
        used = len(self._registered)
        return web.json_response(
            {
                "code": 0,
                "data": {
                    "quota_total": 100,
                    "quota_used": used,
                    "quota_remain": max(0, 100 - used),
                    "today_used": used,
                    "max_track_daily": 0,
                },
            }
        )

    async def _seventeen_info(self, request: web.Request) -> web.Response:
        items, fault = await self._seventeen_body(request, "gettrackinfo")
        if fault:
            return fault
        accepted, rejected = [], []
        for item in items:
            number = str(item["number"])
            parcel = self.parcels.get(number)
            if number not in self._registered:
                rejected.append(
                    {
                        "number": number,
                        "error": {"code": -18019902, "message": "The tracking number is not registered."},
                    }
                )
                continue
            seen = parcel.visible(self.clock()) if parcel else []
            latest = seen[0] if seen else None
            info: Json = {
                "latest_status": {"status": DHL_TO_17.get(latest.code, "NotFound") if latest else "NotFound"},
                "latest_event": (
                    {
                        "time_iso": parcel.at(latest),
                        "time_utc": parcel.at(latest),
                        "description": latest.text,
                        "location": latest.place,
                        "stage": DHL_TO_17.get(latest.code),
                    }
                    if parcel and latest
                    else None
                ),
                "time_metrics": {},
            }
            if parcel and parcel.eta_hours is not None:
                eta = (parcel.start + timedelta(hours=parcel.eta_hours)).astimezone(UTC).isoformat()
                info["time_metrics"] = {
                    "estimated_delivery_date": {"source": "Official", "from": eta, "to": eta}
                }
            accepted.append({"number": number, "carrier": 0, "tag": None, "track_info": info})
        return web.json_response({"code": 0, "data": {"accepted": accepted, "rejected": rejected}})
