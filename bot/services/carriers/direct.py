"""Direct carrier APIs with OAuth client credentials: UPS Track v1, FedEx Track v1, USPS Tracking v3."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from aiolimiter import AsyncLimiter

from bot.errors import ConfigurationError, NotFoundError, UpstreamError
from bot.services.carriers.model import Event, Status, Tracking, parse_time
from bot.services.http import request_json

log = logging.getLogger(__name__)

T = TypeVar("T")


class ClientCredentials:
    """An OAuth 2 client-credentials token, fetched when needed and reused until shortly before it expires."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        service: str,
        url: str,
        client_id: str,
        client_secret: str,
        style: str = "form",  # "form" (client id and secret in the form), "basic" (HTTP Basic), "json"
    ) -> None:
        self.client = client
        self.service = service
        self.url = url
        self.client_id = client_id
        self.client_secret = client_secret
        self.style = style
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        """A valid access token."""
        async with self._lock:
            if self._token and time.monotonic() < self._expires - 60:
                return self._token
            kwargs: dict[str, Any]
            if self.style == "basic":
                kwargs = {
                    "data": {"grant_type": "client_credentials"},
                    "auth": (self.client_id, self.client_secret),
                }
            elif self.style == "json":
                kwargs = {
                    "json": {
                        "grant_type": "client_credentials",
                        "client_id": self.client_id,
                        "client_secret": self.client_secret,
                    }
                }
            else:
                kwargs = {
                    "data": {
                        "grant_type": "client_credentials",
                        "client_id": self.client_id,
                        "client_secret": self.client_secret,
                    }
                }
            data = await request_json(
                self.client, "POST", self.url, service=f"{self.service} OAuth", **kwargs
            )
            token = data.get("access_token") if isinstance(data, dict) else None
            if not token:
                raise UpstreamError(f"{self.service} OAuth", "answered without an access token")
            self._token = str(token)
            self._expires = time.monotonic() + float(data.get("expires_in") or 3600)
            return self._token

    async def call(self, request: Callable[[str], Awaitable[T]]) -> T:
        """Run `request` with a token; after a 401 (an expired or revoked token) once more with a new one."""
        token = await self.token()
        try:
            return await request(token)
        except ConfigurationError as e:
            if e.status != 401:
                raise
            log.info("%s refused its access token; fetching a new one", self.service)
            self._token = None
            return await request(await self.token())


