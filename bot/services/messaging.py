"""SP-API Messaging: which messages Amazon allows for an order now, and sending one (text, or the invoice PDF through
the Uploads API), rate-limited, with typed errors that say whether the message may have reached the buyer."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from sp_api.asyncio.api import Messaging, Upload

from bot.errors import UpstreamError
from bot.services.amazon import SpApi
from bot.services.http import usage_plan_limiter, with_retries
from bot.services.regions import in_region
from bot.settings_accounts import marketplace_id

log = logging.getLogger(__name__)

MESSAGING_RATE, MESSAGING_BURST = 1.0, 5  # requests per second, burst (Messaging v1 usage plan)

# The message kinds the bot can send, with Amazon's operation name, the most characters Amazon takes for the text
# (0: the message is only files) and what the team sees. From the official model (messaging-api-model/messaging.json).
TEXT_LIMITS = {
    "confirmDeliveryDetails": 2000,
    "unexpectedProblem": 2000,
    "confirmOrderDetails": 2000,
    "confirmServiceDetails": 2000,
    "confirmCustomizationDetails": 800,
}
LABELS = {
    "confirmDeliveryDetails": "Amazon message: arrange or confirm the delivery",
    "unexpectedProblem": "Amazon message: an unexpected problem with the order",
    "confirmOrderDetails": "Amazon message: confirm order details",
    "confirmServiceDetails": "Amazon message: confirm a service appointment",
    "confirmCustomizationDetails": "Amazon message: confirm customisation details",
    "invoice": "Amazon message: send the invoice (the PDF only)",
}
INVOICE = "invoice"  # sendInvoice's path segment, and the name getMessagingActionsForOrder gives it


class MaybeSent(UpstreamError):
    """Amazon may have created the message (no answer in time, or a server error after the request went out): a
    person checks before anything is sent again."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__("SP-API Messaging", message, status=status, retryable=False)


def messaging_limiter() -> AsyncLimiter:
    """Messaging's pace: 1 request per second less our margin, bursts of 5 less one."""
    return usage_plan_limiter(MESSAGING_RATE, MESSAGING_BURST, 1)


@dataclass(frozen=True)
class Allowed:
    """What Amazon allows for an order now: the names of its messaging actions, in Amazon's order."""

    order_id: str
    actions: tuple[str, ...]

    @property
    def sendable(self) -> tuple[str, ...]:
        """The allowed actions the bot knows how to send."""
        return tuple(a for a in self.actions if a in LABELS)


def parse_actions(payload: Any) -> tuple[str, ...]:
    """The actions of a getMessagingActionsForOrder body (HAL `_links.actions[]`), each named by the last segment of
    its `href` path — the path the message is created at (`…/messages/invoice`) — else by its `name`."""
    links = (payload or {}).get("_links") if isinstance(payload, dict) else None
    actions = (links or {}).get("actions") if isinstance(links, dict) else None
    names = []
    for action in actions or []:
        if not isinstance(action, dict):
            continue
        path = str(action.get("href") or "").split("?", 1)[0].rstrip("/")
        names.append(path.rsplit("/", 1)[-1] if "/orders/" in path else str(action.get("name") or ""))
    return tuple(dict.fromkeys(n for n in names if n))


