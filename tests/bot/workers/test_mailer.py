"""The mailer against a real SMTP server: greylisting, refusals, outages, and a crash mid-send."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cards.card import CardTime
from bot.cards.reply import send_note
from bot.clock.clocks import FakeClock
from bot.mail.intake import Intake
from bot.mail.sender import SmtpSender
from bot.mail.source import IncomingMail
from bot.sandbox.fake_services import FakeServices, StoredOrder
from bot.store.store import Store
from bot.workers.mailer import Mailer
from tests.conftest import fixture_mail, make_settings
from tests.support.smtp import SmtpServer

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


class Rig:
    def __init__(self, tmp_path: Path, smtp: SmtpServer, **overrides: object) -> None:
        self.clock = FakeClock(NOW)
        self.settings = make_settings(tmp_path, **{**smtp.settings(), **overrides})
        self.store = Store.connect(self.settings.database, clock=self.clock)
        self.events: list[tuple[int, str]] = []
        self.mailer = Mailer(
            self.settings,
            self.store,
            self.clock,
            SmtpSender(self.settings),
            notify=lambda i, e: self.events.append((i, e)),
        )

    async def queue(self) -> int:
        await Intake(self.settings, self.store).handle(
            IncomingMail(fixture_mail("de_invoice.eml"), "m1", NOW)
        )
        conv = self.store.conversations()[0]
        message = self.store.conversation_messages(conversation_id=conv["id"])[0]
        send, _ = self.store.create_send(
            key="k1",
            conversation_id=conv["id"],
            reply_to_row=message["id"],
            text="Hallo Max, anbei …",
            by_user="U0AGENT",
        )
        return int(send["id"])


@pytest.fixture
def rig(tmp_path: Path, smtp: SmtpServer) -> Rig:
    return Rig(tmp_path, smtp)


async def test_greylisting_is_retried_later_and_said_once(rig: Rig, smtp: SmtpServer) -> None:
    send_id = await rig.queue()
    smtp.refuse("451 4.7.1 Greylisted, try again later", "451 4.7.1 Greylisted, try again later")
    await rig.mailer.drain()
    row = rig.store.send(send_id=send_id)
    assert row is not None and row["state"] == "queued" and "451" in row["error"]
    assert rig.events == [(send_id, "retrying")]
    assert await rig.mailer.drain() is False  # not before its time: no busy loop
    rig.clock.advance(minutes=1)
    await rig.mailer.drain()  # refused again: no second "retrying" note
    rig.clock.advance(minutes=2)
    await rig.mailer.drain()
    assert [e for _, e in rig.events] == ["retrying", "sent"]
    assert len(smtp.messages) == 1 and rig.store.send(send_id=send_id)["attempts"] == 3  # type: ignore[index]


async def test_permanent_refusal_fails_at_once_and_keeps_the_text(rig: Rig, smtp: SmtpServer) -> None:
    send_id = await rig.queue()
    smtp.refuse("554 5.7.1 Message rejected")
    await rig.mailer.drain()
    row = rig.store.send(send_id=send_id)
    assert (
        row is not None
        and row["state"] == "failed"
        and "554" in row["error"]
        and row["text"].startswith("Hallo Max")
    )
    assert rig.events == [(send_id, "failed")]
    assert rig.store.conversations()[0]["state"] == "open"


async def test_attempts_run_out_when_the_server_stays_down(tmp_path: Path, smtp: SmtpServer) -> None:
    rig = Rig(tmp_path, smtp, smtp_port=1, send_attempts=2)  # nothing listens on port 1
    send_id = await rig.queue()
    await rig.mailer.drain()
    rig.clock.advance(minutes=5)
    await rig.mailer.drain()
    row = rig.store.send(send_id=send_id)
    assert row is not None and row["state"] == "failed" and "cannot deliver" in row["error"]
    assert [e for _, e in rig.events] == ["retrying", "failed"]


async def test_a_crash_mid_send_is_never_resent_automatically(rig: Rig, smtp: SmtpServer) -> None:
    send_id = await rig.queue()
    rig.store.update_send(send_id=send_id, state="sending", attempts=1)  # the process died here
    assert rig.mailer.recover() == 1
    assert rig.store.send(send_id=send_id)["state"] == "uncertain"  # type: ignore[index]
    assert await rig.mailer.drain() is False and smtp.messages == []
    assert rig.events == [(send_id, "uncertain")]


async def test_a_send_is_marked_sending_before_the_relay_is_talked_to(rig: Rig, smtp: SmtpServer) -> None:
    """The crash test above stages 'sending' by hand; this one checks the mailer writes it itself."""
    import asyncio

    send_id = await rig.queue()
    seen: list[str] = []

    async def dies_mid_send(message: object) -> None:
        seen.append(rig.store.send(send_id=send_id)["state"])  # type: ignore[index]
        raise asyncio.CancelledError  # the process dies while the relay has the mail

    rig.mailer.sender.send = dies_mid_send  # type: ignore[assignment,union-attr]
    with pytest.raises(asyncio.CancelledError):
        await rig.mailer.drain()
    assert seen == ["sending"]
    assert rig.mailer.recover() == 1 and await rig.mailer.drain() is False  # a person decides, no re-send


async def test_a_reply_goes_only_to_the_relay_alias_of_its_own_conversation(
    rig: Rig, smtp: SmtpServer
) -> None:
    """A send pointing at another conversation's message still goes to its own buyer; a notice is never a target."""
    intake = Intake(rig.settings, rig.store)
    mine = (await intake.handle(IncomingMail(fixture_mail("de_invoice.eml"), "m1", NOW))).conversation_id
    other = (await intake.handle(IncomingMail(fixture_mail("en_shipping.eml"), "m0", NOW))).conversation_id
    other_message = rig.store.conversation_messages(conversation_id=other)[0]
    send, _ = rig.store.create_send(
        key="k1", conversation_id=mine, reply_to_row=other_message["id"], text="Hallo Max", by_user="U0AGENT"
    )
    await rig.mailer.drain()
    [sent] = smtp.messages
    assert sent["To"] == rig.store.conversation(conversation_id=mine)["buyer_alias"]  # type: ignore[index]
    assert sent["To"].endswith("@marketplace.amazon.de")  # Max's alias, not the other buyer's (amazon.com)
    assert rig.store.send(send_id=int(send["id"]))["state"] == "sent"  # type: ignore[index]

    notice = (await intake.handle(IncomingMail(fixture_mail("notice_atoz.eml"), "n1", NOW))).conversation_id
    row = rig.store.conversation_messages(conversation_id=notice)[0]
    bad, _ = rig.store.create_send(
        key="k2", conversation_id=notice, reply_to_row=row["id"], text="Hallo", by_user="U0AGENT"
    )
    await rig.mailer.drain()
    failed = rig.store.send(send_id=int(bad["id"]))
    assert failed is not None and failed["state"] == "failed" and "no buyer message" in failed["error"]
    assert len(smtp.messages) == 1 and (int(bad["id"]), "failed") in rig.events


