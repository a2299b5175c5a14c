"""The A-to-z playbook through the whole bot: the claim's card shows its dated windows, each window is told once in
its thread as the clock reaches it, the evidence button posts one block and a downloadable file with the order, every
scan, the proof of delivery and every message about the order, and a claim marked handled is reminded of nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.clock.clocks import FakeClock
from bot.mail.source import IncomingMail
from bot.sandbox.fake_services import FakeServices, Parcel, ParcelEvent, StoredOrder
from bot.sandbox.people import People
from bot.sandbox.slack_api import FakeSlack
from bot.sandbox.world import BuyerMail, atoz_notice, relay_mail
from tests.conftest import eventually, make_settings, running_bot
from tests.support.smtp import SmtpServer

ORDER, PARCEL = "302-2222222-3333333", "00340434161094011111"
CLAIMED = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 11:00 in Berlin
ASKED = CLAIMED - timedelta(days=2)
BUYER_TEXT = "The tracking says delivered, but I have nothing. Where is my parcel?"
REPLY_TEXT = "Hello Jane, DHL confirms the delivery with a signature. Please check with your neighbours."
WINDOWS = [  # (after the claim, the window, its date on the card in the team's time)
    (timedelta(days=2), "Contact the buyer", "Thu 26 Nov 11:00 CET"),
    (timedelta(days=3), "Respond to Amazon", "Fri 27 Nov 11:00 CET"),
    (timedelta(days=6), "Appeal possible", "Mon 30 Nov 11:00 CET"),
    (timedelta(days=14), "Amazon decides", "Tue 08 Dec 11:00 CET"),
]


def texts(message: dict[str, Any]) -> str:
    return message.get("text", "") + json.dumps(message.get("blocks", []), ensure_ascii=False)


def stock(services: FakeServices, clock: FakeClock) -> None:
    """The order the claim is about: a DHL parcel delivered and signed for, with its scans."""
    services.clock = clock.now
    services.orders[ORDER] = StoredOrder(
        ORDER,
        "A1PA6795UKMFR9",
        CLAIMED - timedelta(days=12),
        [("Glaskaraffe 1 l", "B0KARAFFE1", 1, "17.50")],
        "EUR",
        packages=[("DHL", PARCEL, "DHL Paket")],
    )
    services.parcels[PARCEL] = Parcel(
        PARCEL,
        "dhl",
        CLAIMED - timedelta(days=11),
        [
            ParcelEvent(0, "pre-transit", "Die Sendung wurde elektronisch angekündigt.", "Köln, DE"),
            ParcelEvent(14, "transit", "Die Sendung wurde im Start-Paketzentrum bearbeitet.", "Köln, DE"),
            ParcelEvent(30, "out-for-delivery", "Die Sendung wird heute zugestellt.", "Bonn, DE"),
            ParcelEvent(34, "delivered", "Die Sendung wurde zugestellt.", "Bonn, DE"),
        ],
        signed_by="M. Muster",
    )


async def test_claim_windows_reminders_evidence_and_quiet_once_handled(
    tmp_path: Path, fake_slack: FakeSlack, fake_services: FakeServices, smtp: SmtpServer
) -> None:
    clock = FakeClock(ASKED)
    stock(fake_services, clock)
    settings = make_settings(
        tmp_path,
        fake_slack,
        oncall_members="U0ONCALL",
        sla_sweep_seconds=0.2,
        **smtp.settings(),
        **fake_services.urls(fake_services.base_url),
    )
    people = People(fake_slack)
    async with running_bot(settings, clock=clock) as deps:
        await deps.ready.wait()

        # the buyer wrote two days before the claim, and the team answered
        mail = BuyerMail("Jane Doe", BUYER_TEXT, order_id=ORDER, topic="shipping")
        await deps.intake.handle(IncomingMail(relay_mail(mail, sent_at=ASKED), "buyer", ASKED))
        await fake_slack.wait_for(lambda: len(fake_slack.posts(top_level=True)) == 1)
        buyer_card = fake_slack.posts(top_level=True)[0]
        await people.click(
            user="U0AGENT", channel="C0INBOX", message_ts=buyer_card["ts"], action_id="reply_blank"
        )
        await fake_slack.wait_for(lambda: fake_slack.open_view("U0AGENT") is not None)
        await people.submit_view(
            user="U0AGENT", values={"reply": {"text": {"type": "plain_text_input", "value": REPLY_TEXT}}}
        )
        await eventually(lambda: [s["state"] for s in deps.store.sends()] == ["sent"], what="the reply sent")

        # the claim arrives: its card shows the four windows with their dates in the team's time
        clock.set(CLAIMED)
        await deps.intake.handle(
            IncomingMail(atoz_notice(ORDER, "amazon.de", sent_at=CLAIMED), "claim", CLAIMED)
        )
        await fake_slack.wait_for(lambda: len(fake_slack.posts(top_level=True)) == 2)
        card = fake_slack.posts(top_level=True)[1]
        assert "A-to-z Guarantee claim" in card["text"]
        shown = texts(card)
        assert "Claim windows" in shown and all(f"|{date}>" in shown for _, _, date in WINDOWS)
        assert '"claim_evidence"' in shown
        assert '"value": "a_to_z_resolved"' in shown  # the follow-up template is offered on the claim's card

        def notes() -> list[dict[str, Any]]:
            return [
                p for p in fake_slack.posts(thread_ts=card["ts"]) if p["text"].startswith("A-to-z claim: ")
            ]

        # the clock reaches each window: one note in the thread, to the person on call, never repeated
        for n, (after, title, _) in enumerate(WINDOWS[:3], start=1):
            clock.set(CLAIMED + after + timedelta(minutes=1))
            await fake_slack.wait_for(lambda n=n: len(notes()) == n, timeout=10)
            note = notes()[-1]
            assert title in note["text"] and "<@U0ONCALL>" in texts(note)
            await eventually(lambda: deps.claims.tick() == 0, what="nothing more due")
            assert len(notes()) == n
        await fake_slack.wait_for(lambda: "~Respond to Amazon~" in texts(card), timeout=10)  # marked passed

        # the evidence: one block in the thread and the same text as a file
        await people.click(
            user="U0LEAD", channel="C0INBOX", message_ts=card["ts"], action_id="claim_evidence"
        )
        await fake_slack.wait_for(
            lambda: (
                any("Evidence for the appeal" in p["text"] for p in fake_slack.posts(thread_ts=card["ts"]))
                and any(p.get("files") for p in fake_slack.posts(thread_ts=card["ts"]))
            ),
            timeout=15,
        )
        block = next(
            p for p in fake_slack.posts(thread_ts=card["ts"]) if "Evidence for the appeal" in p["text"]
        )
        [shared] = [p for p in fake_slack.posts(thread_ts=card["ts"]) if p.get("files")]
        [file] = shared["files"]
        assert file["name"] == f"claim-{ORDER}.txt"
        text = fake_slack.files[file["id"]]["data"].decode()
        [evidence] = deps.store.query("SELECT * FROM evidence ORDER BY id")
        assert text == evidence["text"] and evidence["by_user"] == "U0LEAD"
        for words in (
            f"Order id: {ORDER}",
            "Purchased: Thu 12 Nov 2026 11:00 CET",
            "Promised delivery by: Tue 17 Nov 2026 11:00 CET",
            f"Package 1: DHL {PARCEL} (DHL Paket)",
            "Proof of delivery: signed by M. Muster",
            "Scans, oldest first:",
            "Fri 13 Nov 2026 11:00 CET  Köln DE  Die Sendung wurde elektronisch angekündigt.",
            "Sat 14 Nov 2026 21:00 CET  Bonn DE  Die Sendung wurde zugestellt.",
            "Buyer to seller",
            BUYER_TEXT,
            "Seller to buyer, sent by Slack user U0AGENT",
            REPLY_TEXT,
            "Amazon notice: A-to-z Guarantee claim",
        ):
            assert words in text, words
        assert text.index("elektronisch angekündigt") < text.index("zugestellt.")  # scans oldest first
        # the messages in time, the send and the mailer's copy of it as one
        assert text.index(BUYER_TEXT) < text.index(REPLY_TEXT) < text.index("Amazon notice")
        assert text.count(REPLY_TEXT) == 1
        assert "Die Sendung wurde zugestellt." in texts(block) and BUYER_TEXT in texts(block)

        # pressed again at once: told only to the person, nothing gathered twice
        await people.click(
            user="U0LEAD", channel="C0INBOX", message_ts=card["ts"], action_id="claim_evidence"
        )
        await fake_slack.wait_for(lambda: any("a moment ago" in e["text"] for e in fake_slack.ephemerals))
        assert len(list(deps.store.query("SELECT * FROM evidence ORDER BY id"))) == 1

        # handled: the last window passes without a note
        await people.click(
            user="U0LEAD", channel="C0INBOX", message_ts=card["ts"], action_id="notice_handled"
        )
        await fake_slack.wait_for(lambda: "Handled by <@U0LEAD>" in texts(card), timeout=10)
        told = len(notes())
        clock.set(CLAIMED + WINDOWS[3][0] + timedelta(hours=1))
        await eventually(lambda: deps.claims.tick() == 0 and deps.escalator.tick() == 0, what="a quiet claim")
        assert len(notes()) == told == 3
        assert deps.claims.next_due() is None


async def test_an_appealed_claim_is_still_watched_until_amazon_decides(
    tmp_path: Path, fake_slack: FakeSlack, fake_services: FakeServices
) -> None:
    clock = FakeClock(CLAIMED)
    stock(fake_services, clock)
    settings = make_settings(
        tmp_path,
        fake_slack,
        oncall_members="U0ONCALL",
        sla_sweep_seconds=0.2,
        **fake_services.urls(fake_services.base_url),
    )
    people = People(fake_slack)
    async with running_bot(settings, clock=clock) as deps:
        await deps.ready.wait()
        await deps.intake.handle(
            IncomingMail(atoz_notice(ORDER, "amazon.de", sent_at=CLAIMED), "claim", CLAIMED)
        )
        await fake_slack.wait_for(lambda: len(fake_slack.posts(top_level=True)) == 1)
        card = fake_slack.posts(top_level=True)[0]

        async def ended(how: str) -> None:
            await people.click(
                user="U0LEAD",
                channel="C0INBOX",
                message_ts=card["ts"],
                action_id="notice_handled_as",
                selected=how,
            )

        clock.set(CLAIMED + timedelta(days=7))  # responded and appealed; the first three windows have passed
        await ended("appealed")
        await fake_slack.wait_for(lambda: "Handled by <@U0LEAD>" in texts(card) and "Appealed" in texts(card))
        assert '"notice_handled_as"' in texts(card)  # Amazon's decision is still to be recorded
        clock.set(CLAIMED + WINDOWS[3][0] + timedelta(minutes=1))
        await fake_slack.wait_for(
            lambda: any("Amazon decides" in p["text"] for p in fake_slack.posts(thread_ts=card["ts"])),
            timeout=10,
        )
        await ended("won")
        await fake_slack.wait_for(lambda: "Won (decided for us)" in texts(card))
        assert '"notice_handled_as"' not in texts(card) and deps.claims.next_due() is None
        [conv] = deps.store.conversations()
        assert (conv["state"], conv["outcome"]) == ("closed", "won")
