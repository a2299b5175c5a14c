"""Stand-ins for the carriers' own APIs with OAuth: UPS Track v1, FedEx Track v1, USPS Tracking v3."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.sandbox.fake_services import FakeServices, Parcel, ParcelEvent

Json = dict[str, Any]
CLIENT_ID, CLIENT_SECRET = "demo-carrier-client", "demo-carrier-secret"

UPS_TYPE = {"pre-transit": "M", "transit": "I", "out-for-delivery": "O", "delivered": "D", "failure": "X"}
FEDEX_CODE = {
    "pre-transit": "IN",
    "transit": "IT",
    "out-for-delivery": "OD",
    "delivered": "DL",
    "failure": "DE",
}
USPS_CATEGORY = {
    "pre-transit": "Pre-Shipment",
    "transit": "In Transit",
    "out-for-delivery": "Out for Delivery",
    "delivered": "Delivered",
    "failure": "Alert",
}


class DirectCarriers:
    """OAuth token endpoints and tracking endpoints of UPS, FedEx and USPS over the shared parcels."""

    def __init__(self, services: FakeServices) -> None:
        self.services = services
        self.tokens: set[str] = set()

    def add_routes(self, app: web.Application) -> None:
        """Mount under /ups, /fedex and /usps."""
        app.router.add_post("/ups/security/v1/oauth/token", self._ups_token)
        app.router.add_get("/ups/api/track/v1/details/{number}", self._ups)
        app.router.add_post("/fedex/oauth/token", self._fedex_token)
        app.router.add_post("/fedex/track/v1/trackingnumbers", self._fedex)
        app.router.add_post("/usps/oauth2/v3/token", self._usps_token)
        app.router.add_get("/usps/tracking/v3/tracking/{number}", self._usps)

    def _issue(self) -> Json:
        token = secrets.token_urlsafe(16)
        self.tokens.add(token)
        return {"access_token": token, "token_type": "Bearer", "expires_in": 3599}

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization", "").removeprefix("Bearer ") in self.tokens

    def _seen(self, number: str, carrier: str) -> tuple[Parcel | None, list[ParcelEvent]]:
        parcel = self.services.parcels.get(number)
        if parcel is None or parcel.carrier != carrier:
            return None, []
        return parcel, parcel.visible(self.services.clock())

    # ---- UPS ----

    async def _ups_token(self, request: web.Request) -> web.Response:
        fault = await self.services.gate("ups", "token")
        if fault:
            return fault
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        form = await request.post()
        if (
            request.headers.get("Authorization") != f"Basic {expected}"
            or form.get("grant_type") != "client_credentials"
        ):
            return web.json_response(
                {"response": {"errors": [{"code": "10401", "message": "ClientId is Invalid"}]}}, status=401
            )
        return web.json_response(self._issue())

    async def _ups(self, request: web.Request) -> web.Response:
        number = request.match_info["number"]
        fault = await self.services.gate("ups", number)
        if fault:
            return fault
        if not self._authorised(request):
            return web.json_response(
                {
                    "response": {
                        "errors": [{"code": "250002", "message": "Invalid Authentication Information."}]
                    }
                },
                status=401,
            )
        parcel, seen = self._seen(number, "ups")
        if parcel is None or not seen:
            return web.json_response(
                {"response": {"errors": [{"code": "TW0001", "message": "Tracking Information Not Found"}]}},
                status=404,
            )
        activity = []
        for e in seen:
            when = (parcel.start + timedelta(hours=e.hours)).astimezone(UTC)
            city, _, country = e.place.partition(", ")
            activity.append(
                {
                    "location": {"address": {"city": city, "countryCode": country, "country": country}},
                    "status": {"type": UPS_TYPE.get(e.code, "I"), "description": e.text, "code": "XX"},
                    "date": when.strftime("%Y%m%d"),
                    "time": when.strftime("%H%M%S"),
                    "gmtDate": when.strftime("%Y%m%d"),
                    "gmtTime": when.strftime("%H:%M:%S"),
                    "gmtOffset": "+00:00",
                }
            )
        package: Json = {
            "trackingNumber": number,
            "currentStatus": {"description": seen[0].text, "code": "XX"},
            "activity": activity,
        }
        if parcel.eta_hours is not None:
            eta = parcel.start + timedelta(hours=parcel.eta_hours)
            package["deliveryDate"] = [{"type": "SDD", "date": eta.strftime("%Y%m%d")}]
        return web.json_response(
            {
                "trackResponse": {
                    "shipment": [{"inquiryNumber": number, "package": [package], "userRelation": []}]
                }
            }
        )

    # ---- FedEx ----

    async def _fedex_token(self, request: web.Request) -> web.Response:
        fault = await self.services.gate("fedex", "token")
        if fault:
            return fault
        form = await request.post()
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return web.json_response(
                {
                    "errors": [
                        {
                            "code": "NOT.AUTHORIZED.ERROR",
                            "message": "The given client credentials were not valid.",
                        }
                    ]
                },
                status=401,
            )
        return web.json_response({**self._issue(), "scope": "CXS"})

    async def _fedex(self, request: web.Request) -> web.Response:
        body = await request.json()
        number = str(body["trackingInfo"][0]["trackingNumberInfo"]["trackingNumber"])
        fault = await self.services.gate("fedex", number)
        if fault:
            return fault
        if not self._authorised(request):
            return web.json_response(
                {"errors": [{"code": "NOT.AUTHORIZED.ERROR", "message": "Unauthorized"}]}, status=401
            )
        parcel, seen = self._seen(number, "fedex")
        result: Json = {"trackingNumberInfo": {"trackingNumber": number, "carrierCode": "FDXE"}}
        if parcel is None or not seen:
            result["error"] = {
                "code": "TRACKING.TRACKINGNUMBER.NOTFOUND",
                "message": "Tracking number cannot be found.",
            }
        else:
            result["latestStatusDetail"] = {
                "code": FEDEX_CODE.get(seen[0].code, "IT"),
                "derivedCode": FEDEX_CODE.get(seen[0].code, "IT"),
                "statusByLocale": seen[0].text,
                "description": seen[0].text,
            }
            result["scanEvents"] = [
                {
                    "date": parcel.at(e),
                    "eventType": FEDEX_CODE.get(e.code, "IT"),
                    "eventDescription": e.text,
                    "scanLocation": {
                        "city": e.place.partition(", ")[0],
                        "countryCode": e.place.partition(", ")[2],
                    },
                    "derivedStatusCode": FEDEX_CODE.get(e.code, "IT"),
                }
                for e in seen
            ]
            if parcel.eta_hours is not None:
                eta = (parcel.start + timedelta(hours=parcel.eta_hours)).astimezone(UTC).isoformat()
                result["dateAndTimes"] = [{"type": "ESTIMATED_DELIVERY", "dateTime": eta}]
        return web.json_response(
            {
                "transactionId": secrets.token_hex(8),
                "output": {"completeTrackResults": [{"trackingNumber": number, "trackResults": [result]}]},
            }
        )

    # ---- USPS ----

    async def _usps_token(self, request: web.Request) -> web.Response:
        fault = await self.services.gate("usps", "token")
        if fault:
            return fault
        body = await request.json()
        if body.get("client_id") != CLIENT_ID or body.get("client_secret") != CLIENT_SECRET:
            return web.json_response(
                {"error": "invalid_client", "error_description": "Invalid client credentials"}, status=401
            )
        return web.json_response(self._issue())

    async def _usps(self, request: web.Request) -> web.Response:
        number = request.match_info["number"]
        fault = await self.services.gate("usps", number)
        if fault:
            return fault
        if not self._authorised(request):
            return web.json_response({"error": {"code": "401", "message": "Unauthorized"}}, status=401)
        parcel, seen = self._seen(number, "usps")
        if parcel is None or not seen:
            return web.json_response(
                {
                    "apiVersion": "v3",
                    "error": {"code": "404", "message": "The tracking number may be incorrect."},
                },
                status=404,
            )
        data: Json = {
            "trackingNumber": number,
            "statusCategory": USPS_CATEGORY.get(seen[0].code, "In Transit"),
            "status": seen[0].text,
            "statusSummary": seen[0].text,
            "trackingEvents": [
                {
                    "eventType": e.text,
                    "eventTimestamp": parcel.at(e),
                    "eventCity": e.place.partition(", ")[0],
                    "eventCountry": e.place.partition(", ")[2],
                }
                for e in seen
            ],
        }
        if parcel.eta_hours is not None:
            eta = parcel.start + timedelta(hours=parcel.eta_hours)
            data["expectedDeliveryTimeStamp"] = eta.astimezone(UTC).isoformat()
        return web.json_response(data)