async def test_an_unexpected_error_fails_the_send_with_a_note_and_retry_and_is_logged(
    rig: Rig, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    """No send stays 'sending' without a word: an error of a kind nobody foresaw is a failed send with Retry."""
    send_id = await rig.queue()

    async def broken(message: object) -> None:
        raise KeyError("a bug in the SMTP library")  # neither SendError nor OSError

    rig.mailer.sender.send = broken  # type: ignore[assignment,union-attr]
    await rig.mailer.drain()
    row = rig.store.send(send_id=send_id)
    assert row is not None and row["state"] == "failed"
    assert row["error"] == "unexpected error: KeyError: 'a bug in the SMTP library'"
    assert rig.events == [(send_id, "failed")]
    note = send_note(row, "failed", CardTime(now=NOW, tz=UTC))
    shown = json.dumps(note["blocks"])
    assert note["text"] == "Reply NOT sent" and "KeyError" in shown
    assert any(e.get("action_id") == "retry_send" for b in note["blocks"] for e in b.get("elements", []))
    [logged] = [r for r in caplog.records if r.name == "bot.workers.mailer" and r.levelname == "ERROR"]
    assert logged.exc_info is not None and logged.exc_info[0] is KeyError  # with its traceback
    assert await rig.mailer.drain() is False  # waits for a person's Retry, never resent by itself


async def test_an_unexpected_error_after_the_relay_took_the_mail_is_uncertain_not_failed(
    rig: Rig, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retry would send it twice: a person checks instead."""
    send_id = await rig.queue()

    def disk_full(**fields: object) -> int:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(rig.store, "insert_message", disk_full)
    await rig.mailer.drain()
    assert len(smtp.messages) == 1
    row = rig.store.send(send_id=send_id)
    assert row is not None and row["state"] == "uncertain" and "OperationalError" in row["error"]
    assert rig.events == [(send_id, "uncertain")]


async def test_a_subject_with_a_vertical_tab_is_sent(rig: Rig, smtp: SmtpServer) -> None:
    send_id = await rig.queue()
    [message] = rig.store.conversation_messages(conversation_id=rig.store.conversations()[0]["id"])
    rig.store.conn.execute(
        "UPDATE messages SET subject = ? WHERE id = ?", ["Rechnung\x0bfehlt\u2028bitte", message["id"]]
    )
    await rig.mailer.drain()
    assert rig.store.send(send_id=send_id)["state"] == "sent"  # type: ignore[index]
    assert smtp.messages[0]["Subject"] == "Re: Rechnung fehlt bitte"


async def test_an_amazon_message_cut_off_by_a_crash_is_uncertain_and_never_posted_twice(
    tmp_path: Path, smtp: SmtpServer, fake_services: FakeServices
) -> None:
    import asyncio

    from bot.services.amazon import SpApi
    from bot.services.messaging import AmazonMessaging

    order = "302-1234567-1234567"  # de_invoice.eml's
    fake_services.orders[order] = StoredOrder(
        order,
        "A1PA6795UKMFR9",
        fake_services.clock() - timedelta(days=2),
        [("Mühle", "B0X", 1, "9.99")],
        "EUR",
    )
    rig = Rig(tmp_path, smtp, **fake_services.urls(fake_services.base_url))
    messaging = AmazonMessaging(SpApi(rig.settings, attempts=1))
    rig.mailer.messaging = messaging
    send_id = await rig.queue()
    rig.store.update_send(
        send_id=send_id, channel="amazon:unexpectedProblem", text=f"Bestellung {order}: Verzug"
    )
    await messaging.actions(order)  # the access token is in hand
    reached = asyncio.Event()
    states: list[str] = []

    def at_amazon(service: str, what: str) -> None:
        if what.startswith("message:"):
            states.append(rig.store.send(send_id=send_id)["state"])  # type: ignore[index]
            reached.set()

    fake_services.on_call.append(at_amazon)
    fake_services.delays["sp-api"] = 2.0  # Amazon holds the request: the process dies meanwhile
    task = asyncio.create_task(rig.mailer.drain())
    await asyncio.wait_for(reached.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert states == ["sending"]  # written before Amazon was asked

    fake_services.delays.clear()
    assert rig.mailer.recover() == 1  # the next start
    assert rig.store.send(send_id=send_id)["state"] == "uncertain"  # type: ignore[index]
    assert await rig.mailer.drain() is False
    assert sum(1 for _, what in fake_services.calls if what.startswith("message:")) == 1
    assert rig.events == [(send_id, "uncertain")]
    await messaging.api.aclose()


async def test_a_reply_of_an_account_no_longer_configured_is_not_sent_from_another(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    rig = Rig(
        tmp_path,
        smtp,
        accounts=[
            {"name": "Brand EU", "marketplaces": ["amazon.de"]},
            {"name": "Brand US", "marketplaces": ["amazon.com"], "reply_from": "us@brand.example"},
        ],
    )
    send_id = await rig.queue()
    conv = rig.store.conversations()[0]
    rig.store.update_conversation(conversation_id=conv["id"], account="Brand UK")  # renamed away since
    await rig.mailer.drain()
    row = rig.store.send(send_id=send_id)
    assert (
        row is not None
        and row["state"] == "failed"
        and "'Brand UK' is not configured any more" in row["error"]
    )
    assert smtp.messages == [] and rig.events == [(send_id, "failed")]
