"""SP-API Messaging and Uploads (python-amazon-sp-api's asyncio clients) against the local Amazon stand-in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.errors import ConfigurationError, NotFoundError, UpstreamError
from bot.sandbox.fake_services import FakeServices, StoredOrder
from bot.services.amazon import SpApi
from bot.services.messaging import AmazonMessaging, MaybeSent, parse_actions
from bot.settings_sources import settings_from

ORDER = "302-1234567-1234567"
SLOW_DOWN = {"errors": [{"code": "QuotaExceeded", "message": "slow down"}]}


async def no_sleep(_: float) -> None:
    return None


def messaging(services: FakeServices) -> AmazonMessaging:
    api = SpApi(settings_from(**services.urls(services.base_url)), attempts=3, sleep=no_sleep)
    return AmazonMessaging(api)


def order(services: FakeServices, *, age_days: float = 3) -> None:
    services.orders[ORDER] = StoredOrder(
        ORDER,
        "A1PA6795UKMFR9",
        services.clock() - timedelta(days=age_days),
        [("Mühle", "B0X", 1, "9.99")],
        "EUR",
    )


def test_actions_are_read_from_the_hal_links_of_the_official_example() -> None:
    base = "/messaging/v1/orders/903-1671087-0812628"
    body = {
        "_links": {
            "actions": [
                {"href": f"{base}/messages/negativeFeedbackRemoval", "name": "negativeFeedbackRemoval"},
                {"href": f"{base}/messages/unexpectedProblem", "name": "unexpectedProblem"},
                {"href": "x"},
            ],
            "self": {"href": f"{base}?marketplaceIds=ATVPDKIKX0DER"},
        }
    }
    assert parse_actions(body) == ("negativeFeedbackRemoval", "unexpectedProblem")
    assert parse_actions({}) == () and parse_actions(None) == ()
    # named by the path it is created at, whatever its name says
    renamed = {
        "_links": {"actions": [{"href": f"{base}/messages/invoice?marketplaceIds=X", "name": "sendInvoice"}]}
    }
    assert parse_actions(renamed) == ("invoice",)


async def test_allowed_actions_of_a_recent_order_and_none_after_30_days(fake_services: FakeServices) -> None:
    order(fake_services)
    client = messaging(fake_services)
    allowed = await client.actions(ORDER)
    assert "unexpectedProblem" in allowed.actions and "invoice" in allowed.sendable
    assert "attributes" in allowed.actions and "attributes" not in allowed.sendable  # not a message
    order(fake_services, age_days=31)
    assert (await client.actions(ORDER)).actions == ()
    with pytest.raises(NotFoundError):
        await client.actions("302-0000000-0000000")
    await client.api.aclose()


async def test_text_message_is_created_once_with_the_text(fake_services: FakeServices) -> None:
    order(fake_services)
    client = messaging(fake_services)
    await client.send(ORDER, "unexpectedProblem", text=f"Order {ORDER}: the parcel is delayed at the depot.")
    [sent] = fake_services.messaging.sent
    assert (sent.order_id, sent.action, sent.body) == (
        ORDER,
        "unexpectedProblem",
        {"text": f"Order {ORDER}: the parcel is delayed at the depot."},
    )
    await client.api.aclose()


async def test_an_action_amazon_does_not_allow_is_refused_with_its_reason(
    fake_services: FakeServices,
) -> None:
    order(fake_services)
    fake_services.messaging.allowed[ORDER] = ("legalDisclosure",)
    client = messaging(fake_services)
    with pytest.raises(UpstreamError) as refused:
        await client.send(ORDER, "unexpectedProblem", text="Hello")
    assert not refused.value.retryable and "not available for order" in str(refused.value)
    assert fake_services.messaging.sent == []
    await client.api.aclose()


async def test_too_long_text_is_refused_before_anything_is_sent(fake_services: FakeServices) -> None:
    order(fake_services)
    client = messaging(fake_services)
    with pytest.raises(UpstreamError, match="1 to 800 characters"):
        await client.send(ORDER, "confirmCustomizationDetails", text="x" * 801)
    assert fake_services.count("sp-api") == 0
    await client.api.aclose()


async def test_invoice_is_uploaded_then_sent_as_attachment(
    fake_services: FakeServices, tmp_path: Path
) -> None:
    order(fake_services)
    pdf = tmp_path / f"{ORDER}.pdf"
    pdf.write_bytes(b"%PDF-1.4 invoice bytes")
    client = messaging(fake_services)
    await client.send(ORDER, "invoice", files=[pdf])
    [sent] = fake_services.messaging.sent
    [attachment] = sent.body["attachments"]
    assert attachment["fileName"] == pdf.name
    assert fake_services.messaging.uploads[attachment["uploadDestinationId"]] == pdf.read_bytes()
    await client.api.aclose()


async def test_a_server_error_after_the_request_may_have_created_it(fake_services: FakeServices) -> None:
    order(fake_services)
    client = messaging(fake_services)
    await client.actions(ORDER)  # the token and the route are fine
    internal = {"errors": [{"code": "InternalFailure", "message": "We encountered an internal error."}]}
    fake_services.fail("sp-api", 500, internal)
    with pytest.raises(MaybeSent):
        await client.send(ORDER, "unexpectedProblem", text="Hello")
    await client.api.aclose()


async def test_throttling_is_safe_to_retry_503_may_have_created_it_and_403_is_configuration(
    fake_services: FakeServices,
) -> None:
    order(fake_services)
    client = messaging(fake_services)
    await client.actions(ORDER)
    fake_services.fail("sp-api", 429, SLOW_DOWN)
    with pytest.raises(UpstreamError) as raised:
        await client.send(ORDER, "unexpectedProblem", text="Hello")
    assert raised.value.retryable and not isinstance(raised.value, MaybeSent)
    fake_services.fail("sp-api", 503, SLOW_DOWN)  # Amazon does not promise that nothing was created
    with pytest.raises(MaybeSent):
        await client.send(ORDER, "unexpectedProblem", text="Hello")
    fake_services.fail("sp-api", 403, {"errors": [{"code": "Unauthorized", "message": "Access denied"}]})
    with pytest.raises(ConfigurationError):
        await client.send(ORDER, "unexpectedProblem", text="Hello")
    assert fake_services.messaging.sent == []
    await client.api.aclose()


async def test_actions_are_retried_through_throttling(fake_services: FakeServices) -> None:
    order(fake_services)
    client = messaging(fake_services)
    fake_services.fail("sp-api", 429, SLOW_DOWN, times=2)
    assert "unexpectedProblem" in (await client.actions(ORDER)).actions
    await client.api.aclose()


async def test_a_pan_european_order_is_messaged_in_its_own_marketplace(fake_services: FakeServices) -> None:
    fake_services.orders[ORDER] = StoredOrder(
        ORDER,
        "A13V1IB3VIYZZH",
        fake_services.clock() - timedelta(days=2),
        [("Moulin", "B0X", 1, "9.99")],
        "EUR",
    )  # sold on amazon.fr by a seller whose main marketplace is amazon.de
    client = messaging(fake_services)
    assert client.market("amazon.fr") == "A13V1IB3VIYZZH"
    assert (
        client.market("amazon.com") == "A1PA6795UKMFR9" and client.market(None) == "A1PA6795UKMFR9"
    )  # not its region
    assert "unexpectedProblem" in (await client.actions(ORDER, "amazon.fr")).actions
    await client.send(
        ORDER, "unexpectedProblem", text=f"Commande {ORDER} : le colis a du retard.", marketplace="amazon.fr"
    )
    [sent] = fake_services.messaging.sent
    assert sent.order_id == ORDER
    with pytest.raises(UpstreamError, match="marketplaceIds must name the order's marketplace"):
        await client.send(
            ORDER, "unexpectedProblem", text=f"Commande {ORDER} : encore."
        )  # the main one: refused
    await client.api.aclose()
