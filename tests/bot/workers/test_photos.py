"""Buyer photos in the card's thread, through Slack's upload flow on the stand-in: once, across crashes, capped."""

from __future__ import annotations

import asyncio
import json
from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.mail.parser import parse_relay_mail
from bot.mail.photos import attachment_bytes
from bot.sandbox.slack_api import FakeSlack
from bot.sandbox.world import sample_png
from tests.bot.workers.conftest import Rig
from tests.conftest import eventually, fixture_mail, make_settings


def relay_mail(
    *attachments: tuple[str, str, bytes], message_id: str = "<photos-1@email.amazonses.com>"
) -> bytes:
    """A buyer's relay mail with these (file name, MIME type, bytes) attached."""
    mail = EmailMessage()
    mail["From"] = '"Anna Schmidt - Amazon Marketplace" <a9s8d7f6@marketplace.amazon.de>'
    mail["To"] = "shop@example-shop.de"
    mail["Subject"] = "Frage von Amazon-Kunde Anna Schmidt (Bestellung: 302-2222222-3333333)"
    mail["Date"] = "Tue, 24 Nov 2026 14:00:00 +0100"
    mail["Message-ID"] = message_id
    mail.set_content(
        "------------- Nachricht: -------------\n\nHallo, anbei die Fotos vom Schaden.\n\n"
        "------------- Ende der Nachricht -------------\n"
    )
    for name, ctype, data in attachments:
        maintype, subtype = ctype.split("/")
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return mail.as_bytes()


def shared_files(slack: FakeSlack) -> list[dict[str, object]]:
    """Every file shared in a message, in order."""
    return [f for m in slack.posts() for f in m.get("files") or []]


async def test_photos_go_into_the_cards_thread_with_their_bytes(rig: Rig) -> None:
    await rig.mail("de_photos.eml")
    await rig.poster.drain()
    [card] = rig.slack.posts("C0INBOX", top_level=True)
    thread = rig.slack.posts("C0INBOX", thread_ts=card["ts"])
    assert [f["name"] for m in thread for f in m["files"]] == ["karton.jpg", "Gerät Kratzer.png"]
    raw = fixture_mail("de_photos.eml")
    for index, file in enumerate(shared_files(rig.slack)):
        found = attachment_bytes(raw, index)
        assert found is not None and rig.slack.files[str(file["id"])]["data"] == found[1]
    assert "karton.jpg" in json.dumps(card["blocks"], ensure_ascii=False)  # still listed on the card
    assert rig.store.pending_outbox_count() == 0
    await rig.poster.drain()
    assert len(rig.slack.calls_of("files.getUploadURLExternal")) == 2  # nothing more


async def test_a_crash_after_slack_shared_the_photo_does_not_share_it_again(rig: Rig) -> None:
    await rig.mail("x.eml", relay_mail(("schaden.png", "image/png", sample_png())))
    rig.slack.hold("files.completeUploadExternal")
    task = asyncio.create_task(rig.poster.drain())
    await rig.slack.wait_for(lambda: len(shared_files(rig.slack)) == 1)
    task.cancel()  # Slack shared it; the process dies before recording that
    with pytest.raises(asyncio.CancelledError):
        await task
    await rig.new_poster().drain()
    assert len(shared_files(rig.slack)) == 1
    assert len(rig.slack.calls_of("files.completeUploadExternal")) == 1
    assert len(rig.slack.calls_of("files.getUploadURLExternal")) == 1
    assert rig.store.pending_outbox_count() == 0
    [post] = [p for p in rig.store.slack_posts() if p["role"] == "photo"]
    assert post["ts"] == next(m["ts"] for m in rig.slack.posts() if m.get("files"))


