"""A-to-z claims: a card of their own with a 72-hour clock, the evidence for the response, and 'Mark handled'."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock.clocks import FakeClock
from bot.mail.source import IncomingMail
from bot.sandbox.fake_services import FakeServices, Parcel, ParcelEvent, StoredOrder
from bot.sandbox.people import People
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail, make_settings, running_bot

ORDER, PARCEL = "302-2222222-3333333", "00340434161094011111"


async def test_claim_card_clock_evidence_and_handled(
    tmp_path: Path, fake_slack: FakeSlack, fake_services: FakeServices
) -> None:
    received = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    clock = FakeClock(received)
    fake_services.clock = clock.now
    fake_services.orders[ORDER] = StoredOrder(
        ORDER,
        "A1PA6795UKMFR9",
        received - timedelta(days=12),
        [("Glaskaraffe 1 l", "B0KARAFFE1", 1, "17.50")],
        "EUR",
        packages=[("DHL", PARCEL, "DHL Paket")],
    )
    fake_services.parcels[PARCEL] = Parcel(
        PARCEL,
        "dhl",
        received - timedelta(days=10),
        [ParcelEvent(40, "delivered", "Die Sendung wurde zugestellt.", "Köln, DE")],
    )
    settings = make_settings(
        tmp_path,
        fake_slack,
        oncall_members="U0ONCALL",
        sla_sweep_seconds=0.2,
        digest_time="",
        **fake_services.urls(fake_services.base_url),
    )
    async with running_bot(settings, clock=clock) as deps:
        await deps.ready.wait()
        await deps.intake.handle(IncomingMail(fixture_mail("notice_atoz.eml"), "a", received))
        await fake_slack.wait_for(lambda: len(fake_slack.posts(top_level=True)) == 1)
        card = fake_slack.posts(top_level=True)[0]
        text = json.dumps(card["blocks"], ensure_ascii=False)
        assert "A-to-z Guarantee claim" in card["text"] and "Respond by" in text
        assert "Evidence for your response" in text and "*Delivered*" in text and f"`{PARCEL}`" in text
        conv = deps.store.conversations()[0]
        assert datetime.fromisoformat(conv["deadline"]) - datetime.fromisoformat(
            conv["opened_at"]
        ) == timedelta(hours=72)

        clock.set(
            datetime.fromisoformat(conv["deadline"]) - timedelta(hours=1, minutes=50)
        )  # urgent: on call pinged
        await fake_slack.wait_for(
            lambda: any(
                "<@U0ONCALL>" in json.dumps(p["blocks"]) for p in fake_slack.posts(thread_ts=card["ts"])
            ),
            timeout=10,
        )

        await People(fake_slack).click(
            user="U0LEAD", channel="C0INBOX", message_ts=card["ts"], action_id="notice_handled"
        )
        await fake_slack.wait_for(lambda: "Handled by <@U0LEAD>" in json.dumps(card["blocks"]), timeout=10)
        assert deps.store.conversations()[0]["state"] == "closed"
        reminders = len(fake_slack.posts(thread_ts=card["ts"]))
        clock.set(datetime.fromisoformat(conv["deadline"]) + timedelta(hours=3))
        await eventually(lambda: deps.escalator.tick() == 0, what="no more pings once handled")
        assert len(fake_slack.posts(thread_ts=card["ts"])) == reminders
