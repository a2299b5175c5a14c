"""The where-is-my-order auto-reply: off by default, once only, only in transit, only when the guard passes."""

from __future__ import annotations

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
from tests.support.smtp import SmtpServer

RECEIVED = datetime(2026, 11, 23, 14, 3, 11, tzinfo=UTC)  # en_shipping.eml
ORDER, PARCEL = "111-7366207-0755439", "1Z999AA10123456784"


async def no_wait(seconds: float) -> None:
    return None


@pytest.fixture
async def make(
    tmp_path: Path, fake_slack: FakeSlack, fake_services: FakeServices, smtp: SmtpServer
) -> AsyncIterator[Any]:
    made: list[Deps] = []

    async def build(*, delivered: bool = False, **extra: Any) -> Deps:
        clock = FakeClock(RECEIVED + timedelta(minutes=1))
        fake_services.clock = clock.now
        fake_services.orders[ORDER] = StoredOrder(
            ORDER,
            "ATVPDKIKX0DER",
            RECEIVED - timedelta(days=5),
            [("Desk Lamp", "B0LAMP0001", 1, "24.99")],
            "USD",
            packages=[("UPS", PARCEL, "UPS Ground")],
        )
        events = [ParcelEvent(1, "transit", "Departed from Facility", "Louisville, US")]
        if delivered:
            events.append(ParcelEvent(2, "delivered", "Delivered", "Austin, US"))
        fake_services.parcels[PARCEL] = Parcel(PARCEL, "ups", RECEIVED - timedelta(days=4), events)
        settings = make_settings(
            tmp_path / str(len(made)),
            fake_slack,
            **fake_services.urls(fake_services.base_url),
            # "ordered two weeks ago, still not here: where is my order?" reads 68 % where-is-my-order (the rest
            # late-or-lost); these tests are about the other conditions, the threshold has its own test
            **{**smtp.settings(), "auto_reply_min_confidence": 0.5, **extra},
        )
        deps = build_deps(settings, clock=clock)
        deps.slack.bot_user_id = fake_slack.bot_user_id
        assert deps.amazon is not None
        deps.amazon.sleep = no_wait
        await deps.intake.handle(IncomingMail(fixture_mail("en_shipping.eml"), "m", RECEIVED))
        for task in list(deps.enricher._tasks.values()):
            await task
        made.append(deps)
        return deps

    yield build
    for deps in made:
        await deps.enricher.close()
        if deps.amazon:
            await deps.amazon.aclose()
        await deps.http.aclose()
        deps.store.close()


async def test_off_by_default(make: Any, smtp: SmtpServer) -> None:
    deps = await make()
    deps.clock.advance(hours=2)
    conv = deps.store.conversations()[0]
    assert deps.autoreplier.why_not(conv) == "auto-replies are off" and deps.autoreplier.run() == 0


async def test_once_after_the_delay_with_tracking_and_the_clock_keeps_running(
    make: Any, smtp: SmtpServer
) -> None:
    deps = await make(auto_reply_wismo=True, auto_reply_delay_minutes=30)
    conv = deps.store.conversations()[0]
    assert deps.autoreplier.why_not(conv) == "the team still has time to answer itself"
    deps.clock.advance(minutes=31)
    assert deps.autoreplier.run() == 1
    await deps.mailer.drain()
    await eventually(lambda: len(smtp.messages) == 1, what="the auto-reply")
    body = smtp.messages[0].get_body().get_content()
    assert PARCEL in body and "ups.com/track" in body
    assert (
        deps.store.conversations()[0]["state"] == "open"
    )  # not counted as an answer unless the seller says so
    assert deps.autoreplier.run() == 0  # once per conversation
    assert (
        deps.autoreplier.why_not(deps.store.conversations()[0])
        == "an auto-reply went to this conversation before"
    )
    note = deps.poster.render(
        {"kind": "post_thread", "payload": f'{{"send": {deps.store.sends()[0]["id"]}, "event": "sent"}}'},
        conv,
        {},
    )
    assert "automatically" in str(note["blocks"])


async def test_never_for_a_delivered_parcel_a_claimed_one_or_when_the_guard_fails(
    make: Any, smtp: SmtpServer
) -> None:
    delivered = await make(auto_reply_wismo=True, auto_reply_delay_minutes=0, delivered=True)
    assert (
        delivered.autoreplier.why_not(delivered.store.conversations()[0])
        == "no live tracking of a parcel in transit"
    )

    claimed = await make(auto_reply_wismo=True, auto_reply_delay_minutes=0)
    conv = claimed.store.conversations()[0]
    claimed.store.claim(conversation_id=conv["id"], by="U0AGENT")
    assert claimed.autoreplier.run() == 0

    guarded = await make(
        auto_reply_wismo=True, auto_reply_delay_minutes=0, reply_signature="Shop, mail us: help@shop.example"
    )
    assert guarded.autoreplier.run() == 0 and guarded.store.sends() == []

    def refusals() -> float:
        return sum(
            s.value
            for m in guarded.metrics.guard_refusals.collect()
            for s in m.samples
            if s.name.endswith("_total")
        )

    counted = refusals()
    assert counted >= 1
    for _ in range(3):  # the sweeps that follow: not checked, counted or said again
        guarded.clock.advance(minutes=1)
        assert guarded.autoreplier.run() == 0
    assert refusals() == counted
    held = [
        r
        for r in guarded.store.query("SELECT * FROM outbox ORDER BY id")
        if r["dedupe_key"].startswith("auto-held:")
    ]
    assert len(held) == 1 and held[0]["kind"] == "post_thread"
    conv = guarded.store.conversations()[0]
    note = guarded.poster.render(held[0], conv, {})
    assert "held back" in note["blocks"][0]["text"]["text"]
    assert "e-mail addresses" in note["blocks"][0]["text"]["text"]
    assert guarded.store.sends() == []


async def test_the_seller_may_count_it_as_an_answer(make: Any, smtp: SmtpServer) -> None:
    deps = await make(auto_reply_wismo=True, auto_reply_delay_minutes=0, auto_reply_counts_as_answer=True)
    assert deps.autoreplier.run() == 1
    await deps.mailer.drain()
    assert deps.store.conversations()[0]["state"] == "answered"


async def test_never_outside_its_hours_or_after_a_person_answered(make: Any, smtp: SmtpServer) -> None:
    late = await make(
        auto_reply_wismo=True, auto_reply_delay_minutes=0, auto_reply_hours="mon-fri 08:00-09:00"
    )
    assert late.autoreplier.why_not(late.store.conversations()[0]) == "outside the hours auto-replies may go"
    assert late.autoreplier.run() == 0
    answered = await make(auto_reply_wismo=True, auto_reply_delay_minutes=0)
    conv = answered.store.conversations()[0]
    answered.store.create_send(
        key="human", conversation_id=conv["id"], reply_to_row=None, text="Hi", by_user="U0AGENT"
    )
    assert answered.autoreplier.why_not(conv) == "the team answered already"


async def test_never_unless_intent_detection_is_sure_enough(make: Any, smtp: SmtpServer) -> None:
    deps = await make(auto_reply_wismo=True, auto_reply_delay_minutes=0, auto_reply_min_confidence=1.0)
    conv = deps.store.conversations()[0]
    why = deps.autoreplier.why_not(conv)
    assert why is not None and why.startswith("not sure enough that the buyer asks where the order is (")
    assert why.endswith("needs 100 %)") and deps.autoreplier.run() == 0
    deps.settings.auto_reply_min_confidence = 0.5
    assert deps.autoreplier.why_not(conv) is None  # 68 % is enough for 50 %
