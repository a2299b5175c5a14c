"""Two Amazon accounts in one process: two mailboxes on a real Dovecot, two Slack channels, two SP-API regions (two
stand-ins sharing one Login with Amazon), replies from each account's own address — and nothing crosses over."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.sandbox.fake_services import FakeServices, StoredOrder
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail, imap_overrides, make_settings, running_bot
from tests.support.clock import pinned_clock
from tests.support.dovecot import Dovecot
from tests.support.smtp import SmtpServer

DE_ORDER = "302-1234567-1234567"  # de_invoice.eml, amazon.de
US_ORDER = "111-7366207-0755439"  # en_shipping.eml, amazon.com
US_USER, US_PASSWORD = "us-seller", "us-secret"


@pytest.fixture
def two_mailboxes() -> Iterator[Dovecot]:
    server = Dovecot(more_users={US_USER: US_PASSWORD}).start()
    yield server
    server.stop()


async def test_two_accounts_read_post_look_up_and_reply_each_on_their_own(
    tmp_path: Path,
    fake_slack: FakeSlack,
    fake_services: FakeServices,
    smtp: SmtpServer,
    two_mailboxes: Dovecot,
) -> None:
    fake_slack.channels.add("C0US")
    eu = fake_services
    na = await FakeServices(clock=pinned_clock().now, refresh_token="Atzr|us-seller-grant", lwa=eu).start()
    eu.more_refresh_tokens = (na.refresh_token,)  # one app, two sellers: LWA grants both, each region its own
    now = pinned_clock().now()
    eu.orders[DE_ORDER] = StoredOrder(
        DE_ORDER,
        "A1PA6795UKMFR9",
        now - timedelta(days=2),
        [("Kaffeemühle", "B0CAFE0001", 1, "39.90")],
        "EUR",
    )
    na.orders[US_ORDER] = StoredOrder(
        US_ORDER, "ATVPDKIKX0DER", now - timedelta(days=5), [("Desk Lamp", "B0LAMP0001", 1, "24.99")], "USD"
    )
    settings = make_settings(
        tmp_path,
        fake_slack,
        **{**eu.urls(eu.base_url), **imap_overrides(two_mailboxes), **smtp.settings()},
        accounts=[
            {"name": "Brand EU", "marketplaces": ["amazon.de"]},
            {
                "name": "Brand US",
                "region": "na",
                "marketplaces": ["amazon.com"],
                "sp_api_url": f"{na.base_url}/sp-api",
                "sp_api_refresh_token": na.refresh_token,
                "imap_user": US_USER,
                "imap_password": US_PASSWORD,
                "channel": "C0US",
                "reply_from": "support@brand-us.example",
                "signature": "Brand US Support",
            },
        ],
    )
    two_mailboxes.append(fixture_mail("de_invoice.eml"))
    two_mailboxes.append(fixture_mail("en_shipping.eml"), user=US_USER)
    try:
        async with running_bot(settings) as deps:
            await fake_slack.wait_for(
                lambda: (
                    len(fake_slack.posts("C0INBOX", top_level=True)) == 1
                    and len(fake_slack.posts("C0US", top_level=True)) == 1
                )
            )
            [de_card], [us_card] = (
                fake_slack.posts("C0INBOX", top_level=True),
                fake_slack.posts("C0US", top_level=True),
            )
            de_blocks, us_blocks = json.dumps(de_card["blocks"]), json.dumps(us_card["blocks"])
            assert "*Account:* Brand EU" in de_blocks and DE_ORDER in de_blocks and US_ORDER not in de_blocks
            assert "*Account:* Brand US" in us_blocks and US_ORDER in us_blocks and DE_ORDER not in us_blocks
            assert us_card["text"].startswith("[Brand US] ")

            # each order through its own account's SP-API: the EU stand-in never hears of the US order, nor back
            await eventually(
                lambda: (
                    deps.store.order_row(order_id=DE_ORDER) is not None
                    and deps.store.order_row(order_id=US_ORDER) is not None
                ),
                what="both orders",
            )
            assert [what for service, what in eu.calls if service == "sp-api"] == [DE_ORDER]
            assert [what for service, what in na.calls if service == "sp-api"] == [US_ORDER]
            conversations = {c["order_id"]: c for c in deps.store.conversations()}
            assert conversations[DE_ORDER]["account"] is None  # the first account, as before the list existed
            assert conversations[US_ORDER]["account"] == "Brand US"
            assert deps.account_sources["Brand US"].name.startswith(f"imap:{US_USER}@")

            # a reply to the US buyer: its account's signature, sent from its account's address
            us = conversations[US_ORDER]
            draft = deps.replies.draft(us, user="U0AGENT", template="acknowledgement")
            assert "Brand US Support" in draft.text and "Example Shop" not in draft.text
            deps.store.create_send(
                key="us-reply",
                conversation_id=int(us["id"]),
                reply_to_row=draft.reply_to_row,
                text=draft.text,
                by_user="U0AGENT",
            )
            deps.mailer.wake.set()
            await eventually(lambda: len(smtp.messages) == 1, what="the US reply")
            assert smtp.messages[0]["From"] == "support@brand-us.example"
            assert smtp.messages[0]["To"].endswith("@marketplace.amazon.com")
            de_draft = deps.replies.draft(conversations[DE_ORDER], user="U0AGENT", template="invoice_request")
            assert "Brand US Support" not in de_draft.text
    finally:
        await na.stop()
