"""Each account's settings, and which account a mail and an order belong to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.accounts import Accounts, keep_first, mailbox_of
from bot.clock.clocks import FakeClock
from bot.errors import StartupError
from bot.settings import Settings
from bot.settings_sources import load_settings
from bot.store.store import Store
from tests.support.postgres import database_url_of


def settings(**extra: Any) -> Settings:
    return load_settings(
        slack_channel="C0EU",
        imap_host="imap.example",
        imap_user="eu",
        smtp_from="service@brand.example",
        reply_signature="Brand",
        **extra,
    )


def test_without_a_list_the_settings_are_the_one_account() -> None:
    s = settings()
    accounts = Accounts.from_settings(s)
    assert accounts.first is s and not accounts.several and accounts.names() == [None]
    assert accounts.settings_for(None) is s and accounts.label(None) == ""


def test_an_account_takes_what_it_leaves_out_from_the_settings_around_it() -> None:
    accounts = Accounts.from_settings(
        settings(
            accounts=[
                {"name": "Brand EU", "marketplaces": ["amazon.de", "amazon.fr"]},
                {
                    "name": "Brand US",
                    "region": "na",
                    "marketplaces": ["amazon.com"],
                    "channel": "C0US",
                    "imap_user": "us",
                    "reply_from": "us@brand.example",
                },
            ]
        )
    )
    assert accounts.several and accounts.names() == [None, "Brand US"]
    assert accounts.label(None) == "Brand EU" and accounts.label("Brand US") == "Brand US"
    eu, us = accounts.settings_for(None), accounts.settings_for("Brand US")
    assert (eu.slack_channel, eu.sp_api_region, eu.smtp_from) == ("C0EU", "eu", "service@brand.example")
    assert (us.slack_channel, us.sp_api_region, us.smtp_from) == ("C0US", "na", "us@brand.example")
    assert us.reply_signature == "Brand" and us.imap_host == "imap.example"  # inherited
    assert us.sp_api_url == "https://sellingpartnerapi-na.amazon.com" and us.accounts == []
    assert accounts.settings_for("Gone Brand") is eu  # a conversation of an account no longer configured
    assert accounts.mailboxes() == {mailbox_of(eu): None, mailbox_of(us): "Brand US"}


def test_a_shared_mailbox_is_split_by_marketplace_and_orders_go_to_the_seller_of_their_marketplace() -> None:
    accounts = Accounts.from_settings(
        settings(
            accounts=[
                {"name": "EU", "marketplaces": ["amazon.de"]},
                {
                    "name": "US",
                    "region": "na",
                    "marketplaces": ["amazon.com", "amazon.ca"],
                },  # the same mailbox
                {"name": "JP", "region": "fe", "marketplaces": ["amazon.co.jp"], "imap_user": "jp"},
            ]
        )
    )
    assert list(accounts.mailboxes().values()) == [None, "JP"]
    assert accounts.sharing(None) == [None, "US"] and accounts.sharing("JP") == ["JP"]
    assert accounts.channel_of({"account": "JP"}) == "C0EU"  # its own channel unset: the one around the list
    assert (
        accounts.channel_of({"account": "JP", "slack_channel": "C0POSTED"}) == "C0POSTED"
    )  # the card's, once posted
    assert accounts.route(None, "amazon.com") == "US" and accounts.route(None, "amazon.ca") == "US"
    assert accounts.route(None, "amazon.de") is None and accounts.route(None, None) is None
    assert accounts.route("JP", "amazon.com") == "JP"  # its own mailbox: its mail, whatever it says
    assert accounts.for_order(None, "amazon.com") == "US"
    assert accounts.for_order("JP", "amazon.co.jp") == "JP"
    assert accounts.for_order("JP", "amazon.de") == "JP"  # its own mailbox: its grant, never another seller's
    assert accounts.for_order("US", "amazon.example") == "US"  # nobody lists it: the conversation's account


def test_the_first_account_stays_first_and_a_name_gone_is_said(tmp_path: Path) -> None:
    store = Store.connect(database_url_of(tmp_path), clock=FakeClock())
    listed = Accounts.from_settings(settings(accounts=[{"name": "EU"}, {"name": "US", "imap_user": "us"}]))
    keep_first(listed, store)
    keep_first(listed, store)  # the next start: the same first
    reordered = Accounts.from_settings(
        settings(accounts=[{"name": "NEW", "imap_user": "new"}, {"name": "EU"}])
    )
    with pytest.raises(StartupError, match="List 'EU' first again"):
        keep_first(reordered, store)
    keep_first(Accounts.from_settings(settings()), store)  # back to one account: nothing to keep
    assert listed.known(None) and listed.known("US") and not listed.known("UK")
    assert listed.label("UK") == "UK (not configured)" and listed.label(None) == "EU"
    assert listed.sending_problem("US") is None
    assert "'UK' is not configured any more" in str(listed.sending_problem("UK"))
    assert listed.settings_for("UK") is listed.first  # its cards are still shown, in the first channel
    store.close()


def test_accounts_sharing_a_mailbox_must_be_told_apart_by_their_marketplaces() -> None:
    with pytest.raises(StartupError, match="list the marketplaces of 'B'"):
        Accounts.from_settings(
            settings(accounts=[{"name": "A", "marketplaces": ["amazon.de"]}, {"name": "B"}])
        )
    with pytest.raises(StartupError, match=r"'A' and 'B' read the same mailbox and both list amazon\.de"):
        Accounts.from_settings(
            settings(
                accounts=[
                    {"name": "A", "marketplaces": ["amazon.de"]},
                    {"name": "B", "marketplaces": ["amazon.fr", "amazon.de"]},
                ]
            )
        )
    apart = Accounts.from_settings(
        settings(accounts=[{"name": "A"}, {"name": "B", "marketplaces": ["amazon.de"], "imap_user": "b"}])
    )
    assert apart.for_order("B", "amazon.de") == "B" and apart.for_order("Gone", "amazon.de") == "Gone"
