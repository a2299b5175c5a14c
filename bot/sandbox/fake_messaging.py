"""Stand-in for SP-API Messaging v1 and Uploads 2020-11-01: the actions Amazon allows per order, messages created, and
upload destinations, in the shapes of the official models (messaging-api-model, uploads-api-model)."""

from __future__ import annotations

import base64
import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from bot.sandbox.fake_services import FakeServices

Json = dict[str, Any]
TEXT_ACTIONS = {
    "confirmCustomizationDetails": 800,
    "confirmDeliveryDetails": 2000,
    "confirmOrderDetails": 2000,
    "confirmServiceDetails": 2000,
    "unexpectedProblem": 2000,
}
FILE_ACTIONS = ("invoice", "legalDisclosure", "warranty", "amazonMotors")
# What Amazon allows for a recent merchant-fulfilled order (a subset of the sandbox example's list); proactive messages
# only within 30 days of the order (Amazon's Communication Guidelines).
DEFAULT_ACTIONS = (
    "confirmDeliveryDetails",
    "legalDisclosure",
    "unexpectedProblem",
    "warranty",
    "invoice",
    "attributes",
)


@dataclass
class SentMessage:
    """A message the stand-in created, and when (the stand-in's clock)."""

    order_id: str
    action: str
    body: Json
    at: datetime | None = None


