"""Mail sources: IMAP against real Dovecot (IDLE, polling, outages, UID memory) and a local folder."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.mail.intake import Intake
from bot.mail.source import DirectorySource, ImapSource, IncomingMail, MailSource
from bot.sandbox.slack_api import FakeSlack
from bot.settings import Settings
from bot.store.store import Store
from tests.conftest import count_rows, eventually, fixture_mail, imap_overrides, make_settings, running_bot
from tests.support.clock import pinned_clock
from tests.support.dovecot import Dovecot, free_port


@asynccontextmanager
async def reading(source: MailSource, got: list[IncomingMail]) -> AsyncIterator[None]:
    async def handle(mails: list[IncomingMail]) -> None:
        got.extend(mails)

    task = asyncio.create_task(source.run(handle))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_imap_reads_each_mail_once_across_restarts(tmp_path: Path, dovecot: Dovecot) -> None:
    settings = make_settings(tmp_path, **imap_overrides(dovecot))
    store = Store.connect(settings.database, clock=pinned_clock())
    dovecot.append(fixture_mail("de_invoice.eml"))
    got: list[IncomingMail] = []
    source = ImapSource(settings, store, pinned_clock())
    async with reading(source, got):
        await eventually(lambda: len(got) == 1)
        await eventually(lambda: source.waiting is not None, what="the source waiting for mail")
        assert source.waiting == "idle"
        dovecot.append(fixture_mail("fr_damaged.eml"))  # arrives during IDLE
        await eventually(lambda: len(got) == 2)
    assert got[0].raw == fixture_mail("de_invoice.eml") and got[0].internal_date is not None
    # the next UID of the folder (the session's Dovecot keeps counting across tests: never assume it starts at 1)
    first_uid = int(got[0].source_ref.rsplit(":", 1)[1])
    assert got[1].source_ref == got[0].source_ref.rsplit(":", 1)[0] + f":{first_uid + 1}"
    dovecot.append(fixture_mail("es_return.eml"))
    again: list[IncomingMail] = []
    async with reading(ImapSource(settings, store, pinned_clock()), again):
        await eventually(lambda: len(again) == 1)
        await asyncio.sleep(0.3)
    assert [m.raw for m in again] == [fixture_mail("es_return.eml")]


async def test_imap_polls_when_idle_is_off(tmp_path: Path, dovecot: Dovecot) -> None:
    settings = make_settings(tmp_path, imap_idle=False, imap_poll_seconds=0.2, **imap_overrides(dovecot))
    store = Store.connect(settings.database, clock=pinned_clock())
    got: list[IncomingMail] = []
    source = ImapSource(settings, store, pinned_clock())
    async with reading(source, got):
        await source.connected.wait()
        await eventually(lambda: source.waiting is not None, what="the source waiting for mail")
        assert source.waiting == "poll"  # Dovecot offers IDLE: only the setting makes it poll
        dovecot.append(fixture_mail("it_generic.eml"))
        await eventually(lambda: len(got) == 1)


async def test_uidvalidity_change_rereads_without_duplicates(tmp_path: Path, dovecot: Dovecot) -> None:
    settings = make_settings(tmp_path, **imap_overrides(dovecot))
    store = Store.connect(settings.database, clock=pinned_clock())
    intake = Intake(settings, store)
    dovecot.append(fixture_mail("de_invoice.eml"))
    source = ImapSource(settings, store, pinned_clock())
    task = asyncio.create_task(source.run(intake.handle_many))
    await eventually(lambda: count_rows(store, "messages") == 1)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    store.set_mailbox_state(
        source=source.name, uidvalidity=1, last_uid=999
    )  # as if the folder was re-created
    dovecot.append(fixture_mail("fr_damaged.eml"))
    task = asyncio.create_task(ImapSource(settings, store, pinned_clock()).run(intake.handle_many))
    await eventually(lambda: count_rows(store, "messages") == 2)
    await asyncio.sleep(0.3)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert count_rows(store, "messages") == 2
    assert store.pending_outbox_count() == 2  # one card each, none twice


async def test_outage_is_reported_once_and_recovery_catches_up(tmp_path: Path) -> None:
    server = Dovecot(port=free_port())
    settings = make_settings(tmp_path, **imap_overrides(server))
    store = Store.connect(settings.database, clock=pinned_clock())
    reports: list[tuple[str, str | None]] = []

    async def on_status(state: str, problem: str | None) -> None:
        reports.append((state, problem))

    got: list[IncomingMail] = []
    source = ImapSource(settings, store, pinned_clock(), on_status=on_status)
    try:
        async with reading(source, got):
            await eventually(lambda: len(reports) == 1)
            await asyncio.sleep(1.5)  # several failed retries, still one report
            assert reports == [("down", reports[0][1])]
            assert f"cannot reach 127.0.0.1:{server.port}" in (reports[0][1] or "")
            server.start()
            server.append(fixture_mail("de_invoice.eml"))
            await eventually(lambda: len(got) == 1, timeout=15)
            assert reports[-1] == ("up", None)
            assert len(reports) == 2
    finally:
        server.stop()


async def test_directory_source_reads_new_files_once(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    (folder / "new").mkdir(parents=True)
    (folder / "cur").mkdir()
    (folder / "new" / "1.eml").write_bytes(fixture_mail("de_invoice.eml"))
    settings = make_settings(tmp_path)
    store = Store.connect(settings.database, clock=pinned_clock())
    intake = Intake(settings, store)
    got: list[IncomingMail] = []

    async def handle(mails: list[IncomingMail]) -> None:
        got.extend(mails)
        await intake.handle_many(mails)

    task = asyncio.create_task(DirectorySource(folder, store, poll_seconds=0.05).run(handle))
    await eventually(lambda: len(got) == 1)
    (folder / "new" / "2.eml").write_bytes(fixture_mail("fr_damaged.eml"))
    await eventually(lambda: len(got) == 2)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    restarted: list[IncomingMail] = []

    async def record(mails: list[IncomingMail]) -> None:
        restarted.extend(mails)

    task = asyncio.create_task(DirectorySource(folder, store, poll_seconds=0.05).run(record))
    await asyncio.sleep(0.3)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert restarted == []


async def test_connection_dropped_during_idle_is_noticed_and_caught_up(tmp_path: Path) -> None:
    """The server goes away while the bot waits in IDLE (a restart, a dropped connection): the bot must not sit in a
    dead IDLE until its 25-minute renewal; it reconnects with backoff and reads what arrived meanwhile."""
    server = Dovecot(port=free_port()).start()
    settings = make_settings(tmp_path, **imap_overrides(server))
    store = Store.connect(settings.database, clock=pinned_clock())
    reports: list[tuple[str, str | None]] = []

    async def on_status(state: str, problem: str | None) -> None:
        reports.append((state, problem))

    got: list[IncomingMail] = []
    source = ImapSource(settings, store, pinned_clock(), on_status=on_status)
    try:
        async with reading(source, got):
            server.append(fixture_mail("de_invoice.eml"))
            await eventually(lambda: len(got) == 1)
            await asyncio.sleep(0.3)  # in IDLE now
            server.stop()  # the connection drops under the waiting IDLE
            await eventually(lambda: not source.connected.is_set(), timeout=10, what="the drop noticed")
            server.start()
            server.append(fixture_mail("fr_damaged.eml"))  # arrived while the bot was away
            await eventually(lambda: len(got) == 2, timeout=20, what="the catch-up")
            server.append(fixture_mail("es_return.eml"))  # and IDLE works again afterwards
            await eventually(lambda: len(got) == 3, timeout=10, what="IDLE after the reconnect")
    finally:
        server.stop()
    assert [m.raw for m in got] == [
        fixture_mail(n) for n in ("de_invoice.eml", "fr_damaged.eml", "es_return.eml")
    ]
    assert [state for state, _ in reports] == ["down", "up"]


def huge_mail(megabytes: int = 60) -> bytes:
    """A buyer's mail with a video of `megabytes` MB attached (as base64 lines), its text first."""
    line = b"QUFBQUFB" * 9 + b"\r\n"
    video = line * (megabytes * 1024 * 1024 // len(line) + 1)
    return (
        b"From: Max Mueller - Amazon Marketplace <3x7kq2mdl0zy1vd@marketplace.amazon.de>\r\n"
        b"To: shop@example-shop.de\r\n"
        b"Subject: Video vom Schaden, Bestellung 302-1234567-1234567\r\n"
        b"Message-ID: <huge-video-1@marketplace.amazon.de>\r\n"
        b"Date: Tue, 24 Nov 2026 09:00:00 +0100\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Guten Tag, hier das Video vom Schaden an der Kaffeem\xc3\xbchle.\r\n"
        b"--b1\r\nContent-Type: video/mp4; name=schaden.mp4\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment; filename=schaden.mp4\r\n\r\n" + video + b"--b1--\r\n"
    )


async def too_large_card(settings: Settings, slack: FakeSlack, where: str) -> dict[str, object]:
    """Run the bot until the huge mail and de_invoice.eml (after it) have cards; check what was stored of them."""
    async with running_bot(settings) as deps:
        await slack.wait_for(lambda: len(slack.posts("C0INBOX", top_level=True)) == 2, timeout=60)
        rows = deps.store.query("SELECT message_id, raw, size, location, text FROM messages ORDER BY id")
    big, small = rows
    assert big["message_id"] == "<huge-video-1@marketplace.amazon.de>"
    assert big["size"] > 60 * 1024 * 1024 and where in big["location"]
    assert len(big["raw"]) < 400_000 and len(big["text"]) < 25_000  # a reference, not the mail
    assert small["raw"] == fixture_mail("de_invoice.eml") and small["location"] is None  # read whole
    card = next(p for p in slack.posts("C0INBOX", top_level=True) if "too large" in p["text"])
    assert card["text"] == "Mail too large to show: Video vom Schaden, Bestellung 302-1234567-1234567"
    shown = json.dumps(card["blocks"], ensure_ascii=False)
    assert "read it in the mailbox" in shown and "*Size:* 60.0 MB" in shown and where in shown
    assert "hier das Video vom Schaden an der Kaffeemühle" in shown and "INBOX_BOT_MAX_MAIL_MB=25" in shown
    return card


async def test_a_mail_over_the_limit_in_imap_is_read_only_in_part_and_says_where_it_is(
    tmp_path: Path, dovecot: Dovecot, fake_slack: FakeSlack
) -> None:
    """Its size is asked first; only its header and the start of its text are fetched, stored and shown."""
    dovecot.append(huge_mail())
    dovecot.append(fixture_mail("de_invoice.eml"))
    settings = make_settings(tmp_path, fake_slack, **imap_overrides(dovecot))
    await too_large_card(settings, fake_slack, "IMAP seller@127.0.0.1, folder 'INBOX', UID ")


async def test_a_file_over_the_limit_is_read_only_in_part_and_says_where_it_is(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "1-big.eml").write_bytes(huge_mail())
    (folder / "2-small.eml").write_bytes(fixture_mail("de_invoice.eml"))
    settings = make_settings(tmp_path, fake_slack)
    await too_large_card(settings, fake_slack, f"file {folder / '1-big.eml'}")


async def test_the_imap_password_never_reaches_the_log_even_at_debug(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """aioimaplib logs every command at DEBUG and scrubs the password only as given, not as quoted for IMAP: a
    password with a quote and a backslash went out in full. The bot's filter masks it in every form."""
    password = 'Pa"ss\\word-42'
    server = Dovecot(password=password, port=free_port()).start()
    caplog.set_level(logging.DEBUG)
    try:
        settings = make_settings(tmp_path, **imap_overrides(server))
        store = Store.connect(settings.database, clock=pinned_clock())
        server.append(fixture_mail("de_invoice.eml"))
        got: list[IncomingMail] = []
        async with reading(ImapSource(settings, store, pinned_clock()), got):
            await eventually(lambda: len(got) == 1)
        wrong = make_settings(
            tmp_path / "wrong", **{**imap_overrides(server), "imap_password": 'Wr"ong\\pw-77'}
        )
        refused: list[tuple[str, str | None]] = []

        async def on_status(state: str, problem: str | None) -> None:
            refused.append((state, problem))

        async with reading(ImapSource(wrong, store, pinned_clock(), on_status=on_status), []):
            await eventually(lambda: len(refused) == 1)
    finally:
        server.stop()
    logged = "\n".join(r.getMessage() for r in caplog.records) + caplog.text + str(refused)
    assert "LOGIN seller ********" in logged  # the command is logged, its password masked
    for piece in ("word-42", "pw-77", 'Pa"ss', 'Wr"ong', "Pa\\"):
        assert piece not in logged, piece
    assert "login refused for 'seller'" in str(refused)


async def test_the_mailbox_fill_level_is_read_from_the_servers_quota(tmp_path: Path) -> None:
    server = Dovecot(port=free_port(), quota_kib=40).start()
    try:
        for _ in range(3):
            server.append(fixture_mail("de_invoice.eml") + b"\n" + b"x" * 10_000)
        settings = make_settings(tmp_path, **imap_overrides(server))
        store = Store.connect(settings.database, clock=pinned_clock())
        levels: list[tuple[int, int]] = []
        got: list[IncomingMail] = []
        source = ImapSource(
            settings, store, pinned_clock(), on_quota=lambda u, limit: levels.append((u, limit))
        )
        async with reading(source, got):
            await eventually(lambda: len(levels) == 1, what="the quota")
            server.append(fixture_mail("fr_damaged.eml"))
            await eventually(lambda: len(got) == 4)
        used, limit = levels[0]
        assert limit == 40 and 30 <= used <= 40  # three mails of about 11 KiB
        assert len(levels) == 1  # read once an hour, not after every mail
    finally:
        server.stop()
