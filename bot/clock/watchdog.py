"""The mailbox watchdog: a quiet mailbox must not look like a quiet day.

If no mail from Amazon (buyer messages, notices, copies of replies) has arrived for `INBOX_BOT_QUIET_HOURS` of the
shop's open time (the business hours, weekdays 08:00–18:00 when none are set), Amazon has probably stopped
forwarding: changed notification settings, a full mailbox, a filter. The channel is told once per quiet stretch, with
what to check. The stretch is counted from the last Amazon mail or from the bot's start, whichever is later, so a
fresh install or a restart never warns at once. A mailbox nearly full (IMAP QUOTA) is said too, once a day.

With SP-API (the first account's grant), the shop's own orders say whether mail should be coming: a stretch of
`INBOX_BOT_QUIET_HOURS` real hours without Amazon mail warns when orders were created in it (searchOrders, one request
per check), at night and on Sundays too, and a quiet shop with no orders is no warning. If the search fails, the
business-hours rule above decides instead.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from bot.accounts import Accounts
from bot.clock.clocks import Clock
from bot.clock.escalation import Post
from bot.clock.health import marketplaces_for
from bot.clock.sla import BusinessHours
from bot.errors import UpstreamError
from bot.services.amazon_search import OrderSearch
from bot.settings import Settings
from bot.store.store import Store, iso

log = logging.getLogger(__name__)

ORDER_GRACE = timedelta(hours=1)  # orders this new do not count yet: their buyers may not have written
MARKETS_SEEN = timedelta(days=90)  # mail from a marketplace this recent says the shop sells there
# seconds the order search may take (waiting for Amazon's rate) before business hours decide
SEARCH_WAIT = 300.0
SHOP_HOURS = "mon-fri 08:00-18:00"  # when no business hours are set: mail is expected on weekdays
QUOTA_WARN = 0.9  # a mailbox this full is said: when it is full, the server refuses Amazon's mails


class MailboxWatch:
    """Warns the channel when no Amazon mail has come for too long during business hours."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        *,
        post: Post,
        accounts: Accounts | None = None,
        orders: OrderSearch | None = None,
    ) -> None:
        self.settings = settings
        self.orders = orders  # the first account's searchOrders: its mailbox is watched against its orders
        self.accounts = accounts or Accounts.from_settings(settings)  # each mailbox watched on its own
        self.store = store
        self.clock = clock
        self.post = post
        self.started = clock.now()
        self.hours = BusinessHours.parse(settings.business_hours or SHOP_HOURS, settings.tz)

    def tick(self) -> bool:
        """Post the warning for each mailbox quiet too long in business time (once per quiet stretch); whether any was
        posted. The first account's mailbox is left to `tick_orders` when SP-API can say whether orders come in."""
        if self.settings.quiet_hours <= 0:
            return False
        owners = [
            o for o in self.accounts.mailboxes().values() if not (o is None and self.orders is not None)
        ]
        told = [self._tick(owner) for owner in owners]
        return any(told)

    async def tick_orders(self) -> bool:
        """The first account's mailbox against its orders: quiet for the whole stretch (real hours) while orders were
        created in it (but for its last hour, whose buyers may not have written yet) warns once per stretch; whether
        it warned. A search that fails or takes too long (Amazon's rate is shared with the weekly report) falls back
        to business hours."""
        if self.settings.quiet_hours <= 0 or self.orders is None:
            return False
        stretch = await self.store.run(self._stretch, None)
        if stretch is None:
            return False
        since, _, _ = stretch
        now = self.clock.now()
        if now - since < timedelta(hours=self.settings.quiet_hours):
            return False
        # orders this new do not count (their buyers may not have written yet); Amazon wants 2 minutes at least
        until = now - max(min(ORDER_GRACE, (now - since) / 2), timedelta(minutes=3))
        if until <= since:
            return False  # a stretch of minutes (a tiny INBOX_BOT_QUIET_HOURS): too short to ask Amazon about
        # the account's marketplaces; with one account also those Amazon's mail came from lately (a pan-EU seller's
        # amazon.fr), which with several may be another account's, whose orders this grant cannot search
        markets = list(self.accounts.marketplaces.get(None, ()))
        if not self.accounts.several:
            seen = await self.store.run(marketplaces_for, self.settings, self.store, now - MARKETS_SEEN, now)
            markets = list(dict.fromkeys([*markets, *seen]))
        try:
            created, more = await asyncio.wait_for(
                self.orders.created_between(since, until, markets), SEARCH_WAIT
            )
        except (UpstreamError, TimeoutError) as e:
            log.warning("the mailbox watchdog cannot ask SP-API for orders (%r): business hours decide", e)
            return await self.store.run(self._tick, None)
        if not created:
            log.info(
                "no Amazon mail since %s, and no orders either: a quiet shop, not told", since.isoformat()
            )
            return False
        return await self.store.run(self._warn_if_still_quiet, since, f"{created}+" if more else str(created))

    def _warn_if_still_quiet(self, since: datetime, orders: str) -> bool:
        """Warn about the first mailbox's stretch from `since`, unless Amazon mail came while the orders were asked."""
        stretch = self._stretch(None)
        if stretch is None or stretch[0] != since:
            return False  # a mail came meanwhile (a new stretch), or the stretch was told already
        return self._warn(None, *stretch, orders=orders)

    def _stretch(self, owner: str | None) -> tuple[datetime, datetime | None, str] | None:
        """The mailbox's quiet stretch: since when, the last Amazon mail, its once-key; None once it was told."""
        accounts = self.accounts
        last_mail = self.store.last_amazon_mail(
            accounts=accounts.sharing(owner) if accounts.several else None
        )
        since = max(last_mail or self.started, self.started)
        key = f"quiet:{iso(since)}" if owner is None else f"quiet:{owner}:{iso(since)}"
        return None if self.store.queued_before(dedupe_key=key) else (since, last_mail, key)

    def _tick(self, owner: str | None) -> bool:
        stretch = self._stretch(owner)
        if stretch is None:
            return False
        since, last_mail, key = stretch
        now = self.clock.now()
        # quiet hours counted in business time: a night or a weekend without mail is no warning
        if not self.hours.open_at(now) or self.hours.open_between(since, now) < timedelta(
            hours=self.settings.quiet_hours
        ):
            return False
        return self._warn(owner, since, last_mail, key)

    def _warn(
        self,
        owner: str | None,
        since: datetime,
        last_mail: datetime | None,
        key: str,
        orders: str | None = None,
    ) -> bool:
        limit = self.settings.quiet_hours
        payload: dict[str, Any] = {
            "quiet": iso(since),
            "last_mail": iso(last_mail) if last_mail else None,
            "hours": limit,
        }
        if orders is not None:
            payload["orders"] = orders
        if self.accounts.several:
            payload["account"] = self.accounts.label(owner)
        self.post("note", None, self.accounts.settings_for(owner).slack_channel, key, payload)
        log.warning("no Amazon mail since %s (%.0f h): the channel is told", since.isoformat(), limit)
        return True

    def quota(self, used_kib: int, limit_kib: int, account: str | None = None) -> bool:
        """A mailbox's fill level (from IMAP QUOTA; the first account's unless named): at QUOTA_WARN or more its
        account's channel is told, once a day while it stays so; whether it was told now."""
        if limit_kib <= 0 or used_kib < QUOTA_WARN * limit_kib:
            return False
        day = self.clock.now().astimezone(self.settings.tz).date().isoformat()
        key = f"quota:{day}" if account is None else f"quota:{account}:{day}"
        if self.store.queued_before(dedupe_key=key):
            return False
        payload: dict[str, Any] = {"quota": [used_kib, limit_kib]}
        if self.accounts.several:
            payload["account"] = self.accounts.label(account)
        self.post("note", None, self.accounts.settings_for(account).slack_channel, key, payload)
        log.warning("mailbox %d of %d KiB full: the channel is told", used_kib, limit_kib)
        return True