@dataclass
class FakeMessaging:
    """Messaging and Uploads on the stand-in's clock and orders; `allowed` overrides the actions of an order."""

    services: FakeServices
    allowed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sent: list[SentMessage] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._expected: dict[str, tuple[str, str]] = {}  # destination id → (content MD5, resource)

    def add_routes(self, app: web.Application) -> None:
        """Mount under /sp-api/messaging, /sp-api/uploads and /sp-upload (the upload URLs handed out)."""
        app.router.add_get("/sp-api/messaging/v1/orders/{order_id}", self._actions)
        app.router.add_post("/sp-api/messaging/v1/orders/{order_id}/messages/{action}", self._create)
        app.router.add_post("/sp-api/uploads/2020-11-01/uploadDestinations/{resource:.+}", self._destination)
        app.router.add_put("/sp-upload/{destination}", self._put)

    def as_mails(self) -> list[Json]:
        """The messages created, newest first, in the shape the demo page shows mails in."""
        return [
            {
                "subject": f"Amazon message “{m.action}” about order {m.order_id}",
                "to": "the buyer, through Amazon's Buyer-Seller Messaging",
                "from": "SP-API Messaging",
                "received": m.at.isoformat() if m.at else "",
                "attachments": [{"filename": a.get("fileName", "")} for a in m.body.get("attachments") or []],
                "text": str(m.body.get("text") or "(Amazon's own words with the attached file)"),
            }
            for m in reversed(self.sent)
        ]

    def actions_for(self, order_id: str) -> tuple[str, ...]:
        """What Amazon allows for the order now."""
        if order_id in self.allowed:
            return self.allowed[order_id]
        order = self.services.orders.get(order_id)
        if order is None or self.services.clock() - order.created > timedelta(days=30):
            return ()
        return DEFAULT_ACTIONS

    async def _authorised(self, request: web.Request, what: str) -> web.Response | None:
        fault = await self.services.gate("sp-api", what)
        if fault:
            return fault
        if not self.services.authorised(request):
            return self.services._errors(403, "Unauthorized", "Access to requested resource is denied.")
        return None

    async def _actions(self, request: web.Request) -> web.Response:
        order_id = request.match_info["order_id"]
        refused = await self._authorised(request, f"messaging:{order_id}")
        if refused:
            return refused
        if order_id not in self.services.orders:
            return self.services._errors(404, "NotFound", f"Order {order_id} not found")
        market = request.query.get("marketplaceIds", "")
        base = f"/messaging/v1/orders/{order_id}"
        links = [
            {
                "href": f"{base}/{'attributes' if a == 'attributes' else 'messages/' + a}?marketplaceIds={market}",
                "name": a,
            }
            for a in self.actions_for(order_id)
        ]
        return web.json_response(
            {
                "_links": {"actions": links, "self": {"href": f"{base}?marketplaceIds={market}"}},
                "_embedded": {
                    "actions": [
                        {
                            "_links": {
                                "schema": {"href": f"{base}/messages/{a['name']}/schema", "name": a["name"]},
                                "self": a,
                            }
                        }
                        for a in links
                    ]
                },
            },
            content_type="application/hal+json",
        )

    async def _create(self, request: web.Request) -> web.Response:
        order_id, action = request.match_info["order_id"], request.match_info["action"]
        refused = await self._authorised(request, f"message:{action}:{order_id}")
        if refused:
            return refused
        if order_id not in self.services.orders:
            return self.services._errors(404, "NotFound", f"Order {order_id} not found")
        if request.query.get("marketplaceIds") != self.services.orders[order_id].marketplace_id:
            return self.services._errors(
                400, "InvalidInput", "marketplaceIds must name the order's marketplace"
            )
        if action not in self.actions_for(order_id):
            return self.services._errors(
                400, "InvalidInput", f"The {action} message is not available for order {order_id}"
            )
        try:
            body = await request.json()
        except ValueError:
            return self.services._errors(415, "InvalidInput", "The request payload is not JSON")
        problem = self._invalid(order_id, action, body if isinstance(body, dict) else {})
        if problem:
            return self.services._errors(400, "InvalidInput", problem)
        self.sent.append(SentMessage(order_id, action, body, self.services.clock()))
        return web.json_response({}, status=201)

    def _invalid(self, order_id: str, action: str, body: Json) -> str | None:
        if action in TEXT_ACTIONS:
            text = body.get("text")
            if not isinstance(text, str) or not 1 <= len(text) <= TEXT_ACTIONS[action]:
                return f"text must have 1 to {TEXT_ACTIONS[action]} characters"
            return None
        attachments = body.get("attachments")
        if action in FILE_ACTIONS and (not isinstance(attachments, list) or not 1 <= len(attachments) <= 5):
            return "attachments: 1 to 5 required"
        for a in attachments or []:
            destination = str((a or {}).get("uploadDestinationId"))
            if destination not in self.uploads or not (a or {}).get("fileName"):
                return f"attachment {destination} was not uploaded"
            if self._expected[destination][1] != f"messaging/v1/orders/{order_id}/messages/{action}":
                return f"attachment {destination} was uploaded for another resource"
        return None

    async def _destination(self, request: web.Request) -> web.Response:
        resource = request.match_info["resource"]
        refused = await self._authorised(request, f"upload:{resource}")
        if refused:
            return refused
        md5, content_type = request.query.get("contentMD5"), request.query.get("contentType")
        if not md5 or not content_type:
            return self.services._errors(400, "InvalidInput", "contentMD5 and contentType are required")
        destination = f"amzn1.tortuga.4.eu.{next(self._ids):08d}"
        self._expected[destination] = (md5, resource)
        host, port = (
            request.transport.get_extra_info("sockname")[:2] if request.transport else ("127.0.0.1", 0)
        )
        base = f"http://{host}:{port}"  # not the Host header: python-amazon-sp-api builds it for https
        return web.json_response(  # Amazon signs the upload for exactly these headers, and returns them
            {
                "payload": {
                    "uploadDestinationId": destination,
                    "url": f"{base}/sp-upload/{destination}",
                    "headers": {"Content-Type": content_type, "Content-MD5": md5},
                }
            },
            status=201,
        )

    async def _put(self, request: web.Request) -> web.Response:
        destination = request.match_info["destination"]
        expected = self._expected.get(destination)
        if expected is None:
            return web.Response(status=403, text="AccessDenied")
        data = await request.read()
        digest = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        if (
            request.headers.get("Content-MD5") != expected[0] or digest != expected[0]
        ):  # as S3 checks a signed MD5
            return web.Response(status=400, text="BadDigest")
        self.uploads[destination] = data
        return web.Response(status=200)
