"""A claim's evidence: the order, every scan (live, or the last stored one and why), the proof of delivery, every message
about the order once, in time order; kept, queued for the thread and as a file; refused when it cannot apply."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock.clocks import FakeClock
from bot.errors import Refusal, UpstreamError
from bot.services.amazon import Item, Money, Order, Package
from bot.services.carriers.model import Event, Status, Tracking
from bot.services.carriers.tracker import Tracker
from bot.store.store import Store, iso
from bot.workers.evidence import Evidence
from tests.conftest import make_settings

CLAIMED = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ORDER, PARCEL = "302-2222222-3333333", "00340434161094011111"


class Dhl:
    """A tracking provider as the tracker sees one: answers with scans (newest first, as DHL lists them), or fails."""

    name = "dhl"

    def __init__(self, *, fail: Exception | None = None) -> None:
        self.fail = fail
        self.asked: list[str] = []

    async def track(self, number: str, carrier: str | None) -> Tracking:
        self.asked.append(number)
        if self.fail is not None:
            raise self.fail
        scans = [
            Event(CLAIMED - timedelta(days=9), "Zugestellt", "Bonn DE"),
            Event(CLAIMED - timedelta(days=10), "Im Paketzentrum bearbeitet", "Köln DE"),
        ]
        return Tracking(
            "dhl",
            number,
            Status.DELIVERED,
            scans[0],
            provider="dhl",
            events=scans,
            proof="signed by M. Muster",
        )


class Rig:
    def __init__(self, tmp_path: Path, provider: Any = None) -> None:
        self.clock = FakeClock(CLAIMED + timedelta(days=4))
        self.settings = make_settings(tmp_path)
        self.store = Store.connect(self.settings.database, clock=self.clock)
        self.woken = 0
        providers = {"dhl": provider} if provider is not None else {}
        self.evidence = Evidence(
            self.settings,
            self.store,
            self.clock,
            tracker=Tracker(self.settings, providers, attempts=1),
            wake=self.wake,
        )

    def wake(self) -> None:
        self.woken += 1

    def claim(self, notice_type: str = "a_to_z_claim", order_id: str | None = ORDER) -> dict[str, Any]:
        conv_id = self.store.create_conversation(
            key=f"mail:{notice_type}:{order_id}",
            kind="notice",
            notice_type=notice_type,
            order_id=order_id,
            opened_at=iso(CLAIMED),
            deadline=iso(CLAIMED + timedelta(hours=72)),
        )
        self.store.insert_message(
            message_id=f"<claim-{conv_id}@amazon>",
            conversation_id=conv_id,
            direction="in",
            kind="amazon_notice",
            notice_type=notice_type,
            received_at=iso(CLAIMED),
            subject="A-to-z Guarantee claim",
            text="A buyer has filed a claim.",
        )
        return self.store.conversation(conversation_id=conv_id) or {}

    def order(self, carrier: str = "DHL") -> None:
        order = Order(
            ORDER,
            "amazon.de",
            "SHIPPED",
            "MERCHANT",
            iso(CLAIMED - timedelta(days=12)),
            iso(CLAIMED - timedelta(days=7)),
            Money("17.50", "EUR"),
            [Item("Glaskaraffe 1 l", 1, asin="B0KARAFFE1", sku="SKU-1")],
            [Package(carrier, PARCEL, service="DHL Paket", ship_time=iso(CLAIMED - timedelta(days=11)))],
        )
        self.store.save_order(order_id=ORDER, data=order.to_json())
        last = Event(CLAIMED - timedelta(days=10), "Im Paketzentrum bearbeitet", "Köln DE").to_json()
        self.store.upsert_package(
            order_id=ORDER,
            tracking_number=PARCEL,
            carrier=carrier.lower(),
            amazon_carrier=carrier,
            status="in_transit",
            last_event=json.dumps(last),
        )

    def buyer_wrote_and_was_answered(self) -> None:
        conv_id = self.store.create_conversation(key="buyer", kind="buyer", order_id=ORDER)
        asked, answered = CLAIMED - timedelta(days=3), CLAIMED - timedelta(days=2)
        self.store.insert_message(
            message_id="<b1@x>",
            conversation_id=conv_id,
            direction="in",
            kind="buyer_message",
            received_at=iso(asked),
            subject="Where is my parcel?",
            text="Nothing arrived.\nPlease help.",
            attachments=[{"filename": "doorstep.jpg", "size": 1000}],
        )
        send, _ = self.store.create_send(
            key="s1", conversation_id=conv_id, reply_to_row=None, text="We asked DHL.", by_user="U0AGENT"
        )
        self.store.update_send(
            send_id=int(send["id"]), state="sent", sent_at=iso(answered), message_id="<r1@shop>"
        )
        self.store.insert_message(  # the mailer's copy of what it sent
            message_id="<r1@shop>",
            conversation_id=conv_id,
            direction="out",
            kind="reply",
            received_at=iso(answered),
            text="We asked DHL.",
        )
        later, _ = self.store.create_send(
            key="s2",
            conversation_id=conv_id,
            reply_to_row=None,
            text="A refund is on its way.",
            by_user="U0LEAD",
        )  # sent, its copy not kept (a send older than the mailer's copies)
        self.store.update_send(
            send_id=int(later["id"]),
            state="sent",
            sent_at=iso(CLAIMED + timedelta(hours=1)),
            message_id="<r2@shop>",
        )
        self.store.insert_message(  # Amazon's copy of a reply written in Seller Central
            message_id="<c1@amazon>",
            conversation_id=conv_id,
            direction="out",
            kind="confirmation",
            received_at=iso(CLAIMED - timedelta(days=1)),
            text="Sent from Seller Central.",
        )


async def test_the_evidence_holds_the_order_every_scan_the_proof_and_every_message_in_time(
    tmp_path: Path,
) -> None:
    dhl = Dhl()
    rig = Rig(tmp_path, dhl)
    rig.order()
    rig.buyer_wrote_and_was_answered()
    text = await rig.evidence.gather(rig.claim(), user="U0LEAD")
    assert dhl.asked == [PARCEL]  # every scan comes from a live lookup
    expected = [
        "Evidence for the appeal: A-to-z Guarantee claim, order 302-2222222-3333333",
        "Claim received Tue 24 Nov 2026 11:00 CET.",
        "Purchased: Thu 12 Nov 2026 11:00 CET",
        "Promised delivery by: Tue 17 Nov 2026 11:00 CET",
        "Item: 1 x Glaskaraffe 1 l (ASIN B0KARAFFE1, SKU SKU-1)",
        "Total: 17.50 EUR",
        f"Package 1: DHL {PARCEL} (DHL Paket), shipped Fri 13 Nov 2026 11:00 CET",
        "    Status: Delivered",
        "    Proof of delivery: signed by M. Muster",
        "        Sat 14 Nov 2026 11:00 CET  Köln DE  Im Paketzentrum bearbeitet",
        "        Sun 15 Nov 2026 11:00 CET  Bonn DE  Zugestellt",
        "[Sat 21 Nov 2026 11:00 CET] Buyer to seller",
        "Attachments: doorstep.jpg",
        "    Nothing arrived.\n    Please help.",
        "[Sun 22 Nov 2026 11:00 CET] Seller to buyer, sent by Slack user U0AGENT by e-mail to the buyer's Amazon",
        "[Mon 23 Nov 2026 11:00 CET] Seller to buyer (Amazon's copy of a reply sent in Seller Central)",
        "[Tue 24 Nov 2026 11:00 CET] Amazon notice: A-to-z Guarantee claim",
        "[Tue 24 Nov 2026 12:00 CET] Seller to buyer, sent by Slack user U0LEAD",
        "    A refund is on its way.",
    ]
    positions = [text.index(line) for line in expected]
    assert positions == sorted(positions), text
    assert text.count("We asked DHL.") == 1  # a send and the mailer's copy of it are one message


async def test_a_failed_lookup_keeps_the_last_stored_scan_and_says_why(tmp_path: Path) -> None:
    rig = Rig(tmp_path, Dhl(fail=UpstreamError("DHL", "rate limited", retryable=False)))
    rig.order()
    text = await rig.evidence.gather(rig.claim(), user="U0LEAD")
    assert "    Status: In transit" in text  # the stored status, not a guess
    assert "Live tracking unavailable (DHL: rate limited); the last scan the bot saw:" in text
    assert "        Sat 14 Nov 2026 11:00 CET  Köln DE  Im Paketzentrum bearbeitet" in text


async def test_an_unexpected_lookup_failure_is_logged_and_told(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rig = Rig(tmp_path, Dhl(fail=RuntimeError("boom")))
    rig.order()
    text = await rig.evidence.gather(rig.claim(), user="U0LEAD")
    assert "Live tracking unavailable (RuntimeError: boom)" in text
    assert any("evidence: tracking" in r.message for r in caplog.records)


async def test_without_a_tracking_service_or_order_data_the_text_says_what_is_missing(tmp_path: Path) -> None:
    rig = Rig(tmp_path)  # no provider at all
    rig.order(carrier="Hermes")
    text = await rig.evidence.gather(rig.claim(), user="U0LEAD")
    assert "No tracking service is set up for this carrier; the last scan the bot saw:" in text
    assert "Package 1: Hermes" in text and "Tracking page: https://www.myhermes.de" in text
    bare = await rig.evidence.gather(rig.claim("chargeback", order_id=None), user="U0LEAD")
    assert bare.startswith("Evidence for the response: Chargeback, order (not named in the notice)")
    assert "Order details are not available" in bare and "No package with a tracking number" in bare
    assert "[Tue 24 Nov 2026 11:00 CET] Amazon notice: Chargeback" in bare


async def test_collecting_keeps_the_text_and_queues_the_note_and_the_file_once(tmp_path: Path) -> None:
    rig = Rig(tmp_path, Dhl())
    rig.order()
    claim = rig.claim()
    evidence_id = await rig.evidence.collect(claim, user="U0LEAD")
    kept = rig.store.evidence(evidence_id=evidence_id) or {}
    assert kept["by_user"] == "U0LEAD" and kept["order_id"] == ORDER and "Zugestellt" in kept["text"]
    items = {i["kind"]: json.loads(i["payload"]) for i in rig.store.due_outbox()}
    assert items == {
        "post_thread": {"evidence": evidence_id, "filename": f"claim-{ORDER}.txt"},
        "post_file": {
            "evidence": evidence_id,
            "filename": f"claim-{ORDER}.txt",
            "comment": ":page_facing_up: Evidence for the appeal",
        },
    }
    assert rig.woken == 1
    with pytest.raises(Refusal, match="a moment ago"):
        await rig.evidence.collect(claim, user="U0AGENT")
    rig.clock.advance(seconds=61)
    assert await rig.evidence.collect(claim, user="U0AGENT") != evidence_id  # a fresh copy, on purpose


async def test_only_claims_have_evidence(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    for conv in (rig.claim("return_request"), {**rig.claim(), "kind": "buyer"}):
        with pytest.raises(Refusal, match="A-to-z claims and chargebacks only"):
            await rig.evidence.collect(conv, user="U0LEAD")
    assert rig.store.due_outbox() == []
