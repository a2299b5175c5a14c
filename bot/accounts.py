"""The Amazon accounts one process serves, each as complete settings: the top-level settings with its own on top.

The first account is stored as no account (NULL) in the database, so a setup that grows from one account to several
keeps its conversations with the first; the others are stored by name. A mail belongs to the account whose mailbox
it arrived in; where accounts share a mailbox, to the one that sells on the mail's marketplace. An order is looked
up with the SP-API credentials and region of its conversation's account.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.errors import StartupError
from bot.mail.patterns import MARKETPLACE_IDS
from bot.settings import Settings
from bot.settings_accounts import Account
from bot.store.store import Row, Store

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

        def own(a: Account, first: bool) -> Settings:
            update: dict[str, Any] = {**a.overrides(settings.sp_api_region), "accounts": []}
            if not first and a.sp_api_refresh_token is None:  # a grant is one seller's: never borrowed
                update["sp_api_refresh_token"] = None
            return settings.model_copy(update=update)

        effective = [(a, own(a, n == 0)) for n, a in enumerate(settings.accounts)]
        names: list[str | None] = [None, *(a.name for a, _ in effective[1:])]
        _shared_mailboxes_split([(a, mailbox_of(s)) for a, s in effective])
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
        """The settings of an account by its stored name (None: the first). A name no longer configured gets the first
        account's channel to show its cards in, and nothing is sent for it (`sending_problem`)."""
        return self.others.get(account or "", self.first)

    def channel_of(self, conv: Row) -> str:
        """Where a conversation's posts go: its card's channel, or (before the card is posted) its account's."""
        return str(conv.get("slack_channel") or self.settings_for(conv.get("account")).slack_channel)

    def sharing(self, account: str | None) -> list[str | None]:
        """The accounts reading the same mailbox as this one (itself among them)."""
        box = mailbox_of(self.settings_for(account))
        return [n for n in self.names() if mailbox_of(self.settings_for(n)) == box]

    def known(self, account: str | None) -> bool:
        """Whether a stored account is configured (None, the first, always is)."""
        return account is None or account in self.others

    def label(self, account: str | None) -> str:
        """The account's name as cards show it."""
        if not self.known(account):
            return f"{account} (not configured)"
        return account if account else self.first_name

    def sending_problem(self, account: str | None) -> str | None:
        """Why nothing may be sent for a conversation's account (its name is no longer configured), else None."""
        if self.known(account):
            return None
        return (
            f"account {account!r} is not configured any more (renamed or removed from [[accounts]]): nothing is sent "
            "from another account's address or grant; add it back under that name, or answer in Seller Central"
        )

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
        sharing = self.sharing(mailbox_account)
        if len(sharing) > 1 and marketplace:
            for name in sharing:
                if self.sells_on(name, marketplace):
                    return name
        return mailbox_account

    def for_order(self, account: str | None, marketplace: str | None) -> str | None:
        """Whose SP-API looks an order up: its conversation's account — or, for a conversation of a mailbox several
        accounts share (stored before they were listed), the one of them selling on the order's marketplace. Never an
        account with a mailbox of its own elsewhere: a pan-EU order in Brand DE's mailbox is Brand DE's."""
        if not self.known(account):
            return account  # renamed or removed: nobody's grant is used for it (its card says so)
        return self.route(account, marketplace)


def keep_first(accounts: Accounts, store: Store) -> None:
    """The conversations stored without an account are the first account's: a list that starts with a different
    account than it did when first used would hand them to another seller, so it is refused (StartupError)."""
    if not accounts.first_name:  # no [[accounts]] list: one account, nothing stored by name
        return
    recorded = store.meta("first_account")
    if recorded is None:
        store.set_meta("first_account", accounts.first_name)
    elif recorded != accounts.first_name:
        raise StartupError(
            f"the first of [[accounts]] is now {accounts.first_name!r}, but it was {recorded!r}: the conversations "
            f"stored without an account are {recorded!r}'s. List {recorded!r} first again (add new accounts after it)"
        )


def _shared_mailboxes_split(accounts: list[tuple[Account, str]]) -> None:
    """Accounts reading one mailbox are told apart by the mail's marketplace: each must list its marketplaces, and no
    marketplace may be listed twice (StartupError otherwise: a mail of one seller would go to another)."""
    boxes: dict[str, list[Account]] = {}
    for account, box in accounts:
        boxes.setdefault(box, []).append(account)
    for sharing in (group for group in boxes.values() if len(group) > 1):
        names = ", ".join(repr(a.name) for a in sharing)
        unlisted = [a.name for a in sharing if not a.marketplaces]
        if unlisted:
            raise StartupError(
                f"accounts {names} read the same mailbox, so each mail goes to the one selling on its marketplace: "
                f"list the marketplaces of {', '.join(map(repr, unlisted))} (or give each account its own mailbox)"
            )
        seen: dict[str, str] = {}
        for a in sharing:
            for market in a.marketplaces:
                if market in seen:
                    raise StartupError(
                        f"accounts {seen[market]!r} and {a.name!r} read the same mailbox and both list "
                        f"{MARKETPLACE_IDS.get(market, market)}: its mails could be either's; give each its own mailbox"
                    )
                seen[market] = a.name