async def test_a_photo_uploaded_but_not_shared_is_shared_without_uploading_again(rig: Rig) -> None:
    await rig.mail("x.eml", relay_mail(("schaden.png", "image/png", sample_png())))
    rig.slack.fail("files.completeUploadExternal", status=500, error="internal_error", retry_after=None)
    await rig.poster.drain()
    assert shared_files(rig.slack) == []
    rig.clock.advance(seconds=30)
    await rig.new_poster().drain()
    assert len(shared_files(rig.slack)) == 1
    assert len(rig.slack.calls_of("files.getUploadURLExternal")) == 1  # the bytes went once


async def test_a_file_slack_no_longer_has_is_uploaded_again(rig: Rig) -> None:
    await rig.mail("x.eml", relay_mail(("schaden.png", "image/png", sample_png())))
    rig.slack.fail("files.completeUploadExternal", status=500, error="internal_error", retry_after=None)
    await rig.poster.drain()
    rig.slack.files.clear()  # Slack dropped the unshared upload
    rig.clock.advance(seconds=30)
    await rig.poster.drain()
    assert len(shared_files(rig.slack)) == 1
    assert len(rig.slack.calls_of("files.getUploadURLExternal")) == 2


async def test_a_file_that_only_claims_to_be_a_picture_gets_a_note_not_an_upload(rig: Rig) -> None:
    await rig.mail("x.eml", relay_mail(("foto.jpg", "image/jpeg", b"%PDF-1.4 not a picture at all")))
    await rig.poster.drain()
    assert rig.slack.calls_of("files.getUploadURLExternal") == []
    [card] = rig.slack.posts("C0INBOX", top_level=True)
    [note] = rig.slack.posts("C0INBOX", thread_ts=card["ts"])
    assert "foto.jpg" in note["text"] and "not one" in note["text"]
    assert rig.store.pending_outbox_count() == 0


