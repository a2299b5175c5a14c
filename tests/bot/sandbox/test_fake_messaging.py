"""The Messaging and Uploads stand-in on the wire: HAL actions, tokens, validation, upload digests."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from bot.sandbox.fake_services import FakeServices, StoredOrder

ORDER = "302-1234567-1234567"


@pytest.fixture
async def client(fake_services: FakeServices) -> AsyncIterator[httpx.AsyncClient]:
    fake_services.orders[ORDER] = StoredOrder(
        ORDER,
        "A1PA6795UKMFR9",
        fake_services.clock() - timedelta(days=2),
        [("Mühle", "B0X", 1, "9.99")],
        "EUR",
    )
    async with httpx.AsyncClient(base_url=fake_services.base_url) as http:
        token = (
            await http.post(
                "/lwa/auth/o2/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": fake_services.refresh_token,
                    "client_id": fake_services.client_id,
                    "client_secret": fake_services.client_secret,
                },
            )
        ).json()["access_token"]
        http.headers["x-amz-access-token"] = token
        yield http


async def test_actions_are_hal_links_like_the_official_example(client: httpx.AsyncClient) -> None:
    r = await client.get(f"/sp-api/messaging/v1/orders/{ORDER}", params={"marketplaceIds": "A1PA6795UKMFR9"})
    body = r.json()
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/hal+json")
    names = [a["name"] for a in body["_links"]["actions"]]
    assert "unexpectedProblem" in names and "invoice" in names
    assert body["_links"]["self"]["href"] == f"/messaging/v1/orders/{ORDER}?marketplaceIds=A1PA6795UKMFR9"
    assert len(body["_embedded"]["actions"]) == len(names)


async def test_without_a_token_and_for_unknown_orders_amazon_refuses(
    client: httpx.AsyncClient, fake_services: FakeServices
) -> None:
    del client.headers["x-amz-access-token"]
    assert (await client.get(f"/sp-api/messaging/v1/orders/{ORDER}")).status_code == 403
    client.headers["x-amz-access-token"] = next(iter(fake_services._tokens))
    assert (await client.get("/sp-api/messaging/v1/orders/302-0000000-0000000")).status_code == 404


async def test_text_is_validated_by_the_model_limits(
    client: httpx.AsyncClient, fake_services: FakeServices
) -> None:
    path = f"/sp-api/messaging/v1/orders/{ORDER}/messages/unexpectedProblem?marketplaceIds=A1PA6795UKMFR9"
    assert (await client.post(path, json={"text": ""})).status_code == 400
    assert (await client.post(path, json={"text": "x" * 2001})).status_code == 400
    wrong_market = path.replace("A1PA6795UKMFR9", "ATVPDKIKX0DER")
    assert (await client.post(wrong_market, json={"text": "ok"})).status_code == 400
    assert (await client.post(path, json={"text": "ok"})).status_code == 201
    assert [m.body for m in fake_services.messaging.sent] == [{"text": "ok"}]
    [shown] = fake_services.messaging.as_mails()  # as the demo page lists what the buyer got
    assert shown["text"] == "ok" and "unexpectedProblem" in shown["subject"] and shown["received"]


async def test_uploads_check_their_digest_and_their_resource(
    client: httpx.AsyncClient, fake_services: FakeServices
) -> None:
    data = b"%PDF-1.4"
    md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
    resource = f"messaging/v1/orders/{ORDER}/messages/invoice"
    r = await client.post(
        f"/sp-api/uploads/2020-11-01/uploadDestinations/{resource}",
        params={"contentMD5": md5, "contentType": "application/pdf"},
    )
    payload = r.json()["payload"]
    assert r.status_code == 201 and payload["headers"] == {
        "Content-Type": "application/pdf",
        "Content-MD5": md5,
    }
    assert (
        await client.put(payload["url"], content=b"other bytes", headers=payload["headers"])
    ).status_code == 400
    assert (await client.put(payload["url"], content=data)).status_code == 400  # without the signed header
    assert (await client.put(payload["url"], content=data, headers=payload["headers"])).status_code == 200
    invoice = f"/sp-api/messaging/v1/orders/{ORDER}/messages/invoice?marketplaceIds=A1PA6795UKMFR9"
    attachment = {"uploadDestinationId": payload["uploadDestinationId"], "fileName": "invoice.pdf"}
    legal = invoice.replace("/invoice?", "/legalDisclosure?")
    assert (
        await client.post(legal, json={"attachments": [attachment]})
    ).status_code == 400  # another resource
    assert (await client.post(invoice, json={"attachments": []})).status_code == 400
    assert (await client.post(invoice, json={"attachments": [attachment]})).status_code == 201
