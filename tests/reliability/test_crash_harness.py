"""The bot SIGKILLed again and again while mails arrive (seeded, repeatable): afterwards every buyer message has
exactly one post in Slack, nothing was posted twice, and the database is intact.

INBOX_BOT_TEST_KILLS sets the number of kills (default 200); INBOX_BOT_TEST_SEED the seed (default 7).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.sandbox.slack_api import FakeSlack
from bot.sandbox.world import BuyerMail, deliver, relay_mail
from tests.conftest import eventually
from tests.scenarios.test_crash_recovery import start_bot

KILLS = int(os.environ.get("INBOX_BOT_TEST_KILLS", "200"))
SEED = int(os.environ.get("INBOX_BOT_TEST_SEED", "7"))


def mails(count: int, rng: random.Random) -> list[bytes]:
    """Buyer messages from a handful of buyers, some about the same order (threads), some pre-sale."""
    now = datetime.now(UTC)
    out = []
    for n in range(count):
        buyer = rng.randrange(12)
        order = None if buyer % 5 == 0 else f"302-{buyer:07d}-{rng.randrange(3):07d}"
        mail = BuyerMail(
            name=f"Käufer {buyer}",
            text=f"Nachricht {n}: wo bleibt mein Paket?",
            language="de",
            order_id=order,
        )
        out.append(relay_mail(mail, sent_at=now - timedelta(minutes=count - n)))
    return out


def rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    db = sqlite3.connect(db_path)
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


@pytest.mark.timeout(1200)
async def test_many_sigkills_lose_nothing_and_post_nothing_twice(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    rng = random.Random(SEED)
    maildir = tmp_path / "mail"
    pending = mails(max(40, KILLS // 3), rng)
    delivered = 0
    kill_points: Counter[str] = Counter()
    for _ in range(KILLS):
        for _ in range(rng.choice([0, 0, 1, 2])):  # mail arrives while the bot is down, or between kills
            if delivered < len(pending):
                deliver(maildir, pending[delivered])
                delivered += 1
        bot = start_bot(tmp_path, fake_slack)
        delay = rng.choice([rng.uniform(0.05, 0.6), rng.uniform(0.6, 1.5)])
        posts_before = len(fake_slack.calls_of("chat.postMessage"))
        await asyncio.sleep(delay)
        kill_points[
            "while posting"
            if len(fake_slack.calls_of("chat.postMessage")) > posts_before
            else "starting or idle"
        ] += 1
        bot.send_signal(signal.SIGKILL)
        await asyncio.to_thread(bot.wait, 10)
    while delivered < len(pending):
        deliver(maildir, pending[delivered])
        delivered += 1

    bot = start_bot(tmp_path, fake_slack)  # the last run is left to finish
    try:
        await asyncio.wait_for(fake_slack.socket_connected.wait(), 30)  # started for real before it is judged
        db = tmp_path / "bot.db"
        await eventually(
            lambda: (
                db.exists()
                and rows(db, "SELECT count(*) FROM messages")[0][0] == delivered
                and rows(db, "SELECT count(*) FROM outbox WHERE state != 'done' AND kind != 'update_card'")[
                    0
                ][0]
                == 0
            ),
            timeout=120,
            what="every mail stored and posted",
        )
    finally:
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(bot.wait, 15) == 0, (tmp_path / "bot.log").read_text()[-3000:]

    keys = [m["metadata"]["event_payload"]["key"] for m in fake_slack.posts() if m.get("metadata")]
    duplicates = [k for k, n in Counter(keys).items() if n > 1]
    assert duplicates == [], f"posted twice after kills: {duplicates[:5]}"
    stored = [str(r[0]) for r in rows(tmp_path / "bot.db", "SELECT message_id FROM messages")]
    for message_id in stored:  # every buyer message has its card or its thread post
        assert f"card:{message_id}" in keys or f"thread:{message_id}" in keys, message_id
    assert rows(tmp_path / "bot.db", "PRAGMA integrity_check") == [("ok",)]
    conversations = rows(tmp_path / "bot.db", "SELECT count(*) FROM conversations")[0][0]
    assert len(fake_slack.posts(top_level=True)) == conversations  # one card per conversation
    assert sum(kill_points.values()) == KILLS and kill_points["while posting"] > 0, kill_points