async def test_other_attachments_and_photos_over_the_cap_stay_listed_on_the_card(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    rig = Rig(tmp_path, fake_slack)
    rig.settings = make_settings(tmp_path, fake_slack, photo_max_mb=0.01)  # 10 KB
    rig.poster = rig.new_poster()
    from bot.mail.intake import Intake

    rig.intake = Intake(rig.settings, rig.store)
    big = b"\xff\xd8\xff\xe0" + bytes(20_000)
    await rig.mail(
        "x.eml",
        relay_mail(
            ("small.png", "image/png", sample_png()),
            ("big.jpg", "image/jpeg", big),
            ("rechnung.pdf", "application/pdf", b"%PDF-1.4 ..."),
            ("bild.svg", "image/svg+xml", b"<svg onload='alert(1)'/>"),
        ),
    )
    await rig.poster.drain()
    assert [f["name"] for f in shared_files(rig.slack)] == ["small.png"]
    [card] = rig.slack.posts("C0INBOX", top_level=True)
    listed = json.dumps(card["blocks"], ensure_ascii=False)
    assert all(name in listed for name in ("small.png", "big.jpg", "rechnung.pdf", "bild.svg"))


async def test_no_photos_when_switched_off(tmp_path: Path, fake_slack: FakeSlack) -> None:
    from bot.mail.intake import Intake

    rig = Rig(tmp_path, fake_slack)
    rig.settings = make_settings(tmp_path, fake_slack, photo_max_mb=0)
    rig.intake = Intake(rig.settings, rig.store)
    rig.poster = rig.new_poster()
    await rig.mail("de_photos.eml")
    await rig.poster.drain()
    assert shared_files(rig.slack) == [] and len(rig.slack.posts()) == 1


def test_the_fixture_photos_are_found_where_the_parser_listed_them() -> None:
    raw = fixture_mail("de_photos.eml")
    parsed = parse_relay_mail(raw)
    for index, attachment in enumerate(parsed.attachments):
        found = attachment_bytes(raw, index)
        assert found is not None and found[0] == attachment.filename and len(found[1]) == attachment.size
    assert attachment_bytes(raw, len(parsed.attachments)) is None


async def test_a_share_slack_shows_only_later_is_found_not_asked_for_twice(rig: Rig) -> None:
    await rig.mail("x.eml", relay_mail(("schaden.png", "image/png", sample_png())))
    rig.slack.delays["files.completeUploadExternal"] = 3.0  # Slack takes its time to share
    first = rig.poster
    restarted = rig.new_poster()  # built now, so the restart below takes no time of its own
    task = asyncio.create_task(first.drain())
    # polled, not waited on: the stand-in announces a call only once it has answered it
    await eventually(
        lambda: len(rig.slack.calls_of("files.completeUploadExternal")) == 1, what="the share asked"
    )
    task.cancel()  # the process dies while the share is asked for and not yet answered
    with pytest.raises(asyncio.CancelledError):
        await task
    await restarted.drain()  # not in the thread yet: it looks again later instead of asking a second time
    assert len(rig.slack.calls_of("files.completeUploadExternal")) == 1
    await rig.slack.wait_for(lambda: len(shared_files(rig.slack)) == 1)  # Slack finishes the share
    rig.clock.advance(seconds=11)
    await restarted.drain()
    assert len(shared_files(rig.slack)) == 1 and len(rig.slack.calls_of("files.completeUploadExternal")) == 1
    assert rig.store.pending_outbox_count() == 0


async def claim_evidence_file(rig: Rig, text: str | None) -> dict[str, object]:
    """The claim's card posted, and its evidence queued as a file (as bot/workers/evidence.py queues it)."""
    await rig.mail("notice_atoz.eml")
    await rig.poster.drain()
    [card] = rig.slack.posts("C0INBOX", top_level=True)
    conv = rig.store.conversations()[0]
    evidence = rig.store.add_evidence(
        conversation_id=int(conv["id"]), order_id=None, text=text or "x", by="U0LEAD"
    )
    if text is None:  # purged before it was uploaded
        rig.store.conn.execute("DELETE FROM evidence WHERE id = ?", [evidence])
    rig.store.enqueue(
        kind="post_file",
        dedupe_key=f"evidence-file:{evidence}",
        due_by=None,
        conversation_id=int(conv["id"]),
        message_row=None,
        channel="C0INBOX",
        payload={
            "evidence": evidence,
            "filename": "claim-302-2222222-3333333.txt",
            "comment": ":page_facing_up: Evidence",
        },
    )
    return card


async def test_a_claims_evidence_file_is_uploaded_once_even_when_the_process_dies_after_sharing(
    rig: Rig,
) -> None:
    text = "Evidence for the appeal\nScans, oldest first:\n    Köln DE  Die Sendung wurde zugestellt.\n"
    card = await claim_evidence_file(rig, text)
    rig.slack.hold("files.completeUploadExternal")
    task = asyncio.create_task(rig.poster.drain())
    await rig.slack.wait_for(lambda: len(shared_files(rig.slack)) == 1)
    task.cancel()  # Slack shared it; the process dies before recording that
    with pytest.raises(asyncio.CancelledError):
        await task
    await rig.new_poster().drain()
    [file] = shared_files(rig.slack)
    assert file["name"] == "claim-302-2222222-3333333.txt" and file["mimetype"] == "text/plain"
    assert rig.slack.files[str(file["id"])]["data"] == text.encode()
    [shared] = [m for m in rig.slack.posts("C0INBOX", thread_ts=card["ts"]) if m.get("files")]
    assert shared["text"] == ":page_facing_up: Evidence"
    assert (
        len(rig.slack.calls_of("files.getUploadURLExternal")) == 1 and rig.store.pending_outbox_count() == 0
    )


async def test_evidence_purged_before_its_upload_gets_a_note_instead(rig: Rig) -> None:
    card = await claim_evidence_file(rig, None)
    await rig.poster.drain()
    assert shared_files(rig.slack) == [] and rig.slack.calls_of("files.getUploadURLExternal") == []
    notes = [m["text"] for m in rig.slack.posts("C0INBOX", thread_ts=card["ts"])]
    assert any(
        t.startswith(":page_facing_up: claim-302-2222222-3333333.txt is no longer kept") for t in notes
    )
