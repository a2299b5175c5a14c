"""The bot SIGKILLed again and again while mails arrive in a real Dovecot (seeded, repeatable): afterwards every buyer
message has exactly one post in Slack, every order was looked up, every requested reply went out once, every due
notification was posted once, nothing was posted twice, and the database is intact.

INBOX_BOT_TEST_KILLS sets the number of kills (default 200); INBOX_BOT_TEST_SEED the seed (default 7).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import sqlite3
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox.fake_services import FakeServices
from bot.sandbox.people import DeliveryError, People
from bot.sandbox.slack_api import FakeSlack
from bot.sandbox.world import BuyerMail, relay_mail
from tests.conftest import eventually, imap_overrides
from tests.support.bot_process import start_bot
from tests.support.dovecot import Dovecot
from tests.support.smtp import SmtpServer

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


def imap_env(server: Dovecot) -> dict[str, str]:
    """The bot's environment reading the test Dovecot over IMAP (IDLE)."""
    return {f"INBOX_BOT_{k.upper()}": str(v) for k, v in imap_overrides(server).items()}


def services_env(services: FakeServices) -> dict[str, str]:
    """The bot's environment pointing at the Amazon and carrier stand-ins (SP-API, DHL)."""
    env = {f"INBOX_BOT_{k.upper()}": str(v) for k, v in services.urls(services.base_url).items()}
    env["INBOX_BOT_TRACKING_SWEEP_SECONDS"] = "2"
    return env


def stock_orders(services: FakeServices) -> None:
    """Every order the harness's buyers write about, shipped with DHL; Amazon and DHL answer slowly."""
    now = datetime.now(UTC)
    for buyer in range(12):
        for variant in range(3):
            order, number = f"302-{buyer:07d}-{variant:07d}", f"00340434{buyer:06d}{variant:06d}"
            services.ship_with_dhl(order, number, now, item=("Kaffeemühle", "B0X", 1, "39.90"))
    services.delays = {"sp-api": 0.2, "dhl": 0.2}  # kills fall inside lookups


