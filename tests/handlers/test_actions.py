"""The card's buttons through the whole bot: a person clicks in the Slack stand-in, over Socket Mode."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock.clocks import FakeClock
from bot.mail.source import IncomingMail
from bot.sandbox.fake_services import FakeServices, Parcel, ParcelEvent, StoredOrder
from bot.sandbox.people import People
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail, make_settings, running_bot
from tests.support.clock import TEAM_TIME, pinned_clock

ORDER = "302-1234567-1234567"
PARCEL = "00340434161094042557"


def stock_order(services: FakeServices, now: datetime) -> Parcel:
    """The coffee grinder's order at SP-API and its DHL parcel, moving, at the carrier."""
    services.orders[ORDER] = StoredOrder(
        ORDER,
        "A1PA6795UKMFR9",
        now - timedelta(days=2),
        [("Kaffeemühle", "B0CAFE0001", 1, "39.90")],
        "EUR",
        packages=[("DHL", PARCEL, "DHL Paket")],
    )
    parcel = Parcel(
        PARCEL, "dhl", now - timedelta(hours=10), [ParcelEvent(1, "transit", "Im Paketzentrum bearbeitet.")]
    )
    services.parcels[PARCEL] = parcel
    return parcel


async def test_refresh_button_looks_up_order_and_tracking_now_and_redraws_the_card(
    tmp_path: Path, fake_slack: FakeSlack, fake_services: FakeServices
) -> None:
    now = pinned_clock().now()
    parcel = stock_order(fake_services, now)
    settings = make_settings(tmp_path, fake_slack, **fake_services.urls(fake_services.base_url))
    async with running_bot(settings) as deps:
        await deps.ready.wait()
        await deps.intake.handle(IncomingMail(fixture_mail("de_invoice.eml"), "t1", now))
        await fake_slack.wait_for(lambda: len(fake_slack.posts()) == 1)
        [card] = fake_slack.posts()
        assert "*In transit*" in json.dumps(card["blocks"])

        parcel.events.append(ParcelEvent(9.5, "delivered", "Die Sendung wurde zugestellt."))  # moved since
        ack = await People(fake_slack).click(
            user="U0AGENT", channel="C0INBOX", message_ts=card["ts"], action_id="refresh_order"
        )
        assert ack["envelope_id"]  # acknowledged at once (the lookup happens after the ack)
        await fake_slack.wait_for(lambda: "*Delivered*" in json.dumps(card["blocks"]))
        assert fake_services.count("sp-api") == 2  # the click bypasses the 15-minute cache
        await eventually(
            lambda: any(
                a["action"] == "order_refreshed" for a in deps.store.query("SELECT * FROM audit ORDER BY id")
            ),
            what="the audit entry",
        )
        track = next(
            b["accessory"] for b in card["blocks"] if b.get("accessory", {}).get("url", "").endswith(PARCEL)
        )
        ack = await People(fake_slack).click(
            user="U0AGENT", channel="C0INBOX", message_ts=card["ts"], action_id=track["action_id"]
        )
        assert ack["envelope_id"]  # link buttons are acknowledged too (no "this app did not respond")


