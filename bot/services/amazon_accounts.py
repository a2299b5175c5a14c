"""SP-API for several Amazon accounts: each order is looked up, and each message to a buyer sent, with the credentials
and region of the account it belongs to (bot/accounts.py) — never through another account's authorisation."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

from bot.accounts import Accounts
from bot.errors import ConfigurationError, NotFoundError, UpstreamError
from bot.services.amazon import Order, SpApi
from bot.services.http import ApiObserver
from bot.services.messaging import Allowed, AmazonMessaging
from bot.store.store import Store

log = logging.getLogger(__name__)


class OrderLookup(Protocol):
    """getOrder as the enricher and /order use it: one account's SpApi, or every account's."""

    @property
    def queued(self) -> int:
        """Lookups waiting for Amazon's rate."""
        ...

    async def get_order(self, order_id: str) -> Order:
        """The order with its items and packages."""
        ...

    def configured(self, order_id: str) -> bool:
        """Whether the order's account has SP-API set up (else it is never asked)."""
        ...


class BuyerMessaging(Protocol):
    """SP-API Messaging as the mailer and the message-the-buyer window use it."""

    async def actions(self, order_id: str, marketplace: str | None = None) -> Allowed:
        """What Amazon allows for this order (of that marketplace) now."""
        ...

    async def send(
        self,
        order_id: str,
        action: str,
        *,
        text: str = "",
        files: list[Path] | None = None,
        marketplace: str | None = None,
    ) -> None:
        """Send one message."""
        ...


class AccountsSpApi:
    """One SpApi and one Messaging client per account with SP-API credentials; a call goes to the order's account."""

    def __init__(
        self, accounts: Accounts, store: Store, first: SpApi | None, *, observe: ApiObserver | None
    ) -> None:
        self.accounts = accounts
        self.store = store
        self.apis: dict[str | None, SpApi] = {None: first} if first is not None else {}
        for name in accounts.others:
            settings = accounts.settings_for(name)
            if settings.sp_api_enabled:
                self.apis[name] = SpApi(settings, observe=observe)
        self.messaging = {name: AmazonMessaging(api) for name, api in self.apis.items()}

    @property
    def queued(self) -> int:
        """Lookups waiting for Amazon's rate, over every account."""
        return sum(api.queued for api in self.apis.values())

    def account_of(self, order_id: str) -> str | None:
        """The account an order belongs to: its conversation's, or the one selling on its marketplace."""
        account, marketplace = self.store.order_owner(order_id=order_id)
        return self.accounts.for_order(account, marketplace)

    def api_for(self, order_id: str) -> SpApi:
        """The SpApi of the order's account; ConfigurationError when that account has no SP-API credentials."""
        return self.apis[self._granted(order_id)]

    def _granted(self, order_id: str) -> str | None:
        """The order's account, looked up once; ConfigurationError when it has no SP-API credentials."""
        account = self.account_of(order_id)
        if account not in self.apis:
            raise ConfigurationError(
                "SP-API",
                f"account {self.accounts.label(account)!r} has no SP-API credentials (sp_api_refresh_token, "
                "lwa_app_id, lwa_client_secret in its [[accounts]] entry or at the top level)",
            )
        return account

    def configured(self, order_id: str) -> bool:
        """Whether the order's account has an SP-API grant of its own (an order no conversation names: any account)."""
        return bool(self.apis) if self._unnamed(order_id) else self.account_of(order_id) in self.apis

    async def get_order(self, order_id: str) -> Order:
        """getOrder with the order's account's credentials, in its region. An order no conversation names (`/order`
        for any order id) is asked of each account with a grant in turn, until one knows it."""
        if await self.store.run(self._unnamed, order_id):
            failures: list[UpstreamError] = []
            for api in self.apis.values():  # another seller's order may answer 404, 403 or an empty payload
                try:
                    return await api.get_order(order_id)
                except UpstreamError as e:
                    failures.append(e)
            raise next((e for e in failures if not isinstance(e, NotFoundError)), None) or (
                failures[0]
                if failures
                else NotFoundError("SP-API", f"order {order_id} is not known to any account")
            )
        api = await self.store.run(self.api_for, order_id)
        return await api.get_order(order_id)

    def _unnamed(self, order_id: str) -> bool:
        """Whether no conversation names the order (so its account is not known)."""
        return not self.store.conversations_for_order(order_id=order_id)

    async def actions(self, order_id: str, marketplace: str | None = None) -> Allowed:
        """getMessagingActionsForOrder as the order's account."""
        return await self.messaging[await self.store.run(self._granted, order_id)].actions(
            order_id, marketplace
        )

    async def send(
        self,
        order_id: str,
        action: str,
        *,
        text: str = "",
        files: list[Path] | None = None,
        marketplace: str | None = None,
    ) -> None:
        """One message to the buyer, sent as the order's account."""
        messaging = self.messaging[await self.store.run(self._granted, order_id)]
        await messaging.send(order_id, action, text=text, files=files, marketplace=marketplace)

    async def aclose(self) -> None:
        """Close the connections of the accounts after the first (the first's SpApi is closed by its owner)."""
        for name, api in self.apis.items():
            if name is not None:
                await api.aclose()