class AmazonMessaging:
    """The Messaging and Uploads APIs through python-amazon-sp-api's asyncio clients, on SpApi's connections."""

    def __init__(self, api: SpApi) -> None:
        self.api = api
        self.limiter = messaging_limiter()
        self._messaging: Messaging | None = None
        self._upload: Upload | None = None

    def _client(self) -> Messaging:
        if self._messaging is None:
            self._messaging = self.api.client_for(Messaging)
        return self._messaging

    def _uploads(self) -> Upload:
        if self._upload is None:
            self._upload = self.api.client_for(Upload)
        return self._upload

    async def _slot(self) -> None:
        try:
            await (
                self._client().auth
            )  # the token first: a slot of the rate is taken only when the call can go
        except httpx.HTTPError as e:
            raise UpstreamError("Login with Amazon", f"cannot get an access token: {e}") from e
        await self.limiter.acquire()

    def market(self, marketplace: str | None) -> str:
        """The marketplace id a call names: the order's (amazon.fr for a pan-EU order of a seller based on amazon.de)
        when it is in this account's region, else the account's main marketplace."""
        if marketplace:
            try:
                mid = marketplace_id(marketplace)
            except ValueError:
                mid = ""
            if mid and in_region(mid, self.api.settings.sp_api_region):
                return mid
        return self.api.settings.sp_api_marketplace_id

    async def actions(self, order_id: str, marketplace: str | None = None) -> Allowed:
        """What Amazon allows for this order now (getMessagingActionsForOrder); retried while it is safe to."""

        async def once() -> Allowed:
            await self._slot()
            try:
                response = await self._client().get_messaging_actions_for_order(
                    order_id, marketplaceIds=self.market(marketplace)
                )
            except httpx.TimeoutException as e:
                raise UpstreamError("SP-API Messaging", f"no answer in time ({type(e).__name__})") from e
            except httpx.HTTPError as e:
                raise UpstreamError("SP-API Messaging", f"cannot connect: {e}") from e
            return Allowed(order_id, parse_actions(response.payload))

        allowed = await with_retries(once, attempts=self.api.attempts, sleep=self.api.sleep)
        log.info("order %s: Amazon allows %s", order_id, ", ".join(allowed.actions) or "no messages")
        return allowed

    async def send(
        self,
        order_id: str,
        action: str,
        *,
        text: str = "",
        files: list[Path] | None = None,
        marketplace: str | None = None,
    ) -> None:
        """Send one message. Errors before the request left (connect, throttled, refused) are UpstreamErrors that are
        safe to retry when `retryable`; an error after it may have been created is MaybeSent."""
        if action == INVOICE:
            if not 1 <= len(files or []) <= 5:
                raise UpstreamError("SP-API Messaging", "sendInvoice takes 1 to 5 files", retryable=False)
            attachments = [await self._upload_file(order_id, path, marketplace) for path in files or []]
            body: dict[str, Any] = {"attachments": attachments}
        elif action in TEXT_LIMITS:
            if not 1 <= len(text) <= TEXT_LIMITS[action]:
                raise UpstreamError(
                    "SP-API Messaging",
                    f"{action} takes 1 to {TEXT_LIMITS[action]} characters; this text has {len(text)}",
                    retryable=False,
                )
            body = {"text": text}
        else:
            raise UpstreamError(
                "SP-API Messaging", f"the bot does not send “{action}” messages", retryable=False
            )
        await self._slot()
        path = f"/messaging/v1/orders/{order_id}/messages/{action}"
        try:
            await self._client()._request(
                path,
                data={**body, "method": "POST"},
                params={"marketplaceIds": self.market(marketplace)},
                add_marketplace=False,  # it belongs in the query, not in the message's body
            )
        except UpstreamError as e:
            if (
                e.status is not None and e.status >= 500
            ):  # 503 too: Amazon does not promise nothing was created
                raise MaybeSent(
                    f"Amazon answered {e.status}: the message may have been created", status=e.status
                ) from e
            raise
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as e:  # it never left
            raise UpstreamError("SP-API Messaging", f"cannot connect: {e}") from e
        except httpx.HTTPError as e:  # the request may have reached Amazon
            raise MaybeSent(f"no answer ({type(e).__name__}): the message may have been created") from e
        log.info("order %s: %s message created", order_id, action)

    async def _upload_file(self, order_id: str, path: Path, marketplace: str | None) -> dict[str, str]:
        """Upload one file for the order's invoice message (Uploads API createUploadDestinationForResource, then a PUT
        of the bytes with the headers Amazon gave); its attachment entry for sendInvoice."""
        data = await asyncio.to_thread(path.read_bytes)
        content_type = "application/pdf" if path.suffix.lower() == ".pdf" else "application/octet-stream"
        md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        await self._slot()
        try:  # called directly: the library's upload_document quotes contentMD5 before httpx encodes it again
            response = await self._uploads()._request(
                f"/uploads/2020-11-01/uploadDestinations/messaging/v1/orders/{order_id}/messages/{INVOICE}",
                params={
                    "marketplaceIds": self.market(marketplace),
                    "contentMD5": md5,
                    "contentType": content_type,
                    "method": "POST",
                },
                add_marketplace=False,
            )
        except httpx.HTTPError as e:
            raise UpstreamError("SP-API Uploads", f"cannot reach Amazon: {e}") from e
        payload = response.payload if isinstance(response.payload, dict) else {}
        destination, url = payload.get("uploadDestinationId"), payload.get("url")
        if not destination or not url:
            raise UpstreamError("SP-API Uploads", "no upload destination in Amazon's answer", retryable=False)
        headers = {
            str(k): str(v) for k, v in (payload.get("headers") or {}).items()
        }  # signed by Amazon: as given
        headers.setdefault("Content-Type", content_type)
        try:
            put = await self.api._http.put(str(url), content=data, headers=headers)
        except httpx.HTTPError as e:
            raise UpstreamError("SP-API Uploads", f"the file could not be uploaded: {e}") from e
        if put.status_code >= 300:
            raise UpstreamError("SP-API Uploads", f"the file upload was refused ({put.status_code})")
        return {"uploadDestinationId": str(destination), "fileName": path.name}