async def test_refresh_pressed_again_within_the_cooldown_says_when_and_asks_nobody(
    tmp_path: Path, fake_slack: FakeSlack, fake_services: FakeServices
) -> None:
    clock = FakeClock(TEAM_TIME)
    now = clock.now()
    stock_order(fake_services, now)
    settings = make_settings(
        tmp_path, fake_slack, refresh_cooldown_seconds=120, **fake_services.urls(fake_services.base_url)
    )
    people = People(fake_slack)
    async with running_bot(settings, clock=clock) as deps:
        await deps.ready.wait()
        await deps.intake.handle(IncomingMail(fixture_mail("de_invoice.eml"), "t1", now))
        await fake_slack.wait_for(lambda: len(fake_slack.posts()) == 1)
        [card] = fake_slack.posts()

        def refreshed() -> int:
            return sum(
                1
                for a in deps.store.query("SELECT * FROM audit ORDER BY id")
                if a["action"] == "order_refreshed"
            )

        async def press(user: str) -> None:
            await people.click(user=user, channel="C0INBOX", message_ts=card["ts"], action_id="refresh_order")

        await eventually(lambda: fake_services.count("sp-api") == 1, what="the first lookup")
        await press("U0AGENT")
        await eventually(lambda: refreshed() == 1, what="the refresh")
        await eventually(lambda: fake_services.count("sp-api") == 2, what="the refresh's lookup")
        # the refresh looks the parcel up again too: wait for that call to land before counting
        await eventually(lambda: fake_services.count("dhl") == 2, what="the refresh's carrier lookup")
        calls = len(fake_services.calls)

        clock.advance(seconds=30)
        await press("U0LEAD")  # someone else, 30 s later: the same order, still cooling down
        await fake_slack.wait_for(lambda: any(e["user"] == "U0LEAD" for e in fake_slack.ephemerals))
        [told] = [e for e in fake_slack.ephemerals if e["user"] == "U0LEAD"]
        assert told["text"] == (
            f"Order {ORDER} was refreshed moments ago. You can refresh it again at Thu 26 Nov 10:02 CET (in 90 s)."
        )
        assert told["channel"] == "C0INBOX"
        await asyncio.sleep(0.3)
        assert len(fake_services.calls) == calls and refreshed() == 1  # no SP-API, no carrier

        clock.advance(seconds=90)
        await press("U0LEAD")
        await eventually(lambda: refreshed() == 2, what="the refresh after the cooldown")
        await eventually(lambda: fake_services.count("sp-api") == 3, what="its lookup")


async def test_a_parcel_that_fails_gets_a_note_offering_the_message_to_the_buyer(
    tmp_path: Path, fake_slack: FakeSlack, fake_services: FakeServices
) -> None:
    now = pinned_clock().now()
    parcel = stock_order(fake_services, now)
    settings = make_settings(
        tmp_path, fake_slack, reply_signature="Example Shop", **fake_services.urls(fake_services.base_url)
    )
    async with running_bot(settings) as deps:
        await deps.ready.wait()
        await deps.intake.handle(IncomingMail(fixture_mail("de_invoice.eml"), "t1", now))
        await fake_slack.wait_for(lambda: len(fake_slack.posts()) == 1)
        [card] = fake_slack.posts()
        parcel.events.append(ParcelEvent(9.5, "failure", "Zustellung nicht möglich.", "Bremen, DE"))
        await People(fake_slack).click(
            user="U0AGENT", channel="C0INBOX", message_ts=card["ts"], action_id="refresh_order"
        )
        await fake_slack.wait_for(
            lambda: any("Parcel" in p["text"] for p in fake_slack.posts(thread_ts=card["ts"]))
        )
        [note] = [p for p in fake_slack.posts(thread_ts=card["ts"]) if "Parcel" in p["text"]]
        assert "has a problem at the carrier" in json.dumps(note["blocks"], ensure_ascii=False)
        await People(fake_slack).click(
            user="U0AGENT", channel="C0INBOX", message_ts=note["ts"], action_id="reply_template:late_or_lost"
        )
        try:
            await fake_slack.wait_for(lambda: fake_slack.open_view("U0AGENT") is not None, timeout=5)
        except TimeoutError:
            raise AssertionError(f"no modal; told: {fake_slack.ephemerals}") from None
        view = fake_slack.open_view("U0AGENT") or {}
        assert "302-1234567-1234567" in json.dumps(view["blocks"], ensure_ascii=False)
        await People(fake_slack).click(  # refreshed again: the same trouble is not noted twice
            user="U0LEAD", channel="C0INBOX", message_ts=card["ts"], action_id="refresh_order"
        )
        await asyncio.sleep(0.5)
        assert len([p for p in fake_slack.posts(thread_ts=card["ts"]) if "Parcel" in p["text"]]) == 1
