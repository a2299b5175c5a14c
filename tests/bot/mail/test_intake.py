"""Intake: one mail → stored once, with its conversation and what Slack must show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from bot.cards.card import answered_by
from bot.clock.clocks import FakeClock
from bot.mail.intake import Intake, arrival_time
from bot.mail.model import ParsedMail
from bot.mail.source import IncomingMail
from bot.mail.trust import Authenticator
from bot.store.store import ANSWERED_OUTSIDE_SLACK, Store, parse_iso
from tests.conftest import count_rows, fixture_mail, make_settings
from tests.support.dkim import dns, sign

NOW = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)


@pytest.fixture
def intake(tmp_path: Path) -> Intake:
    settings = make_settings(tmp_path)
    return Intake(settings, Store.connect(settings.database, clock=FakeClock(NOW)))


async def feed(intake: Intake, name: str, ref: str | None = None):  # type: ignore[no-untyped-def]
    return await intake.handle(IncomingMail(fixture_mail(name), ref or name, NOW))


def outbox_keys(intake: Intake) -> list[str]:
    return [row["dedupe_key"] for row in intake.store.query("SELECT * FROM outbox ORDER BY id")]


async def test_new_buyer_message_opens_a_conversation_with_a_24h_deadline(intake: Intake) -> None:
    result = await feed(intake, "de_invoice.eml")
    conv = intake.store.conversation(conversation_id=result.conversation_id)
    assert conv is not None
    assert conv["state"] == "open" and conv["kind"] == "buyer"
    assert conv["key"] == "3x7kq2mdl0zy1vd@marketplace.amazon.de|302-1234567-1234567"
    received = datetime(2026, 11, 24, 7, 12, 45, tzinfo=UTC)  # the Date header, earlier than delivery
    assert parse_iso(conv["deadline"]) == received + timedelta(hours=24)
    assert outbox_keys(intake) == ["card:<0100018f-de-invoice-0002@email.amazonses.com>"]


async def test_same_mail_twice_is_stored_and_posted_once(intake: Intake) -> None:
    first = await feed(intake, "de_invoice.eml", "a")
    second = await feed(intake, "de_invoice.eml", "b")
    assert not first.duplicate and second.duplicate
    assert count_rows(intake.store, "messages") == 1
    assert len(outbox_keys(intake)) == 1


async def test_follow_up_goes_to_the_thread_and_refreshes_the_card(intake: Intake) -> None:
    first = await feed(intake, "de_invoice.eml")
    follow = await feed(intake, "de_followup_aw.eml")
    assert follow.followup and follow.conversation_id == first.conversation_id
    conv = intake.store.conversation(conversation_id=first.conversation_id)
    assert conv is not None and conv["message_count"] == 2
    keys = outbox_keys(intake)
    assert keys[1] == "thread:<0100018f-de-followup-0010@email.amazonses.com>"
    assert keys[2].startswith(f"update:{first.conversation_id}:")


async def test_follow_up_found_by_references_even_without_order_id(intake: Intake) -> None:
    first = await feed(intake, "de_invoice.eml")
    raw = (
        b"From: Max - Amazon Marketplace <3x7kq2mdl0zy1vd+case1@marketplace.amazon.de>\r\n"
        b"Subject: AW: Ihre Nachricht\r\nMessage-ID: <new-1@x>\r\n"
        b"References: <0100018f-de-invoice-0002@email.amazonses.com>\r\n\r\nNoch eine Frage bitte.\r\n"
    )
    result = await intake.handle(IncomingMail(raw, "x", NOW))
    message = intake.store.message(row_id=result.message_row)
    assert message is not None and "302-" not in (message["subject"] + message["text"])
    assert result.followup and result.conversation_id == first.conversation_id


async def test_presale_question_is_keyed_by_alias(intake: Intake) -> None:
    result = await feed(intake, "de_presale_no_order.eml")
    conv = intake.store.conversation(conversation_id=result.conversation_id)
    assert conv is not None and conv["key"] == "e1r2k3a4@marketplace.amazon.de|-" and conv["order_id"] is None


async def test_confirmation_is_never_a_buyer_card_and_marks_the_order_answered(intake: Intake) -> None:
    conv_id = (await feed(intake, "de_invoice.eml")).conversation_id
    result = await feed(intake, "confirmation_de.eml")
    assert result.conversation_id == conv_id
    conv = intake.store.conversation(conversation_id=conv_id)
    assert conv is not None and conv["state"] == "answered"
    # who and when are stamped as for an answer from Slack: in Seller Central, when Amazon sent the copy
    assert conv["answered_by"] == ANSWERED_OUTSIDE_SLACK
    assert parse_iso(conv["answered_at"]) == parse_iso(result_received(intake, result))
    assert answered_by(conv["answered_by"]) == "in Seller Central"
    assert not any(k.startswith("card:<0100018f-confirm") for k in outbox_keys(intake))
    lonely = await feed(intake, "confirmation_en.eml")  # no open conversation for that order
    assert lonely.conversation_id is None and not lonely.posted


def result_received(intake: Intake, result: Any) -> str:
    """When the stored message of an intake result arrived."""
    message = intake.store.message(row_id=result.message_row)
    assert message is not None
    return str(message["received_at"])


async def test_answered_conversation_reopens_with_a_new_clock(intake: Intake) -> None:
    conv_id = (await feed(intake, "de_invoice.eml")).conversation_id
    await feed(intake, "confirmation_de.eml")
    await feed(intake, "de_followup_aw.eml")
    conv = intake.store.conversation(conversation_id=conv_id)
    assert conv is not None and conv["state"] == "open"
    assert parse_iso(conv["deadline"]) == datetime(2026, 11, 24, 15, 0, tzinfo=UTC) + timedelta(hours=24)


async def test_notice_gets_its_own_card(intake: Intake) -> None:
    await feed(intake, "de_invoice.eml")
    result = await feed(intake, "notice_cancellation.eml")
    conv = intake.store.conversation(conversation_id=result.conversation_id)
    assert conv is not None and conv["kind"] == "notice" and conv["notice_type"] == "cancellation_request"
    assert result.posted


async def test_unparseable_mail_is_posted_raw_with_a_deadline(intake: Intake) -> None:
    result = await feed(intake, "broken.eml")
    conv = intake.store.conversation(conversation_id=result.conversation_id)
    assert conv is not None and conv["kind"] == "raw" and conv["deadline"]
    message = intake.store.message(row_id=result.message_row)
    assert message is not None and message["parse_error"] and message["raw"] == fixture_mail("broken.eml")


async def test_non_amazon_mail_is_stored_not_posted_unless_configured(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    quiet = Intake(settings, Store.open(tmp_path / "a.db", clock=FakeClock(NOW)))
    result = await quiet.handle(IncomingMail(fixture_mail("not_amazon.eml"), "x", NOW))
    assert not result.posted and quiet.store.has_message(message_id=result.message_id)
    loud = Intake(
        make_settings(tmp_path, non_amazon_mail="post"), Store.open(tmp_path / "b.db", clock=FakeClock(NOW))
    )
    assert (await loud.handle(IncomingMail(fixture_mail("not_amazon.eml"), "x", NOW))).posted


async def test_long_text_queues_continuations(intake: Intake) -> None:
    raw = fixture_mail("de_presale_no_order.eml").replace(
        b"Hallo, passt", b"Hallo, " + b"sehr lange Frage " * 600 + b"passt"
    )
    raw = raw.replace(b"Content-Transfer-Encoding: quoted-printable", b"Content-Transfer-Encoding: 8bit")
    await intake.handle(IncomingMail(raw, "x", NOW))
    assert any(k.startswith("cont:") for k in outbox_keys(intake))


def test_arrival_time_is_conservative_and_never_in_the_future() -> None:
    p = ParsedMail(date=NOW - timedelta(minutes=10))
    assert arrival_time(p, NOW - timedelta(minutes=2), NOW) == NOW - timedelta(minutes=10)
    assert arrival_time(ParsedMail(date=NOW - timedelta(days=9)), NOW - timedelta(minutes=2), NOW) == (
        NOW - timedelta(minutes=2)  # a Date header days older than delivery is not trusted
    )
    assert arrival_time(ParsedMail(date=NOW + timedelta(hours=3)), None, NOW) == NOW


async def test_a_batch_is_stored_in_one_commit_and_starts_each_mails_work(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, database_url="")  # SQLite: its trace callback counts the commits
    store = Store.connect(settings.database, clock=FakeClock(NOW))
    orders: list[tuple[str, bool]] = []
    intake = Intake(
        settings, store, on_order=lambda order, _site: orders.append((order, store.conn.in_transaction))
    )
    commits: list[str] = []
    store.db.conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    batch = [
        IncomingMail(fixture_mail("de_invoice.eml"), "a", NOW),
        IncomingMail(fixture_mail("fr_damaged.eml"), "b", NOW),
        IncomingMail(fixture_mail("de_invoice.eml"), "c", NOW),  # the same mail twice in one batch
    ]
    results = await intake.handle_many(batch)
    store.db.conn.set_trace_callback(None)
    assert commits == ["COMMIT"]
    assert [r.duplicate for r in results] == [False, False, True]
    assert count_rows(store, "messages") == 2
    # lookups start after the commit, so they never read (or join) an unfinished transaction
    assert orders == [("302-1234567-1234567", False), ("404-1111111-2222222", False)]


async def test_a_mail_that_cannot_be_stored_holds_back_nobody_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path)
    store = Store.connect(settings.database, clock=FakeClock(NOW))
    intake = Intake(settings, store)
    real_ingest = intake.ingest

    def ingest(parsed, raw, *, source_ref, **where):  # type: ignore[no-untyped-def]
        if source_ref == "b":
            raise OSError("disk trouble on this one row")
        return real_ingest(parsed, raw, source_ref=source_ref, **where)

    monkeypatch.setattr(intake, "ingest", ingest)
    batch = [
        IncomingMail(fixture_mail("de_invoice.eml"), "a", NOW),
        IncomingMail(fixture_mail("fr_damaged.eml"), "b", NOW),
        IncomingMail(fixture_mail("es_return.eml"), "c", NOW),
    ]
    with pytest.raises(OSError, match="disk trouble"):
        await intake.handle_many(batch)  # the source keeps its checkpoint and reads the batch again
    stored = {row["source_ref"] for row in store.query("SELECT * FROM messages ORDER BY id")}
    assert stored == {"a", "c"}
    monkeypatch.setattr(intake, "ingest", real_ingest)
    again = await intake.handle_many(batch)
    assert [r.duplicate for r in again] == [True, False, True]
    assert store.integrity_ok()


def forged(name: str, **headers: str) -> bytes:
    """A fixture mail with some headers replaced (a new Message-ID so it is not a duplicate)."""
    msg = message_from_bytes(fixture_mail(name), policy=policy.compat32)
    for header, value in {"Message-ID": f"<forged-{name}-{len(headers)}@evil.example>", **headers}.items():
        del msg[header.replace("_", "-")]
        msg[header.replace("_", "-")] = value
    return msg.as_bytes()


async def test_in_reply_to_alone_does_not_take_over_a_conversation(intake: Intake) -> None:
    first = await feed(intake, "de_invoice.eml")
    conv = intake.store.conversation(conversation_id=first.conversation_id)
    assert conv is not None
    known = intake.store.conversation_messages(conversation_id=int(conv["id"]))[0]["message_id"]
    other_buyer = forged(
        "en_shipping.eml", In_Reply_To=known, References=known
    )  # another buyer's relay mail pointing at Max's message
    result = await intake.handle(IncomingMail(other_buyer, "x", NOW))
    assert result.conversation_id != conv["id"] and not result.followup
    after = intake.store.conversation(conversation_id=int(conv["id"]))
    assert after is not None and after["buyer_alias"] == conv["buyer_alias"] and after["message_count"] == 1
    same_buyer_other_order = forged(
        "de_invoice.eml",
        In_Reply_To=known,
        Subject="Frage von Amazon-Kunde Max Müller (Bestellung: 302-9999999-9999999)",
    )
    result = await intake.handle(IncomingMail(same_buyer_other_order, "y", NOW))
    assert result.conversation_id != conv["id"]


async def test_a_forged_copy_of_a_reply_does_not_stop_the_clock(intake: Intake) -> None:
    first = await feed(intake, "de_invoice.eml")
    fake = forged("confirmation_de.eml", From='"Amazon" <donotreply@amazon.de.evil.io>')
    result = await intake.handle(IncomingMail(fake, "f", NOW))
    conv = intake.store.conversation(conversation_id=first.conversation_id)
    assert (
        conv is not None and conv["state"] == "open" and conv["answered_by"] is None
    )  # the clock still runs
    card = intake.store.conversation(conversation_id=result.conversation_id)
    assert card is not None and card["kind"] == "suspicious" and card["deadline"] is None
    assert card["buyer_alias"] is None
    [message] = intake.store.conversation_messages(conversation_id=result.conversation_id)
    assert "looks like Amazon" in message["suspicion"]


async def test_required_authentication_turns_an_unsigned_relay_mail_suspicious(tmp_path: Path) -> None:

    settings = make_settings(tmp_path, dkim_verify=True)
    store = Store.connect(settings.database, clock=FakeClock(NOW))
    intake = Intake(
        settings,
        store,
        authenticator=Authenticator(dkim_verify=True, required=True, dnsfunc=dns("amazon.de")),
    )
    unsigned = await intake.handle(IncomingMail(fixture_mail("de_invoice.eml"), "u", NOW))
    assert store.conversation(conversation_id=unsigned.conversation_id)["kind"] == "suspicious"  # type: ignore[index]
    signed = sign(forged("de_invoice.eml"), "amazon.de")
    result = await intake.handle(IncomingMail(signed, "s", NOW))
    conv = store.conversation(conversation_id=result.conversation_id)
    assert conv is not None and conv["kind"] == "buyer" and conv["buyer_alias"]
