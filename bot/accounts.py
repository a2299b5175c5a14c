"""The Amazon accounts one process serves, each as complete settings: the top-level settings with its own on top.

The first account is stored as no account (NULL) in the database, so a setup that grows from one account to several
keeps its conversations with the first; the others are stored by name. A mail belongs to the account whose mailbox
it arrived in; where accounts share a mailbox, to the one that sells on the mail's marketplace. An order is looked
up with the SP-API credentials and region of its conversation's account.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.mail.patterns import MARKETPLACE_IDS
from bot.settings import Settings

log = logging.getLogger(__name__)


def mailbox_of(settings: Settings) -> str:
    """Which mailbox settings read: accounts with the same one share it."""
    if settings.mail_source == "directory":
        return f"dir:{settings.mail_directory}"
    return f"imap:{settings.imap_user}@{settings.imap_host}:{settings.imap_port}/{settings.imap_folder}"


@dataclass(frozen=True)
class Accounts:
    """Each account's settings, by name; None is the first account (and the only one without a list)."""

    first: Settings
    others: dict[str, Settings]
    first_name: str = ""
    marketplaces: dict[str | None, tuple[str, ...]] = field(default_factory=dict)  # ids, the main one first

    @classmethod
    def from_settings(cls, settings: Settings) -> Accounts:
        """The accounts the settings list (or the settings themselves as the one account)."""
        if not settings.accounts:
            return cls(first=settings, others={}, marketplaces={None: (settings.sp_api_marketplace_id,)})
        effective = [
            (a, settings.model_copy(update={**a.overrides(), "accounts": []})) for a in settings.accounts
        ]
        names: list[str | None] = [None, *(a.name for a, _ in effective[1:])]
        return cls(
            first=effective[0][1],
            others={a.name: s for a, s in effective[1:]},
            first_name=effective[0][0].name,
            marketplaces={
                name: a.marketplaces or (s.sp_api_marketplace_id,)
                for name, (a, s) in zip(names, effective, strict=True)
            },
        )

    @property
    def several(self) -> bool:
        """Whether cards must say which account they belong to."""
        return bool(self.others)

    def settings_for(self, account: str | None) -> Settings:
        """The settings of an account by its stored name (None, or a name no longer configured: the first)."""
        if account and account not in self.others:
            log.warning(
                "account %r is not configured (any more); the first account's settings apply", account
            )
        return self.others.get(account or "", self.first)

    def label(self, account: str | None) -> str:
        """The account's name as cards show it."""
        return account if account and account in self.others else self.first_name

    def names(self) -> list[str | None]:
        """Every account as stored: None for the first."""
        return [None, *self.others]

    def mailboxes(self) -> dict[str, str | None]:
        """Each distinct mailbox and the account it belongs to (the first account listing it)."""
        found: dict[str, str | None] = {}
        for name in self.names():
            found.setdefault(mailbox_of(self.settings_for(name)), name)
        return found

    def sells_on(self, account: str | None, marketplace: str) -> bool:
        """Whether an account lists a marketplace (given as its site, amazon.com, or its id)."""
        wanted = {marketplace, *(mid for mid, site in MARKETPLACE_IDS.items() if site == marketplace)}
        return bool(wanted & set(self.marketplaces.get(account, ())))

    def route(self, mailbox_account: str | None, marketplace: str | None) -> str | None:
        """The account of a mail read from `mailbox_account`'s mailbox: where several accounts share that mailbox,
        the first of them selling on the mail's marketplace."""
        box = mailbox_of(self.settings_for(mailbox_account))
        sharing = [n for n in self.names() if mailbox_of(self.settings_for(n)) == box]
        if len(sharing) > 1 and marketplace:
            for name in sharing:
                if self.sells_on(name, marketplace):
                    return name
        return mailbox_account

    def for_order(self, account: str | None, marketplace: str | None) -> str | None:
        """Whose SP-API looks an order up: its conversation's account, unless that account does not sell on the
        order's marketplace and another one does (one mailbox for amazon.de and amazon.com, two regions)."""
        if marketplace and not self.sells_on(account, marketplace):
            for name in self.names():
                if self.sells_on(name, marketplace):
                    return name
        return account
