"""SP-API per account: an order and a message to its buyer go through the credentials and region of its account."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.accounts import Accounts
from bot.clock.clocks import FakeClock
from bot.errors import ConfigurationError, NotFoundError
from bot.sandbox.fake_services import FakeServices, StoredOrder
from bot.services.amazon import SpApi
from bot.services.amazon_accounts import AccountsSpApi
from bot.settings_sources import load_settings
from bot.store.store import Store
from tests.support.clock import pinned_clock

DE, US, JP = "302-1111111-1111111", "111-2222222-2222222", "503-3333333-3333333"


async def test_each_order_and_message_goes_to_its_accounts_region(
    tmp_path: Path, fake_services: FakeServices
) -> None:
    eu = fake_services
    na = await FakeServices(clock=pinned_clock().now, refresh_token="Atzr|us", lwa=eu).start()
    eu.more_refresh_tokens = (na.refresh_token,)
    now = pinned_clock().now()
    for services, order, market in ((eu, DE, "A1PA6795UKMFR9"), (na, US, "ATVPDKIKX0DER")):
        services.orders[order] = StoredOrder(
            order, market, now - timedelta(days=2), [("X", "B0X", 1, "9.99")], "EUR"
        )
    settings = load_settings(
        database_path=tmp_path / "bot.db",
        slack_channel="C0EU",
        **{**eu.urls(eu.base_url), "sp_api_refresh_token": None},  # each account brings its own grant
        accounts=[
            {"name": "EU", "marketplaces": ["amazon.de"], "sp_api_refresh_token": eu.refresh_token},
            {
                "name": "US",
                "region": "na",
                "marketplaces": ["amazon.com"],
                "sp_api_url": f"{na.base_url}/sp-api",
                "sp_api_refresh_token": na.refresh_token,
                "imap_user": "us",
            },
            {"name": "JP", "region": "fe", "marketplaces": ["amazon.co.jp"], "imap_user": "jp"},
        ],
    )
    accounts = Accounts.from_settings(settings)
    store = Store.open(tmp_path / "bot.db", clock=FakeClock(now))
    store.create_conversation(key="a", kind="buyer", order_id=DE, marketplace="amazon.de")
    store.create_conversation(key="b", kind="buyer", order_id=US, marketplace="amazon.com", account="US")
    store.create_conversation(key="c", kind="buyer", order_id=JP, marketplace="amazon.co.jp", account="JP")
    first = SpApi(accounts.first)
    apis = AccountsSpApi(accounts, store, first, observe=None)
    try:
        assert (await apis.get_order(DE)).order_id == DE and (await apis.get_order(US)).order_id == US
        assert [w for s, w in eu.calls if s == "sp-api"] == [DE] and [
            w for s, w in na.calls if s == "sp-api"
        ] == [US]
        await apis.send(US, "unexpectedProblem", text=f"Order {US}: the parcel is delayed.")
        assert [m.order_id for m in na.messaging.sent] == [US] and eu.messaging.sent == []
        assert "unexpectedProblem" in (await apis.actions(US)).actions
        # an account without a grant of its own is said so; its orders never go through another account's
        assert not accounts.settings_for("JP").sp_api_enabled and set(apis.apis) == {None, "US"}
        assert (
            apis.configured(DE) and apis.configured(US) and not apis.configured(JP)
        )  # its card: "not set up"
        with pytest.raises(ConfigurationError, match="'JP' has no SP-API credentials"):
            await apis.get_order(JP)
        assert JP not in str(eu.calls + na.calls)  # JP went nowhere
        # an order no conversation names (/order): each account with a grant is asked until one knows it
        na.orders["111-9999999-9999999"] = StoredOrder(
            "111-9999999-9999999", "ATVPDKIKX0DER", now - timedelta(days=1), [("Y", "B0Y", 1, "5.00")], "USD"
        )
        assert apis.configured(
            "111-9999999-9999999"
        )  # no conversation names it: any account with a grant may know it
        eu.fail(
            "sp-api", 403, {"errors": [{"code": "Unauthorized", "message": "Access denied"}]}
        )  # not EU's order
        assert (await apis.get_order("111-9999999-9999999")).order_id == "111-9999999-9999999"
        with pytest.raises(NotFoundError):
            await apis.get_order("302-0000000-0000000")
        assert apis.queued == 0
    finally:
        await apis.aclose()
        await first.aclose()
        await na.stop()
        store.close()