@pytest.mark.timeout(1200)
async def test_many_sigkills_lose_nothing_and_post_nothing_twice(
    tmp_path: Path, fake_slack: FakeSlack, fake_services: FakeServices, dovecot: Dovecot
) -> None:
    rng = random.Random(SEED)
    stock_orders(fake_services)
    env = {**services_env(fake_services), **imap_env(dovecot)}
    pending = mails(max(40, KILLS // 3), rng)
    delivered = 0
    kill_points: Counter[str] = Counter()
    for _ in range(KILLS):
        for _ in range(rng.choice([0, 0, 1, 2])):  # mail arrives while the bot is down, or between kills
            if delivered < len(pending):
                await asyncio.to_thread(dovecot.append, pending[delivered])
                delivered += 1
        bot = start_bot(tmp_path, fake_slack, **env)
        delay = rng.choice([rng.uniform(0.05, 0.6), rng.uniform(0.6, 1.5)])
        posts_before = len(fake_slack.calls_of("chat.postMessage"))
        lookups_before = len(fake_services.calls)
        await asyncio.sleep(delay)
        kill_points[  # lookups are rarer than posts (an order is cached once fetched): they are named first
            "while enriching"
            if len(fake_services.calls) > lookups_before
            else "while posting"
            if len(fake_slack.calls_of("chat.postMessage")) > posts_before
            else "starting or idle"
        ] += 1
        bot.send_signal(signal.SIGKILL)
        await asyncio.to_thread(bot.wait, 10)
    while delivered < len(pending):
        await asyncio.to_thread(dovecot.append, pending[delivered])
        delivered += 1

    bot = start_bot(tmp_path, fake_slack, **env)  # the last run is left to finish
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
        await eventually(  # every order looked up, however often its lookup was cut short
            lambda: (
                rows(
                    db,
                    "SELECT count(DISTINCT c.order_id) FROM conversations c LEFT JOIN orders o ON o.order_id = c.order_id "
                    "WHERE c.order_id IS NOT NULL AND o.data IS NULL",
                )[0][0]
                == 0
            ),
            timeout=60,
            what="every order enriched",
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
    assert sum(kill_points.values()) == KILLS, kill_points
    if KILLS >= 50:
        assert kill_points["while posting"] > 0 and kill_points["while enriching"] > 0, kill_points


SEND_KILLS = int(os.environ.get("INBOX_BOT_TEST_SEND_KILLS", "100"))


def keys_of(slack: FakeSlack) -> list[str]:
    """The outbox key of every message the bot posted (its metadata), in order."""
    return [m["metadata"]["event_payload"]["key"] for m in slack.posts() if m.get("metadata")]


@pytest.mark.timeout(1200)
async def test_sigkills_while_sending_replies_and_escalating(
    tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer, dovecot: Dovecot
) -> None:
    """Replies requested from Slack and notifications coming due while the bot is killed again and again: each
    requested reply reaches the buyer exactly once (a send caught mid-way is left to a person, who settles it by
    what Amazon's relay received), and each due notification is posted exactly once."""
    rng = random.Random(SEED + 1)
    env = {
        **imap_env(dovecot),
        "INBOX_BOT_SMTP_HOST": "127.0.0.1",
        "INBOX_BOT_SMTP_PORT": str(smtp.port),
        "INBOX_BOT_SMTP_TLS": "plain",
        "INBOX_BOT_SMTP_FROM": "service@example-shop.de",
        "INBOX_BOT_REPLY_SIGNATURE": "Example Shop",
        "INBOX_BOT_SLA_SWEEP_SECONDS": "1",
    }
    smtp.recorder.delay = 0.25  # a slow relay: kills fall between sending and the relay's answer
    now = datetime.now(UTC).replace(microsecond=0)
    count = 24
    for n in range(count):  # their "due soon" stage begins one after another while the kills go on
        mail = BuyerMail(
            name=f"Käufer {n}", text="Wo bleibt mein Paket?", language="de", order_id=f"302-{n:07d}-7777777"
        )
        sent = now - timedelta(hours=18) + timedelta(seconds=20 + 3 * n)
        dovecot.append(relay_mail(mail, sent_at=sent))
    bot = start_bot(tmp_path, fake_slack, **env)
    await fake_slack.wait_for(lambda: len(fake_slack.posts(top_level=True)) == count, timeout=60)
    bot.send_signal(signal.SIGKILL)
    await asyncio.to_thread(bot.wait, 10)

    people = People(fake_slack, ack_timeout=1.0)
    cards = fake_slack.posts(top_level=True)
    wanted = [c["ts"] for c in cards[::2]]  # a reply for every second conversation
    requested: set[str] = set()
    kill_points: Counter[str] = Counter()
    fake_slack.delays = {
        "chat.postMessage": 0.15
    }  # a slow Slack: kills fall between a ping's record and its post
    for _ in range(SEND_KILLS):
        bot = start_bot(tmp_path, fake_slack, **env)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fake_slack.socket_connected.wait(), 3)
        for ts in [t for t in wanted if t not in requested][: rng.choice([0, 1, 2])]:
            card = fake_slack.find_message("C0INBOX", ts)
            option = _first_option(card, "send_as_is") if card else None
            if option is None:
                continue
            with contextlib.suppress(DeliveryError, TimeoutError):
                await people.click(
                    user="U0AGENT", channel="C0INBOX", message_ts=ts, action_id="send_as_is", selected=option
                )
                requested.add(ts)
        await asyncio.sleep(rng.uniform(0.05, 1.2))
        db = tmp_path / "bot.db"
        sending = rows(db, "SELECT count(*) FROM sends WHERE state = 'sending'")[0][0]
        pinging = rows(db, "SELECT count(*) FROM outbox WHERE dedupe_key LIKE 'sla:%' AND state != 'done'")[
            0
        ][0]
        bot.send_signal(signal.SIGKILL)
        await asyncio.to_thread(bot.wait, 10)
        fake_slack.socket_connected.clear()
        kill_points["while sending" if sending else "while escalating" if pinging else "elsewhere"] += 1

    bot = start_bot(
        tmp_path, fake_slack, **env
    )  # the last run: the rest is requested, then settled by a person
    try:
        await asyncio.wait_for(fake_slack.socket_connected.wait(), 30)
        for ts in wanted:
            if ts not in requested:
                card = fake_slack.find_message("C0INBOX", ts)
                option = _first_option(card, "send_as_is") if card else None
                assert option is not None
                await people.click(
                    user="U0AGENT", channel="C0INBOX", message_ts=ts, action_id="send_as_is", selected=option
                )
                requested.add(ts)
        db = tmp_path / "bot.db"
        last_due = now + timedelta(seconds=20 + 3 * count)
        await asyncio.sleep(max(0.0, (last_due - datetime.now(UTC)).total_seconds()) + 2)

        def unsettled() -> list[tuple[object, ...]]:
            return rows(db, "SELECT id, state, reply_to_row FROM sends WHERE state != 'sent'")

        def settled_or_waiting_for_a_person() -> bool:
            return all(r[1] in ("uncertain", "failed") for r in unsettled())

        await eventually(
            settled_or_waiting_for_a_person, timeout=60, what="every send sent or shown to a person"
        )
        for send_id, state, message_row in unsettled():  # the person checks what the relay received
            buyer_id = rows(db, f"SELECT message_id FROM messages WHERE id = {message_row}")[0][0]
            arrived = any(m["In-Reply-To"] == buyer_id for m in smtp.messages)
            action = "mark_sent" if arrived and state == "uncertain" else "retry_send"
            note = next(
                p for p in fake_slack.posts() if p.get("thread_ts") and _has_action(p, action, str(send_id))
            )
            await people.click(
                user="U0LEAD", channel="C0INBOX", message_ts=note["ts"], action_id=action, value=str(send_id)
            )
        settled_by_a_person = len(unsettled())
        await eventually(lambda: unsettled() == [], timeout=60, what="every send settled")
        await eventually(
            lambda: (
                rows(db, "SELECT count(*) FROM outbox WHERE state != 'done' AND kind != 'update_card'")[0][0]
                == 0
            ),
            timeout=60,
            what="everything posted",
        )
    finally:
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(bot.wait, 15) == 0, (tmp_path / "bot.log").read_text()[-3000:]

    # exactly one e-mail for each requested reply, none for the others
    replied_to = Counter(str(m["In-Reply-To"]) for m in smtp.messages)
    assert len(requested) == len(wanted) and all(n == 1 for n in replied_to.values()), replied_to
    assert len(replied_to) == len(wanted)
    # every due notification posted exactly once (and nothing else twice)
    keys = keys_of(fake_slack)
    assert [k for k, n in Counter(keys).items() if n > 1] == []
    notified = rows(
        db, "SELECT conversation_id, clock, key FROM notifications WHERE conversation_id > 0 AND skipped = 0"
    )
    assert len(notified) >= count // 2  # the stages came due during the kills
    for conversation_id, clock, key in notified:
        assert any(k.startswith(f"sla:{conversation_id}:{clock}:{key}:") for k in keys), (
            conversation_id,
            key,
        )
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    print(f"kills: {dict(kill_points)}; sends settled by a person: {settled_by_a_person}")
    if SEND_KILLS >= 50:  # the default run must have hit both
        assert kill_points["while sending"] > 0 and kill_points["while escalating"] > 0, kill_points


def _elements(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message.get("blocks") or [] for e in (b.get("elements") or [b.get("accessory") or {}])]


def _first_option(message: dict[str, Any], action_id: str) -> str | None:
    for e in _elements(message):
        if e.get("action_id") == action_id:
            options = e.get("options") or [
                o for g in e.get("option_groups") or [] for o in g.get("options", [])
            ]
            return str(options[0]["value"]) if options else None
    return None


def _has_action(message: dict[str, Any], action_id: str, value: str) -> bool:
    return any(e.get("action_id") == action_id and e.get("value") == value for e in _elements(message))
