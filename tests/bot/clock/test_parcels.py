"""Parcels in trouble: exception, returned and quiet parcels get one note per change in their cards' threads."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cards.card import CardTime
from bot.cards.clock import parcel_note
from bot.clock.clocks import FakeClock
from bot.clock.parcels import ParcelWatch
from bot.mail.intake import Intake
from bot.mail.source import IncomingMail
from bot.store.store import Store, iso
from tests.conftest import fixture_mail, make_settings

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
ORDER = "302-1234567-1234567"  # de_invoice.eml
PARCEL = "00340434161094042557"


class Rig:
    def __init__(self, tmp_path: Path, **overrides: Any) -> None:
        self.clock = FakeClock(NOW)
        self.settings = make_settings(tmp_path, **overrides)
        self.store = Store.open(self.settings.database_path, clock=self.clock)
        self.posts: list[tuple[str, int | None, str | None, str, dict[str, Any]]] = []
        self.watch = ParcelWatch(self.settings, self.store, self.clock, post=self.post)

    def post(
        self, kind: str, conv: int | None, channel: str | None, key: str, payload: dict[str, Any]
    ) -> None:
        """As the outbox queues it: once per key."""
        if self.store.enqueue(
            kind="post_thread", dedupe_key=key, due_by=None, conversation_id=conv, payload=payload
        ):
            self.posts.append((kind, conv, channel, key, payload))

    async def mail(self) -> int:
        await Intake(self.settings, self.store).handle(IncomingMail(fixture_mail("de_invoice.eml"), "m", NOW))
        return int(self.store.conversations()[0]["id"])

    def parcel(self, status: str, *, scanned: datetime, carrier: str = "dhl") -> None:
        event = {"time": scanned.isoformat(), "description": "Zustellung nicht möglich", "location": "Bremen"}
        self.store.upsert_package(
            order_id=ORDER,
            tracking_number=PARCEL,
            carrier=carrier,
            status=status,
            last_event=json.dumps(event),
            changed_at=iso(self.clock.now()),
            checked_at=iso(self.clock.now()),
        )


@pytest.fixture
def rig(tmp_path: Path) -> Rig:
    return Rig(tmp_path)


async def test_an_exception_is_noted_once_and_a_new_change_again(rig: Rig) -> None:
    conv_id = await rig.mail()
    rig.parcel("in_transit", scanned=NOW - timedelta(hours=5))
    assert rig.watch.order_changed(ORDER) == 0  # moving normally: nothing to say
    rig.parcel("exception", scanned=NOW)
    assert rig.watch.order_changed(ORDER) == 1
    assert rig.watch.order_changed(ORDER) == 0  # the next redraw of the same change says nothing
    [(kind, conv, _, _, payload)] = rig.posts
    assert (kind, conv, payload["template"], payload["status"]) == (
        "thread",
        conv_id,
        "late_or_lost",
        "exception",
    )
    rig.clock.advance(hours=20)
    rig.parcel("returned", scanned=rig.clock.now())
    assert rig.watch.order_changed(ORDER) == 1
    assert rig.posts[-1][4]["template"] == "returned_to_sender"


async def test_a_parcel_without_a_scan_for_its_carriers_days_is_noted_once_per_last_scan(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path, parcel_quiet_days="4, usps=6")
    await rig.mail()
    rig.parcel("in_transit", scanned=NOW - timedelta(days=3, hours=23))
    assert rig.watch.tick() == 0
    rig.clock.advance(hours=2)
    assert rig.watch.tick() == 1 and rig.watch.tick() == 0
    assert "no scan for 4 days" in rig.posts[-1][4]["what"]
    rig.parcel("in_transit", scanned=rig.clock.now() - timedelta(days=5), carrier="usps")
    assert rig.watch.tick() == 0  # USPS: six days


async def test_the_note_offers_the_message_on_a_buyers_card_only(rig: Rig) -> None:
    await rig.mail()
    rig.parcel("returned", scanned=NOW)
    rig.watch.order_changed(ORDER)
    message = parcel_note(rig.posts[0][4], CardTime(now=NOW, tz=rig.settings.tz))
    text = json.dumps(message["blocks"], ensure_ascii=False)
    assert f"`{PARCEL}`" in text and "(DHL) is on its way back to you" in text and "Bremen" in text
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    assert actions["elements"][0]["action_id"] == "reply_template:returned_to_sender"
    on_notice = parcel_note({**rig.posts[0][4], "template": None}, CardTime(now=NOW, tz=rig.settings.tz))
    assert not [b for b in on_notice["blocks"] if b["type"] == "actions"]


def test_quiet_days_are_a_setting_checked_when_read(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="INBOX_BOT_PARCEL_QUIET_DAYS"):
        make_settings(tmp_path, parcel_quiet_days="four")