def _errors_detail(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    errors = data.get("errors") or (data.get("response") or {}).get("errors") or []
    if errors and isinstance(errors[0], dict):
        return f"{errors[0].get('code')}: {errors[0].get('message')}"
    return data.get("error_description") or data.get("message") or None


def _place(*parts: Any) -> str | None:
    text = " ".join(str(p) for p in parts if p)
    return text or None


def _received(by: Any, where: Any, *kept: str) -> str | None:
    """A proof of delivery in words: who received the parcel, where it was left, what else the carrier keeps."""
    parts = [f"received by {by}" if by else "", f"left at {where}" if where else "", *kept]
    return ", ".join(p for p in parts if p) or None


# ---- UPS ---------------------------------------------------------------------------------------------

UPS_TYPES = {
    "M": Status.LABEL_CREATED,
    "MV": Status.LABEL_CREATED,
    "P": Status.IN_TRANSIT,
    "I": Status.IN_TRANSIT,
    "O": Status.OUT_FOR_DELIVERY,
    "D": Status.DELIVERED,
    "X": Status.EXCEPTION,
    "RS": Status.RETURNED,
}


def _ups_time(date: Any, clock: Any) -> datetime | None:
    try:
        text = f"{date}{clock or '000000'}"
        return datetime.strptime(text[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None


def parse_ups(number: str, data: dict[str, Any]) -> Tracking:
    """UPS Track API v1 `details` answer as a normalised Tracking."""
    shipments = (data.get("trackResponse") or {}).get("shipment") or []
    packages = (shipments[0].get("package") or []) if shipments else []
    if not packages:
        warnings = (shipments[0].get("warnings") or []) if shipments else []
        raise NotFoundError("UPS", str(warnings[0].get("message")) if warnings else f"no package {number}")
    pkg = packages[0]
    delivered = pkg.get("deliveryInformation") or {}  # the proof of delivery, once delivered
    activity = [a for a in pkg.get("activity") or [] if isinstance(a, dict)]
    events = []
    for a in activity:
        address = (a.get("location") or {}).get("address") or {}
        status = a.get("status") or {}
        events.append(
            Event(
                time=_ups_time(
                    a.get("gmtDate") or a.get("date"), a.get("gmtTime", "").replace(":", "") or a.get("time")
                ),
                description=str(status.get("description") or ""),
                location=_place(
                    address.get("city"),
                    address.get("stateProvince"),
                    address.get("countryCode") or address.get("country"),
                ),
            )
        )
    latest_type = str(((activity[0].get("status") or {}).get("type")) if activity else "")
    normalised = UPS_TYPES.get(latest_type, Status.UNKNOWN)
    current = pkg.get("currentStatus") or {}
    if normalised is Status.IN_TRANSIT and "out for delivery" in str(current.get("description", "")).lower():
        normalised = Status.OUT_FOR_DELIVERY
    eta = next(
        (d for d in pkg.get("deliveryDate") or [] if isinstance(d, dict) and d.get("type") in ("SDD", "RDD")),
        None,
    )
    return Tracking(
        carrier="ups",
        tracking_number=str(pkg.get("trackingNumber") or number),
        status=normalised,
        last_event=events[0] if events else None,
        estimated_delivery=_ups_time(eta.get("date"), "000000") if eta else None,
        provider="ups",
        events=events,
        proof=_received(
            delivered.get("receivedBy"),
            delivered.get("location"),
            "UPS keeps the signature" if (delivered.get("signature") or {}).get("image") else "",
            "UPS keeps a delivery photo" if (delivered.get("deliveryPhoto") or {}).get("photo") else "",
        ),
    )


# ---- FedEx -------------------------------------------------------------------------------------------

FEDEX_CODES = {
    "IN": Status.LABEL_CREATED,
    "OC": Status.LABEL_CREATED,
    "PU": Status.IN_TRANSIT,
    "IT": Status.IN_TRANSIT,
    "AR": Status.IN_TRANSIT,
    "DP": Status.IN_TRANSIT,
    "OD": Status.OUT_FOR_DELIVERY,
    "DL": Status.DELIVERED,
    "DE": Status.EXCEPTION,
    "SE": Status.EXCEPTION,
    "DY": Status.EXCEPTION,
    "CA": Status.EXCEPTION,
    "RS": Status.RETURNED,
}


def parse_fedex(number: str, data: dict[str, Any]) -> Tracking:
    """FedEx Track API v1 `trackingnumbers` answer as a normalised Tracking."""
    complete = ((data.get("output") or {}).get("completeTrackResults") or [{}])[0]
    result = (complete.get("trackResults") or [{}])[0]
    error = result.get("error")
    if error:
        raise NotFoundError("FedEx", f"{error.get('code')}: {error.get('message')}")
    latest = result.get("latestStatusDetail") or {}
    details = result.get("deliveryDetails") or {}  # who received it, once delivered
    scans = []
    for scan in result.get("scanEvents") or []:
        where = scan.get("scanLocation") or {}
        scans.append(
            Event(
                time=parse_time(scan.get("date")),
                description=str(scan.get("eventDescription") or scan.get("derivedStatus") or ""),
                location=_place(
                    where.get("city"), where.get("stateOrProvinceCode"), where.get("countryCode")
                ),
            )
        )
    where = latest.get("scanLocation") or {}
    last = (
        scans[0]
        if scans
        else (
            Event(
                time=None,
                description=str(latest.get("description") or ""),
                location=_place(where.get("city"), where.get("countryCode")),
            )
            if latest
            else None
        )
    )
    eta = next(
        (
            d.get("dateTime")
            for d in result.get("dateAndTimes") or []
            if d.get("type") == "ESTIMATED_DELIVERY"
        ),
        None,
    )
    code = str(latest.get("derivedCode") or latest.get("code") or "")
    return Tracking(
        carrier="fedex",
        tracking_number=str(complete.get("trackingNumber") or number),
        status=FEDEX_CODES.get(code, Status.UNKNOWN),
        last_event=last,
        estimated_delivery=parse_time(eta),
        provider="fedex",
        events=scans,
        proof=_received(
            details.get("receivedByName") or details.get("signedByName"), details.get("locationDescription")
        ),
    )


# ---- USPS --------------------------------------------------------------------------------------------

USPS_CATEGORIES = {
    "pre-shipment": Status.LABEL_CREATED,
    "accepted": Status.IN_TRANSIT,
    "in transit": Status.IN_TRANSIT,
    "out for delivery": Status.OUT_FOR_DELIVERY,
    "available for pickup": Status.IN_TRANSIT,
    "delivered": Status.DELIVERED,
    "delivery attempt": Status.EXCEPTION,
    "alert": Status.EXCEPTION,
    "returned to sender": Status.RETURNED,
}


def parse_usps(number: str, data: dict[str, Any]) -> Tracking:
    """USPS Tracking v3 answer (with `expand=DETAIL`) as a normalised Tracking."""
    category = str(data.get("statusCategory") or "").strip().lower()
    events = [
        Event(
            time=parse_time(e.get("eventTimestamp")),
            description=str(e.get("eventType") or ""),
            location=_place(e.get("eventCity"), e.get("eventState"), e.get("eventCountry")),
        )
        for e in data.get("trackingEvents") or []
        if isinstance(e, dict)
    ]
    expectation = data.get("deliveryDateExpectation") or {}
    eta = (
        data.get("expectedDeliveryTimeStamp")
        or expectation.get("expectedDeliveryDate")
        or expectation.get("predictedDeliveryDate")
    )
    return Tracking(
        carrier="usps",
        tracking_number=str(data.get("trackingNumber") or number),
        status=USPS_CATEGORIES.get(category, Status.UNKNOWN),
        last_event=events[0]
        if events
        else (Event(None, str(data.get("statusSummary") or "")) if data.get("statusSummary") else None),
        estimated_delivery=parse_time(eta),
        provider="usps",
        events=events,
    )


class OAuthProvider:
    """A carrier API behind OAuth client credentials: one token, a rate limit, one request per lookup."""

    name = ""
    service = ""
    token_path = ""
    token_style = "form"

    def __init__(
        self, client: httpx.AsyncClient, *, base_url: str, client_id: str, client_secret: str
    ) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.oauth = ClientCredentials(
            client,
            service=self.service,
            url=f"{self.base_url}{self.token_path}",
            client_id=client_id,
            client_secret=client_secret,
            style=self.token_style,
        )
        self.limiter = AsyncLimiter(5, 1.0)

    def request(self, number: str, token: str) -> dict[str, Any]:
        """Method, URL and keyword arguments of the lookup."""
        raise NotImplementedError

    def parse(self, number: str, data: dict[str, Any]) -> Tracking:
        """The carrier's answer as a Tracking."""
        raise NotImplementedError

    async def track(self, number: str, carrier: str | None) -> Tracking:
        """Look up one number (a new token is fetched once if the carrier refuses the current one)."""

        async def send(token: str) -> Any:
            args = self.request(number, token)
            async with self.limiter:
                return await request_json(
                    self.client,
                    args.pop("method"),
                    args.pop("url"),
                    service=self.service,
                    detail=_errors_detail,
                    **args,
                )

        return self.parse(number, await self.oauth.call(send))


class UpsProvider(OAuthProvider):
    """UPS Track API v1: `GET /api/track/v1/details/{number}`."""

    name, service, token_path, token_style = "ups", "UPS", "/security/v1/oauth/token", "basic"

    def request(self, number: str, token: str) -> dict[str, Any]:
        """GET the package's details."""
        return {
            "method": "GET",
            "url": f"{self.base_url}/api/track/v1/details/{number}",
            "params": {"locale": "en_US", "returnSignature": "false"},
            "headers": {
                "Authorization": f"Bearer {token}",
                "transId": f"ib{int(time.time() * 1000)}",
                "transactionSrc": "inbox-bot",
            },
        }

    def parse(self, number: str, data: dict[str, Any]) -> Tracking:
        """See parse_ups."""
        return parse_ups(number, data)


class FedexProvider(OAuthProvider):
    """FedEx Track API v1: `POST /track/v1/trackingnumbers`."""

    name, service, token_path = "fedex", "FedEx", "/oauth/token"

    def request(self, number: str, token: str) -> dict[str, Any]:
        """POST the number with detailed scans."""
        return {
            "method": "POST",
            "url": f"{self.base_url}/track/v1/trackingnumbers",
            "json": {
                "includeDetailedScans": True,
                "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": number}}],
            },
            "headers": {"Authorization": f"Bearer {token}", "X-locale": "en_US"},
        }

    def parse(self, number: str, data: dict[str, Any]) -> Tracking:
        """See parse_fedex."""
        return parse_fedex(number, data)


class UspsProvider(OAuthProvider):
    """USPS Tracking v3: `GET /tracking/v3/tracking/{number}?expand=DETAIL`."""

    name, service, token_path, token_style = "usps", "USPS", "/oauth2/v3/token", "json"

    def request(self, number: str, token: str) -> dict[str, Any]:
        """GET the number with its events."""
        return {
            "method": "GET",
            "url": f"{self.base_url}/tracking/v3/tracking/{number}",
            "params": {"expand": "DETAIL"},
            "headers": {"Authorization": f"Bearer {token}"},
        }

    def parse(self, number: str, data: dict[str, Any]) -> Tracking:
        """See parse_usps."""
        return parse_usps(number, data)
