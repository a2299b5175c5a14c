"""The mailbox watchdog on an injected clock: quiet in business hours warns once per stretch; nights, weekends, a
fresh start and arriving mail do not."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.cards.card import CardTime
from bot.cards.clock import full_mailbox, quiet_mailbox
from bot.clock.clocks import FakeClock
from bot.clock.watchdog import MailboxWatch
from bot.mail.intake import Intake
from bot.mail.source import IncomingMail
from bot.sandbox.fake_services import FakeServices, StoredOrder
from bot.services.amazon import SpApi
from bot.services.amazon_search import OrderSearch
from bot.store.store import Store
from tests.conftest import fixture_mail, make_settings

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=BERLIN)


class Rig:
    def __init__(
        self,
        tmp_path: Path,
        start: datetime = MONDAY_9,
        services: FakeServices | None = None,
        **overrides: Any,
    ) -> None:
        self.clock = FakeClock(start)
        if services is not None:  # SP-API: the first mailbox is watched against the shop's orders
            services.clock = self.clock.now
            overrides = {**services.urls(services.base_url), **overrides}
        self.settings = make_settings(tmp_path, **overrides)
        self.store = Store.open(self.settings.database_path, clock=self.clock)
        self.posts: list[tuple[str, int | None, str | None, str, dict[str, Any]]] = []
        self.search = OrderSearch(SpApi(self.settings, attempts=1)) if services is not None else None
        self.watch = MailboxWatch(self.settings, self.store, self.clock, post=self.post, orders=self.search)

    def post(
        self, kind: str, conv: int | None, channel: str | None, key: str, payload: dict[str, Any]
    ) -> None:
        self.store.enqueue(kind="post_note", dedupe_key=key, due_by=None, channel=channel, payload=payload)
        self.posts.append((kind, conv, channel, key, payload))

    async def mail(self, name: str = "de_invoice.eml") -> None:
        raw = fixture_mail(name).replace(
            b"de-invoice-0002", f"m{len(self.posts)}{self.clock.now().timestamp()}".encode()
        )
        await Intake(self.settings, self.store).handle(
            IncomingMail(raw, str(self.clock.now()), self.clock.now())
        )


async def test_twelve_quiet_hours_of_business_time_warn_once(tmp_path: Path) -> None:
    rig = Rig(tmp_path)  # started Monday 09:00; the shop is open weekdays 08:00-18:00
    rig.clock.set(datetime(2026, 11, 24, 10, 59, tzinfo=BERLIN))  # Tuesday: 9 h on Monday + 2 h 59 min
    assert not rig.watch.tick()
    rig.clock.set(datetime(2026, 11, 24, 11, 0, tzinfo=BERLIN))  # twelve open hours without Amazon mail
    assert rig.watch.tick()
    assert not rig.watch.tick()  # once per quiet stretch
    [(kind, conv, channel, _, payload)] = rig.posts
    assert (kind, conv, channel) == ("note", None, "C0INBOX") and payload["last_mail"] is None
    text = str(quiet_mailbox(payload, CardTime(now=rig.clock.now(), tz=BERLIN))["blocks"])
    assert "No mail from Amazon for 12 hours" in text and "Notification Preferences" in text


async def test_nights_and_weekends_do_not_count_and_mail_starts_a_new_stretch(tmp_path: Path) -> None:
    rig = Rig(tmp_path, start=datetime(2026, 11, 27, 17, 0, tzinfo=BERLIN))  # a Friday afternoon
    await rig.mail()
    rig.clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=BERLIN))  # Monday opening: a weekend, but one open hour
    assert not rig.watch.tick()
    rig.clock.set(datetime(2026, 12, 1, 8, 59, tzinfo=BERLIN))  # 1 + 10 h + 59 min
    assert not rig.watch.tick()
    rig.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN))
    assert rig.watch.tick()
    assert rig.posts[-1][4]["last_mail"] is not None
    await rig.mail()  # mail again: a new stretch
    rig.clock.set(datetime(2026, 12, 2, 10, 0, tzinfo=BERLIN))  # 9 + 2 open hours since
    assert not rig.watch.tick()
    rig.clock.set(datetime(2026, 12, 2, 11, 0, tzinfo=BERLIN))
    assert rig.watch.tick() and len(rig.posts) == 2
    rig.clock.set(datetime(2026, 12, 2, 19, 0, tzinfo=BERLIN))  # after closing: no warning, even when due
    assert not rig.watch.tick()


async def test_off_when_set_to_zero(tmp_path: Path) -> None:
    rig = Rig(tmp_path, quiet_hours=0)
    rig.clock.advance(days=3)
    assert not rig.watch.tick()


def test_a_nearly_full_mailbox_is_said_once_a_day_with_its_figures(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    assert not rig.watch.quota(800_000, 1_000_000)  # 80 %: fine
    assert not rig.watch.quota(5, 0)  # no limit
    assert rig.watch.quota(930_000, 1_000_000)
    assert not rig.watch.quota(950_000, 1_000_000)  # the same day: said already
    rig.clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN))
    assert rig.watch.quota(960_000, 1_000_000)  # still full the next day: said again
    [first, second] = [p[4] for p in rig.posts]
    assert first == {"quota": [930_000, 1_000_000]} and second == {"quota": [960_000, 1_000_000]}
    note = full_mailbox(first, CardTime(rig.clock.now(), BERLIN))
    text = note["blocks"][0]["text"]["text"]
    assert "93 % full" in text and "908 of 976 MB" in text and "refuses Amazon's mails" in text


async def test_each_accounts_mailbox_is_watched_and_told_in_its_channel(tmp_path: Path) -> None:
    rig = Rig(
        tmp_path,
        mail_source="imap",
        imap_host="imap.example",
        imap_user="eu",
        accounts=[
            {"name": "Brand EU", "marketplaces": ["amazon.de"]},
            {"name": "Brand UK", "marketplaces": ["amazon.co.uk"]},  # shares the EU mailbox
            {"name": "Brand US", "imap_user": "us", "channel": "C0US"},  # its own mailbox and channel
        ],
    )
    rig.clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=BERLIN))
    await rig.mail()  # an amazon.de mail from the EU mailbox: the EU one is not quiet, the US one still is
    rig.clock.set(datetime(2026, 11, 24, 11, 0, tzinfo=BERLIN))
    assert rig.watch.tick()
    [(_, _, channel, key, payload)] = rig.posts
    assert (channel, payload["account"]) == ("C0US", "Brand US") and key.startswith("quiet:Brand US:")
    text = str(quiet_mailbox(payload, CardTime(now=rig.clock.now(), tz=BERLIN))["blocks"])
    assert text.count("Brand US") == 1 and "No mail from Amazon for 12 hours" in text
    assert not rig.watch.tick()

    assert rig.watch.quota(950, 1000, "Brand US") and rig.watch.quota(
        950, 1000
    )  # each mailbox said on its own
    assert not rig.watch.quota(960, 1000, "Brand US")  # once a day
    quotas = [(p[2], p[4]["account"]) for p in rig.posts if "quota" in p[4]]
    assert quotas == [("C0US", "Brand US"), ("C0INBOX", "Brand EU")]


def sell(services: FakeServices, when: datetime, n: int = 1) -> None:
    """`n` orders created at `when` on amazon.de."""
    for i in range(n):
        order_id = f"302-{int(when.timestamp()) % 10_000_000:07d}-{i:07d}"
        services.orders[order_id] = StoredOrder(
            order_id, "A1PA6795UKMFR9", when, [("Item", "B0X", 1, "9")], "EUR"
        )


async def test_with_sp_api_a_quiet_mailbox_warns_when_orders_came_in_at_any_hour(
    tmp_path: Path, fake_services: FakeServices
) -> None:
    saturday_night = datetime(2026, 11, 28, 23, 0, tzinfo=BERLIN)
    rig = Rig(tmp_path, start=saturday_night, services=fake_services)
    assert not rig.watch.tick()  # the business-hours rule leaves this mailbox to the order check
    rig.clock.advance(hours=11, minutes=59)
    assert not await rig.watch.tick_orders() and fake_services.count("sp-api") == 0  # not quiet long enough
    rig.clock.advance(minutes=1)  # Sunday 11:00: twelve hours without Amazon mail, and no orders either
    assert not await rig.watch.tick_orders() and rig.posts == []  # a quiet shop is no warning
    assert fake_services.count("sp-api") == 1
    sell(fake_services, saturday_night + timedelta(hours=3), 2)  # two orders in the night
    sell(fake_services, saturday_night - timedelta(hours=1))  # before the stretch: not counted
    assert await rig.watch.tick_orders()
    assert not await rig.watch.tick_orders()  # once per stretch, and no search once told
    assert fake_services.count("sp-api") == 2
    [(kind, _, channel, _, payload)] = rig.posts
    assert (kind, channel, payload["orders"], payload["hours"]) == ("note", "C0INBOX", "2", 12)
    text = str(quiet_mailbox(payload, CardTime(now=rig.clock.now(), tz=BERLIN))["blocks"])
    assert "No mail from Amazon for 12 hours" in text and "while 2 orders came in" in text
    await rig.mail()  # mail again: a new stretch, counted from it
    rig.clock.advance(hours=11)
    assert not await rig.watch.tick_orders() and fake_services.count("sp-api") == 2
    await rig.search.api.aclose()  # type: ignore[union-attr]


async def test_with_sp_api_failing_business_hours_decide(tmp_path: Path, fake_services: FakeServices) -> None:
    rig = Rig(tmp_path, services=fake_services)  # Monday 09:00
    fake_services.fail("sp-api", 500, times=10)
    rig.clock.set(datetime(2026, 11, 24, 3, 0, tzinfo=BERLIN))  # 18 real hours, nine of them open
    assert not await rig.watch.tick_orders() and fake_services.count("sp-api") >= 1
    rig.clock.set(datetime(2026, 11, 24, 11, 0, tzinfo=BERLIN))  # twelve open hours: the fallback warns
    assert await rig.watch.tick_orders()
    [(_, _, _, _, payload)] = rig.posts
    assert "orders" not in payload
    await rig.search.api.aclose()  # type: ignore[union-attr]


async def test_with_sp_api_a_mail_arriving_during_the_order_search_warns_nobody(
    tmp_path: Path, fake_services: FakeServices
) -> None:
    rig = Rig(tmp_path, start=datetime(2026, 11, 28, 23, 0, tzinfo=BERLIN), services=fake_services)
    sell(fake_services, datetime(2026, 11, 29, 2, 0, tzinfo=BERLIN))
    assert rig.search is not None
    asked = rig.search.created_between

    async def slow_answer(since: datetime, until: datetime, markets: Any) -> tuple[int, bool]:
        found = await asked(since, until, markets)
        await rig.mail()  # Amazon's mail comes while Amazon's rate kept the search waiting
        return found

    rig.search.created_between = slow_answer  # type: ignore[method-assign]
    rig.clock.advance(hours=12)
    assert not await rig.watch.tick_orders() and rig.posts == []
    await rig.search.api.aclose()


async def test_with_sp_api_orders_of_every_marketplace_seen_count_but_not_the_newest_hour(
    tmp_path: Path, fake_services: FakeServices
) -> None:
    rig = Rig(tmp_path, start=datetime(2026, 11, 28, 23, 0, tzinfo=BERLIN), services=fake_services)
    await rig.mail("fr_damaged.eml")  # amazon.fr mail: the shop sells there too
    rig.clock.advance(hours=12)  # Sunday 11:00, twelve hours after it
    french = "402-1234567-0000001"
    fake_services.orders[french] = StoredOrder(
        french, "A13V1IB3VIYZZH", rig.clock.now() - timedelta(hours=7), [("Item", "B0X", 1, "9")], "EUR"
    )
    sell(
        fake_services, rig.clock.now() - timedelta(minutes=30)
    )  # too new: its buyer may not have written yet
    assert await rig.watch.tick_orders()
    assert rig.posts[-1][4]["orders"] == "1"  # the amazon.fr order; not the one of the last half hour
    assert rig.search is not None
    await rig.search.api.aclose()


async def test_with_sp_api_a_stretch_of_minutes_asks_amazon_nothing(
    tmp_path: Path, fake_services: FakeServices
) -> None:
    rig = Rig(
        tmp_path, services=fake_services, quiet_hours=0.04
    )  # 2.4 minutes: shorter than Amazon's own margin
    rig.clock.advance(minutes=3)
    assert not await rig.watch.tick_orders() and fake_services.count("sp-api") == 0
    rig.clock.advance(minutes=10)  # long enough to leave the newest minutes out: asked, nothing sold
    assert not await rig.watch.tick_orders() and fake_services.count("sp-api") == 1
    assert rig.search is not None
    await rig.search.api.aclose()
