"""Several Amazon accounts in one process: the `[[accounts]]` list of the TOML file (or INBOX_BOT_ACCOUNTS as JSON).

Each account names what differs from the settings around it — its SP-API region and credentials, its marketplaces,
its mailbox, its Slack channel, the address replies are sent from, the signature and a templates folder; whatever
it leaves out is taken from the top-level settings (one SMTP server, one Login-with-Amazon app, one Slack app).
The first account is the one the top-level settings describe when no list is given, so a single-account setup with
environment variables keeps working unchanged. bot/accounts.py turns the list into each account's settings.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode

from bot.mail.patterns import MARKETPLACE_IDS
from bot.services.regions import region_of

log = logging.getLogger(__name__)

ENDPOINTS = {  # SP-API's regional endpoints
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}
_IDS = {site: mid for mid, site in MARKETPLACE_IDS.items()}
NAME = re.compile(r"^[\w][\w .&'+-]{0,39}$")


def marketplace_id(value: str) -> str:
    """A marketplace given as its site (amazon.de, www.amazon.co.uk) or its id (A1PA6795UKMFR9): the id."""
    text = value.strip()
    site = text.lower().removeprefix("www.")
    if site in _IDS:
        return _IDS[site]
    if text.upper() in MARKETPLACE_IDS:
        return text.upper()
    raise ValueError(f"unknown marketplace {value!r}: use its site (amazon.de) or its id (A1PA6795UKMFR9)")


class Account(BaseModel):
    """One Amazon seller account: what differs from the top-level settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Shown on its cards, e.g. 'Brand DE'")
    region: Literal["na", "eu", "fe"] | None = Field(None, description="SP-API region (its endpoint follows)")
    marketplaces: tuple[str, ...] = Field(
        (), description="Its marketplaces (sites or ids); the first is its main"
    )
    sp_api_url: str | None = None
    sp_api_refresh_token: SecretStr | None = None
    lwa_app_id: str | None = None
    lwa_client_secret: SecretStr | None = None
    imap_host: str | None = None
    imap_port: int | None = Field(None, ge=1, le=65535)
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_folder: str | None = None
    channel: str | None = Field(None, description="Slack channel id of its cards")
    reply_from: str | None = Field(None, description="Address its replies are sent from")
    signature: str | None = Field(None, description="How its replies are signed")
    templates: Path | None = Field(None, description="Its templates folder (over the shipped templates)")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError("a name of 1-40 letters, digits, spaces or . & ' + - (it is shown on cards)")
        return value

    @field_validator("marketplaces")
    @classmethod
    def _marketplaces(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(marketplace_id(v) for v in value))

    @model_validator(mode="after")
    def _one_region(self) -> Account:
        """An SP-API grant reaches one region: the marketplaces must be in it (it follows from them when not given)."""
        regions = {region_of(m) for m in self.marketplaces}
        if len(regions) > 1:
            raise ValueError(
                f"account {self.name!r}: {', '.join(MARKETPLACE_IDS[m] for m in self.marketplaces)} are in "
                f"different SP-API regions ({', '.join(sorted(regions))}): make one account per region"
            )
        if self.region and not self.marketplaces:
            raise ValueError(
                f"account {self.name!r}: region {self.region!r} needs its marketplaces (amazon.com …)"
            )
        if self.region and regions and regions != {self.region}:
            raise ValueError(
                f"account {self.name!r}: region {self.region!r}, but its marketplaces are in {regions.pop()!r}"
            )
        return self

    @property
    def sp_api_region(self) -> str | None:
        """Its region: as given, else the one of its marketplaces."""
        return self.region or (region_of(self.marketplaces[0]) if self.marketplaces else None)

    def overrides(self, base_region: str | None = None) -> dict[str, Any]:
        """The settings this account sets, by their top-level names; a region other than `base_region` (the settings
        around it) brings that region's endpoint unless it names its own."""
        region = self.sp_api_region
        endpoint = ENDPOINTS[region] if region and region != base_region else None
        values: dict[str, Any] = {
            "sp_api_region": region,
            "sp_api_url": self.sp_api_url or endpoint,
            "sp_api_marketplace_id": self.marketplaces[0] if self.marketplaces else None,
            "sp_api_refresh_token": self.sp_api_refresh_token,
            "lwa_app_id": self.lwa_app_id,
            "lwa_client_secret": self.lwa_client_secret,
            "imap_host": self.imap_host,
            "imap_port": self.imap_port,
            "imap_user": self.imap_user,
            "imap_password": self.imap_password,
            "imap_folder": self.imap_folder,
            "slack_channel": self.channel,
            "smtp_from": self.reply_from,
            "reply_signature": self.signature,
            "template_dir": self.templates,
        }
        return {key: value for key, value in values.items() if value is not None}


class AccountSettings(BaseSettings):
    """The accounts list, part of Settings (bot/settings.py)."""

    accounts: Annotated[list[Account], NoDecode] = Field(
        default_factory=list,
        description="Several Amazon accounts: a [[accounts]] list in the TOML file (name, region, marketplaces, "
        "SP-API credentials, mailbox, channel, reply_from, signature, templates); empty: the settings above are "
        "the one account",
    )

    @field_validator("accounts", mode="before")
    @classmethod
    def _json(cls, value: Any) -> Any:
        if isinstance(value, str):  # INBOX_BOT_ACCOUNTS: the list as JSON; empty is no list
            return json.loads(value) if value.strip() else []
        return value

    @model_validator(mode="after")
    def _distinct(self) -> AccountSettings:
        names = [a.name.casefold() for a in self.accounts]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"accounts: each name once ({', '.join(twice)} is given twice)")
        return self
