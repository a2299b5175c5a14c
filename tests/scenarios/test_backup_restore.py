"""A backup taken with `inbox-bot backup` while the bot works, restored as README says (stop the bot, copy the file
back): the restored bot has every row of that moment once, posts no card again and sends no reply again."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.clock.clocks import FakeClock
from bot.mail.source import IncomingMail
from bot.sandbox.slack_api import FakeSlack
from tests.bot.test_cli import cli
from tests.conftest import eventually, fixture_mail, make_settings, running_bot
from tests.support import postgres
from tests.support.clock import TEAM_TIME
from tests.support.desk import open_desk, texts
from tests.support.smtp import SmtpServer


def table(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


def card_posts(slack: FakeSlack) -> list[str]:
    """The outbox keys of every card Slack was asked to post (each a chat.postMessage with the key in metadata)."""
    return [
        str(((c.get("metadata") or {}).get("event_payload") or {}).get("key"))
        for c in slack.calls_of("chat.postMessage")
        if not c.get("thread_ts")
        and str(((c.get("metadata") or {}).get("event_payload") or {}).get("key")).startswith("card:")
    ]


@pytest.mark.skipif(
    postgres.ENGINE == "postgresql", reason="copies the SQLite file; PostgreSQL is backed up with pg_dump"
)
async def test_a_backup_taken_while_the_bot_works_restores_without_losing_or_repeating_anything(
    tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer
) -> None:
    clock = FakeClock(TEAM_TIME)
    (tmp_path / "live").mkdir()
    copy = tmp_path / "backups" / "inbox-bot.db"
    copy.parent.mkdir()
    async with open_desk(tmp_path / "live", fake_slack, smtp, clock=clock) as desk:
        deps = desk.deps
        # Before the backup: a reply that went out, and a second buyer whose reply the relay greylists.
        await desk.open_reply("U0AGENT", "reply_template:invoice_request")
        await desk.submit("U0AGENT")
        await eventually(lambda: len(smtp.messages) == 1, what="the first reply")
        await deps.intake.handle(IncomingMail(fixture_mail("en_shipping.eml"), "t2", clock.now()))
        await fake_slack.wait_for(lambda: len(fake_slack.posts(top_level=True)) == 2)
        second = fake_slack.posts("C0INBOX", top_level=True)[1]
        smtp.refuse("451 4.7.1 Greylisted, try again later")
        await desk.open_reply("U0AGENT", "reply_blank", ts=second["ts"])
        await desk.submit("U0AGENT", "Hello, your parcel is with DHL and should arrive tomorrow.")
        await fake_slack.wait_for(
            lambda: any("retrying" in p["text"].lower() for p in fake_slack.posts(thread_ts=second["ts"]))
        )
        await eventually(lambda: deps.store.pending_outbox_count() == 0, what="Slack up to date")
        assert [(s["state"], s["attempts"]) for s in deps.store.sends()] == [("sent", 1), ("queued", 1)]

        # A third mail is stored and its card queued; the backup is taken before the poster can run (the CLI in its
        # own process, while this process holds the database open and the event loop waits for it).
        raw = fixture_mail("fr_damaged.eml")
        parsed = deps.intake.parse(IncomingMail(raw, "t3", clock.now()))
        with deps.store.transaction():
            deps.intake.ingest(parsed, raw, source_ref="t3", internal_date=clock.now())
        taken = cli("backup", str(copy), env={"INBOX_BOT_DATABASE_PATH": str(deps.settings.database_path)})
        assert taken.returncode == 0, taken.stderr
        assert (
            "1 reply was on the way out" in taken.stdout
            and "1 Slack post was still to be made" in taken.stdout
        )

        # After the backup the bot goes on: the third card is posted and the greylisted reply goes out.
        deps.outbox.wake.set()
        await fake_slack.wait_for(lambda: len(fake_slack.posts(top_level=True)) == 3)
        clock.advance(minutes=2)
        deps.mailer.wake.set()
        await eventually(lambda: len(smtp.messages) == 2, what="the greylisted reply, after the backup")
        await eventually(lambda: deps.store.pending_outbox_count() == 0, what="Slack up to date")
    cards, mails = card_posts(fake_slack), len(smtp.messages)
    assert len(cards) == len(set(cards)) == 3

    # The restore: the bot stopped, the backup copied to where the database lives, the bot started on it.
    restored = tmp_path / "restored" / "bot.db"
    restored.parent.mkdir()
    shutil.copyfile(copy, restored)
    settings = make_settings(tmp_path / "restored", fake_slack, database_path=restored, **smtp.settings())
    async with running_bot(settings, clock=clock) as deps:
        await deps.ready.wait()
        await (
            fake_slack.wait_for(  # the reply of the backup's moment: a person checks, the bot does not resend
                lambda: any(
                    "may have reached the buyer" in texts(p.get("blocks") or [])
                    for p in fake_slack.posts(thread_ts=second["ts"])
                )
            )
        )
        await eventually(
            lambda: deps.store.pending_outbox_count() == 0, what="the restored bot's outbox done"
        )
        await asyncio.sleep(0.3)  # anything it would wrongly do next has its chance
        assert card_posts(fake_slack) == cards  # no card posted again: the third one was found in the channel
        assert len(smtp.messages) == mails  # no reply sent again
        states = {s["text"][:5]: s["state"] for s in deps.store.sends()}
        assert sorted(states.values()) == ["sent", "uncertain"]
        third = deps.store.conversations_for_order(order_id=str(parsed.order_id))[0]
        assert third["slack_ts"] == fake_slack.posts("C0INBOX", top_level=True)[2]["ts"]
        assert deps.store.integrity_ok()

    # Every row of the backup's moment is in the restored database once, and the bot added no conversation or mail.
    for sql in (
        "SELECT id, key, kind, order_id FROM conversations ORDER BY id",
        "SELECT id, message_id, direction, received_at FROM messages ORDER BY id",
        "SELECT id, key, text FROM sends ORDER BY id",
        "SELECT id, dedupe_key FROM outbox ORDER BY id",
    ):
        backed_up, after = table(copy, sql), table(restored, sql)
        assert after[: len(backed_up)] == backed_up, sql
    assert table(restored, "SELECT count(*) FROM conversations") == table(
        copy, "SELECT count(*) FROM conversations"
    )
    assert table(restored, "SELECT count(*) FROM messages") == table(copy, "SELECT count(*) FROM messages")
    assert table(restored, "SELECT state FROM sends ORDER BY id") == [("sent",), ("uncertain",)]
