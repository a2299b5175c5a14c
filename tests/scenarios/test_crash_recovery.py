"""A real crash: the bot process is SIGKILLed after Slack took a post and before the bot recorded it."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail
from tests.support.bot_process import start_bot
from tests.support.postgres import database_of, rows


def recorded(tmp_path: Path) -> list[tuple[str, str | None]]:
    return rows(database_of(tmp_path), "SELECT key, slack_ts FROM conversations ORDER BY id")


def pending(tmp_path: Path) -> int:
    return int(rows(database_of(tmp_path), "SELECT count(*) FROM outbox WHERE state != 'done'")[0][0])


async def test_sigkill_between_post_and_record_leaves_exactly_one_card(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "1.eml").write_bytes(fixture_mail("de_invoice.eml"))
    fake_slack.hold("chat.postMessage")  # Slack posts it, the bot never hears back
    bot = start_bot(tmp_path, fake_slack)
    try:
        await fake_slack.wait_for(lambda: len(fake_slack.posts()) == 1, timeout=20)
        os.kill(bot.pid, signal.SIGKILL)
        await asyncio.to_thread(bot.wait, 10)
    finally:
        if bot.poll() is None:
            bot.kill()
    assert recorded(tmp_path)[0][1] is None  # the store never learned the ts

    (tmp_path / "mail" / "2.eml").write_bytes(fixture_mail("fr_damaged.eml"))  # arrives while it is down
    bot = start_bot(tmp_path, fake_slack)
    try:
        await eventually(
            lambda: len(recorded(tmp_path)) == 2 and pending(tmp_path) == 0,
            timeout=20,
            what="both conversations posted and recorded",
        )
    finally:
        bot.send_signal(signal.SIGTERM)
        # the stand-in lives in this loop: wait in a thread so it can answer the bot while it shuts down
        assert await asyncio.to_thread(bot.wait, 10) == 0, (tmp_path / "bot.log").read_text()

    cards = fake_slack.posts("C0INBOX", top_level=True)
    assert len(cards) == 2
    assert [ts for _, ts in recorded(tmp_path)] == [c["ts"] for c in cards]
    card_posts = [c for c in fake_slack.calls_of("chat.postMessage") if not c.get("thread_ts")]
    assert len(card_posts) == 2  # the first card was found, not reposted (thread reminders aside)
    assert rows(database_of(tmp_path), "PRAGMA integrity_check") == [("ok",)]
