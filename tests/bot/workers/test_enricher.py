"""Order and tracking on the card: deadline, failures and retries, cache economy, refresh schedule."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_deps
from bot.clock.clocks import FakeClock
from bot.deps import Deps
from bot.mail.source import IncomingMail
from bot.sandbox.fake_services import FakeServices, Parcel, ParcelEvent, StoredOrder
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail, make_settings

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
ORDER = "302-1234567-1234567"  # the order of de_invoice.eml and de_followup_aw.eml
PARCEL = "00340434161094042557"


async def no_wait(seconds: float) -> None:
    return None


class World:
    """The bot's core (intake, enricher, poster) with Slack, Amazon and DHL stand-ins on one fake clock."""

    def __init__(self, deps: Deps, clock: FakeClock, slack: FakeSlack, services: FakeServices) -> None:
        self.deps, self.clock, self.slack, self.services = deps, clock, slack, services

    async def mail(self, name: str) -> None:
        await self.deps.intake.handle(IncomingMail(fixture_mail(name), name, self.clock.now()))

    async def settle(self) -> None:
        """Finish running lookups, then post everything queued."""
        for task in list(self.deps.enricher._tasks.values()):
            await task
        while await self.deps.poster.drain():
            pass

    def card(self) -> dict[str, Any]:
        [card] = self.slack.posts("C0INBOX", top_level=True)
        return card

    def card_text(self) -> str:
        return json.dumps(self.card()["blocks"], ensure_ascii=False)


