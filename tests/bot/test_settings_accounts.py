"""The [[accounts]] list: what an account may set, how it is checked, and what it takes from the settings around it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings_accounts import Account, marketplace_id
from bot.settings_sources import load_settings


def test_marketplaces_by_site_or_id() -> None:
    assert marketplace_id("amazon.de") == "A1PA6795UKMFR9"
    assert marketplace_id("www.Amazon.co.uk") == "A1F83G8C2ARO7P"
    assert marketplace_id("atvpdkikx0der") == "ATVPDKIKX0DER"
    with pytest.raises(ValueError, match=r"unknown marketplace 'amazon\.example'"):
        marketplace_id("amazon.example")


def test_an_account_sets_only_what_it_names_and_its_region_brings_its_endpoint() -> None:
    us = Account(name="Brand US", region="na", marketplaces=("amazon.com", "amazon.ca"), channel="C0US")
    assert us.overrides() == {
        "sp_api_region": "na",
        "sp_api_url": "https://sellingpartnerapi-na.amazon.com",
        "sp_api_marketplace_id": "ATVPDKIKX0DER",
        "slack_channel": "C0US",
    }
    assert Account(
        name="Stand-in", region="fe", marketplaces=("amazon.co.jp",), sp_api_url="http://127.0.0.1:9/sp-api"
    ).overrides()["sp_api_url"] == ("http://127.0.0.1:9/sp-api")


def test_mistakes_are_named() -> None:
    with pytest.raises(ValidationError, match="imap_passwort"):
        Account.model_validate({"name": "A", "imap_passwort": "x"})
    with pytest.raises(ValidationError, match="a name of 1-40"):
        Account(name="")
    with pytest.raises(ValidationError, match="brand a is given twice"):
        load_settings(slack_channel="C0", accounts=[{"name": "Brand A"}, {"name": "brand a"}])


def test_the_toml_file_lists_accounts(tmp_path: Path) -> None:
    config = tmp_path / "inbox-bot.toml"
    config.write_text(
        'slack_channel = "C0EU"\n'
        "[[accounts]]\n"
        'name = "Brand EU"\n'
        'marketplaces = ["amazon.de", "amazon.fr"]\n'
        "[[accounts]]\n"
        'name = "Brand JP"\n'
        'region = "fe"\n'
        'marketplaces = ["amazon.co.jp"]\n'
        'imap_folder = "Japan"\n'
        'signature = "ブランド サポート"\n'
    )
    settings = load_settings(config)
    assert [a.name for a in settings.accounts] == ["Brand EU", "Brand JP"]
    assert settings.accounts[1].marketplaces == ("A1VC38T7YXB528",)
    assert settings.accounts[0].marketplaces == ("A1PA6795UKMFR9", "A13V1IB3VIYZZH")
    assert load_settings(slack_channel="C0").accounts == []  # no list: the settings are the one account


def test_the_environment_gives_the_list_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "INBOX_BOT_ACCOUNTS",
        '[{"name": "Brand EU"}, {"name": "Brand US", "region": "na", "marketplaces": ["amazon.com"]}]',
    )
    assert [a.name for a in load_settings(slack_channel="C0").accounts] == ["Brand EU", "Brand US"]
    monkeypatch.setenv("INBOX_BOT_ACCOUNTS", "")
    assert load_settings(slack_channel="C0").accounts == []
    monkeypatch.setenv("INBOX_BOT_ACCOUNTS", "[{name: 'x'}]")
    with pytest.raises(ValidationError, match="accounts"):
        load_settings(slack_channel="C0")


def test_a_region_needs_its_marketplaces_and_they_must_be_in_it() -> None:
    with pytest.raises(ValidationError, match="region 'na' needs its marketplaces"):
        Account(name="US", region="na")
    with pytest.raises(ValidationError, match="different SP-API regions"):
        Account(name="X", marketplaces=("amazon.de", "amazon.com"))
    with pytest.raises(ValidationError, match="region 'eu', but its marketplaces are in 'na'"):
        Account(name="X", region="eu", marketplaces=("amazon.com",))
    assert Account(name="JP", marketplaces=("amazon.co.jp",)).sp_api_region == "fe"