@pytest.fixture
async def world(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[World]:
    from sp_api.asyncio.auth import access_token_client

    access_token_client.cache.clear()
    clock = FakeClock(NOW)
    services = await FakeServices(clock=clock.now).start()
    services.orders[ORDER] = StoredOrder(
        ORDER,
        "A1PA6795UKMFR9",
        NOW - timedelta(days=3),
        [("Kaffeemühle Edelstahl", "B0CAFE0001", 1, "39.90")],
        "EUR",
        packages=[("DHL", PARCEL, "DHL Paket")],
    )
    services.parcels[PARCEL] = Parcel(
        PARCEL,
        "dhl",
        NOW - timedelta(days=2),
        [
            ParcelEvent(0, "pre-transit", "Die Sendung wurde elektronisch angekündigt."),
            ParcelEvent(20, "transit", "Die Sendung wurde im Start-Paketzentrum bearbeitet.", "Hamburg, DE"),
            ParcelEvent(
                49, "out-for-delivery", "Die Sendung wurde in das Zustellfahrzeug geladen.", "Köln, DE"
            ),
            ParcelEvent(52, "delivered", "Die Sendung wurde zugestellt.", "Köln, DE"),
        ],
        eta_hours=52,
    )
    settings = make_settings(tmp_path, fake_slack, enrich_deadline=2.0, **services.urls(services.base_url))
    deps = build_deps(settings, clock=clock)
    assert deps.amazon is not None
    deps.amazon.sleep = no_wait
    deps.tracker.sleep = no_wait
    yield World(deps, clock, fake_slack, services)
    await deps.enricher.close()
    await deps.amazon.aclose()
    await deps.http.aclose()
    deps.store.close()
    await services.stop()


async def test_card_arrives_with_order_items_and_live_tracking(world: World) -> None:
    await world.mail("de_invoice.eml")
    await world.settle()
    text = world.card_text()
    assert "Kaffeemühle Edelstahl" in text and "39.90 EUR" in text and "FBM" in text
    assert "*DHL* `00340434161094042557` — *In transit*" in text
    assert "Start-Paketzentrum bearbeitet. (Hamburg DE" in text
    track = [
        b["accessory"]
        for b in world.card()["blocks"]
        if b.get("accessory", {}).get("text", {}).get("text") == "Track"
    ]
    assert track[0]["url"].endswith("piececode=00340434161094042557")
    assert len(world.slack.calls_of("chat.postMessage")) == 1 and not world.slack.calls_of("chat.update")


async def test_slow_amazon_card_goes_first_and_is_updated(world: World) -> None:
    world.services.delays["sp-api"] = 0.6
    world.deps.settings.enrich_deadline = 0.1
    await world.mail("de_invoice.eml")
    await world.deps.poster.drain()  # the deadline passes: posted without the order
    first = world.slack.calls_of("chat.postMessage")[0]
    assert "Fetching the order" in json.dumps(first["blocks"]) and "Kaffeem" not in json.dumps(
        first["blocks"]
    )
    await world.settle()
    [update] = world.slack.calls_of("chat.update")
    assert update["ts"] == world.card()["ts"] and "Kaffeemühle" in json.dumps(
        update["blocks"], ensure_ascii=False
    )


async def test_in_a_backlog_cards_do_not_wait_for_lookups_queued_behind_amazons_rate(world: World) -> None:
    from aiolimiter import AsyncLimiter

    assert world.deps.amazon is not None
    # Amazon's plan used up for the next three seconds, and a card would wait up to 30 for its order: a card that
    # waited for a lookup queued behind the rate would show the order (no timing asserted: the machine may be busy)
    world.deps.settings.enrich_deadline = 30.0
    world.deps.amazon.limiter = AsyncLimiter(1, 3.0)
    await world.deps.amazon.limiter.acquire()
    await world.mail("de_invoice.eml")
    await eventually(lambda: world.deps.amazon.queued == 1, what="the lookup queued for Amazon's rate")
    await world.deps.poster.drain()
    assert world.deps.amazon.queued == 1  # the card went out while its lookup still waits its turn
    assert "Fetching the order" in json.dumps(world.card()["blocks"])
    await world.settle()  # the order arrives at Amazon's pace and fills the card in
    [update] = world.slack.calls_of("chat.update")
    assert "Kaffeemühle" in json.dumps(update["blocks"], ensure_ascii=False)


async def test_nothing_per_order_is_kept_in_memory_after_its_lookups(world: World) -> None:
    """A week of orders must not grow the process: lookups, start times and locks go when the lookup ends."""
    await world.mail("de_invoice.eml")
    await world.mail("fr_damaged.eml")
    await world.settle()
    await world.deps.enricher.enrich(ORDER, refresh=True)
    world.clock.advance(hours=3)
    await world.deps.enricher.refresh_due()
    await asyncio.sleep(0)
    enricher = world.deps.enricher
    assert (enricher._tasks, enricher._started, enricher._locks) == ({}, {}, {})


async def test_where_is_my_parcel_on_a_delivered_parcel_gets_lost_parcel_advice_throughout(
    world: World,
) -> None:
    """Templates and the refund matrix read one classification: once the carrier says delivered, both treat
    "where is my parcel?" as a lost parcel."""
    from bot.sandbox.world import BuyerMail, relay_mail

    mail = BuyerMail(name="Max Müller", text="Hallo, wo ist mein Paket?", language="de", order_id=ORDER)
    await world.deps.intake.handle(IncomingMail(relay_mail(mail, sent_at=NOW), "wismo", NOW))
    await world.settle()
    [conv] = world.deps.store.conversations()
    before = world.deps.replies.advice(conv)
    assert before.suggested[0].key == "where_is_my_order" and before.recommendation is None
    world.clock.advance(hours=5)  # the parcel is delivered at 52 h
    await world.deps.enricher.enrich(ORDER, refresh=True)
    after = world.deps.replies.advice(conv)
    assert after.suggested[0].key == "late_or_lost"
    assert after.recommendation is not None and "if it is lost" in after.recommendation
    assert "the carrier reports it delivered" in after.reason


async def test_an_order_whose_lookup_a_stop_interrupted_is_looked_up_by_the_next_sweep(world: World) -> None:
    """The bot stored the mail and died before the lookup: nothing about the order was saved, so no failure to
    retry either; the sweep (which also runs at start-up) finds the card still without its order and fills it in."""
    world.deps.intake.on_order = None  # as if the process ended right after the mail was stored
    await world.mail("de_invoice.eml")
    await world.settle()
    assert "Kaffeem" not in world.card_text()
    assert world.deps.store.order_row(order_id=ORDER) is None
    assert await world.deps.enricher.refresh_due() >= 1
    await world.settle()
    assert world.services.count("sp-api") == 1 and "Kaffeemühle" in world.card_text()
    assert await world.deps.enricher.refresh_due() == 0  # looked up now: not again


async def test_a_package_whose_first_lookup_a_stop_interrupted_is_tracked_by_the_next_sweep(
    world: World,
) -> None:
    """The order was fetched and its package stored, then the process ended while DHL was being asked (found by the
    crash harness): the package has never been checked, and the sweep must still track it."""
    world.services.delays = {"dhl": 2.0}
    await world.mail("de_invoice.eml")
    await eventually(lambda: world.services.count("dhl") == 1, what="the DHL lookup under way")
    for task in list(world.deps.enricher._tasks.values()):  # the stop
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    world.deps.enricher._tasks.clear()  # a stopped process remembers nothing
    [package] = world.deps.store.packages(order_id=ORDER)
    assert package["checked_at"] is None
    world.services.delays = {}
    assert await world.deps.enricher.refresh_due() == 1
    await world.settle()
    assert world.services.count("dhl") == 2 and "*In transit*" in world.card_text()
    assert await world.deps.enricher.refresh_due() == 0  # checked now: not again until its status says so


async def test_failure_is_shown_and_retried_until_it_works(world: World) -> None:
    world.services.fail("sp-api", 503, {}, times=4)
    await world.mail("de_invoice.eml")
    await world.settle()
    assert "Order details unavailable, retrying" in world.card_text() and "503" in world.card_text()
    assert await world.deps.enricher.refresh_due() == 0  # not before its retry time
    world.clock.advance(minutes=6)
    assert await world.deps.enricher.refresh_due() == 1
    await world.settle()
    assert "Kaffeemühle" in world.card_text() and "unavailable" not in world.card_text()


async def test_one_get_order_per_order_per_15_minutes_unless_asked(world: World) -> None:
    await world.mail("de_invoice.eml")
    await world.settle()
    world.clock.advance(minutes=10)
    await world.mail("de_followup_aw.eml")  # same buyer, same order, 10 minutes later
    await world.settle()
    assert world.services.count("sp-api") == 1 and world.services.count("dhl") == 1
    await world.deps.enricher.enrich(ORDER, refresh=True)  # a person pressed "refresh"
    assert world.services.count("sp-api") == 2 and world.services.count("dhl") == 2
    world.clock.advance(minutes=16)
    await world.deps.enricher.enrich(ORDER)
    assert (
        world.services.count("sp-api") == 3 and world.services.count("dhl") == 2
    )  # tracking has its own schedule


async def test_moving_parcel_updates_the_card_and_is_never_looked_up_after_delivery(world: World) -> None:
    await world.mail("de_invoice.eml")
    await world.settle()
    [package] = world.deps.store.packages(order_id=ORDER)
    assert package["next_check_at"] == (NOW + timedelta(hours=2)).isoformat(timespec="microseconds")
    world.clock.advance(hours=1)
    assert await world.deps.enricher.refresh_due() == 0  # in transit: every 2 hours
    world.clock.set(NOW + timedelta(hours=1, minutes=5))  # 49 h after shipping: out for delivery
    world.clock.advance(hours=1)
    assert await world.deps.enricher.refresh_due() == 1
    await world.settle()
    assert "*Out for delivery*" in world.card_text()
    world.clock.advance(hours=2)  # 30 min checks while out for delivery; delivered by now
    await world.deps.enricher.refresh_due()
    await world.settle()
    assert "*Delivered*" in world.card_text() and "Expected" not in world.card_text()
    calls = world.services.count("dhl")
    world.clock.advance(days=3)
    assert await world.deps.enricher.refresh_due() == 0
    assert world.services.count("dhl") == calls
    assert world.deps.store.packages(order_id=ORDER)[0]["next_check_at"] is None


async def test_unknown_order_says_so_on_the_card(world: World) -> None:
    del world.services.orders[ORDER]
    await world.mail("de_invoice.eml")
    await world.settle()
    assert "Amazon does not know order" in world.card_text()
    assert world.deps.store.orders_to_retry() == []  # not found is final


async def test_a_refresh_is_granted_once_per_order_per_cooldown_by_the_injected_clock(world: World) -> None:
    enricher = world.deps.enricher  # the cooldown is INBOX_BOT_REFRESH_COOLDOWN_SECONDS, 120 by default
    assert enricher.claim_refresh(ORDER) is None
    world.clock.advance(seconds=119)
    assert enricher.claim_refresh(ORDER) == NOW + timedelta(seconds=120)  # when it may be pressed again
    assert enricher.claim_refresh("028-1111111-2222222") is None  # each order its own
    world.clock.advance(seconds=1)
    assert enricher.claim_refresh(ORDER) is None
    assert enricher.claim_refresh(ORDER) == NOW + timedelta(seconds=240)
