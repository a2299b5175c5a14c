"""Soak: seven simulated days and 50,000 buyer messages through intake, the poster and the 24-hour clock.

The bot's core runs on a fake clock stepped a minute at a time; Slack is the stand-in in a process of its own, so
the memory measured is the bot's. Afterwards: resident memory flat after the first day, no leaked tasks or file
descriptors, every buyer message on a card, every planned notification sent within the minute it was due.

INBOX_BOT_SOAK_MESSAGES and INBOX_BOT_SOAK_DAYS change the size (defaults 50,000 and 7).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_deps, shared_slack_session
from bot.clock.clocks import FakeClock
from bot.mail.source import IncomingMail
from bot.sandbox.world import BuyerMail, relay_mail
from bot.store.store import parse_iso
from tests.conftest import count_rows, fixture_mail, make_settings

MESSAGES = int(os.environ.get("INBOX_BOT_SOAK_MESSAGES", "50000"))
DAYS = int(os.environ.get("INBOX_BOT_SOAK_DAYS", "7"))
START = datetime(
    2026, 11, 2, 6, 0, tzinfo=UTC
)  # a Monday; the run spans weekends, nights and a DST-free week
STEP = timedelta(minutes=1)
MEMORY_GROWTH_MB = 25  # after the first day; SQLite's page cache and Python's arenas settle within it


@dataclass
class Buyer:
    """One conversation of the simulation: who, which order, when it is answered (None: never)."""

    n: int
    order: str
    answer_after: timedelta | None


def rss_mb() -> float:
    """This process's resident memory now (not the peak)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def open_fds() -> int:
    """File descriptors this process holds."""
    return len(os.listdir("/proc/self/fd"))


def confirmation(order: str, name: str, when: datetime, n: int) -> bytes:
    """Amazon's copy of a reply the seller sent outside Slack: the conversation is answered."""
    raw = fixture_mail("confirmation_en.eml")
    raw = raw.replace(b"111-7366207-0755439", order.encode()).replace(b"John Smith", name.encode())
    raw = raw.replace(b"<0100018f-confirm-0014@", f"<soak-confirm-{n}@".encode())
    return raw.replace(
        b"Tue, 24 Nov 2026 15:05:00 +0000", when.strftime("%a, %d %b %Y %H:%M:%S +0000").encode()
    )


# One relay mail in Amazon's format, written by the sandbox, then varied by substitution (building 50,000 with the
# email package would take longer than the bot takes to read them).
TEMPLATE = relay_mail(
    BuyerMail(
        name="Buyer 7",
        text="Nachricht 123: wo ist mein Paket?",
        language="de",
        order_id="302-0000007-1234567",
    ),
    sent_at=START,
)
_ALIAS = re.search(rb"<([0-9a-f]+)@marketplace", TEMPLATE).group(1)  # type: ignore[union-attr]
_MSGID = re.search(rb"Message-ID: <([^>]+)>", TEMPLATE).group(1)  # type: ignore[union-attr]


def buyer_mail(n: int, i: int, order: str, when: datetime) -> bytes:
    """Message `i` of buyer `n` about `order`, sent at `when`."""
    return (
        TEMPLATE.replace(b"Buyer 7", f"Buyer {n}".encode())
        .replace(_ALIAS, f"{n:015x}".encode())
        .replace(_MSGID, f"soak-{i}@email.amazonses.com".encode())
        .replace(b"302-0000007-1234567", order.encode())
        .replace(b"Nachricht 123:", f"Nachricht {i}:".encode())
        .replace(b"Mon, 02 Nov 2026 06:00:00 +0000", when.strftime("%a, %d %b %Y %H:%M:%S +0000").encode())
    )


class SlackProcess:
    """The stand-in in a child process (tests/support/slack_process.py)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.slack_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert self.proc.stdout is not None
        self.info = json.loads(self.proc.stdout.readline())

    def stats(self) -> dict[str, object]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(b"stats\n")
        self.proc.stdin.flush()
        return dict(json.loads(self.proc.stdout.readline()))

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)


@pytest.mark.long
@pytest.mark.timeout(3600)
async def test_a_week_of_mail_keeps_memory_tasks_and_the_clock_in_order(tmp_path: Path) -> None:
    logging.getLogger("bot").setLevel(
        logging.WARNING
    )  # 50,000 mails of INFO lines would measure the log capture
    rng = random.Random(20261102)
    slack = SlackProcess()
    clock = FakeClock(START)
    settings = make_settings(
        tmp_path,
        slack_api_url=slack.info["base_url"],
        slack_bot_token=slack.info["bot_token"],
        slack_app_token=slack.info["app_token"],
        slack_post_interval=0.0005,
        digest_time="",
    )
    deps = build_deps(settings, clock=clock)
    minutes = DAYS * 24 * 60
    # The week's plan as small tuples; each mail is written when it arrives (a plan of 50,000 raw mails held from
    # the start would be freed as the week goes on and hide any growth of the bot's own memory).
    plan: dict[int, list[tuple[str, int, int]]] = {}  # minute -> ("buyer" | "answer", conversation, message)
    buyers: list[Buyer] = []
    for i in range(MESSAGES):
        minute = i * minutes // MESSAGES
        if buyers and rng.random() < 0.2:  # a follow-up in an earlier conversation (a thread, maybe reopened)
            b = buyers[rng.randrange(max(0, len(buyers) - 200), len(buyers))]
        else:
            roll = rng.random()
            after = (
                timedelta(minutes=rng.uniform(20, 6 * 60))
                if roll < 0.70
                else timedelta(hours=rng.uniform(6, 23))
                if roll < 0.90
                else timedelta(hours=rng.uniform(23.6, 30))  # answered late: critical, then breached
                if roll < 0.99
                else None  # never answered this week: every stage, then a breach reminder every hour
            )
            b = Buyer(len(buyers), f"302-{len(buyers):07d}-{rng.randrange(10**7):07d}", after)
            buyers.append(b)
            if after is not None:
                plan.setdefault(minute + int(after.total_seconds() // 60), []).append(("answer", b.n, i))
        plan.setdefault(minute, []).append(("buyer", b.n, i))

    def mail(kind: str, n: int, i: int, minute: int) -> bytes:
        b, when = buyers[n], START + minute * STEP
        if kind == "answer":
            return confirmation(b.order, f"Buyer {n}", when, i)
        text = f"Nachricht {i}: wo ist mein Paket?"
        return relay_mail(
            BuyerMail(name=f"Buyer {n}", text=text, language="de", order_id=b.order), sent_at=when
        )

    samples: list[tuple[int, float, int, int]] = []  # (day, rss, tasks, fds)
    try:
        async with shared_slack_session(deps.client):  # pooled connections, as run_bot has them
            baseline_tasks = len(asyncio.all_tasks())
            for minute in range(minutes):
                mails = [mail(kind, n, i, minute) for kind, n, i in plan.pop(minute, [])]
                if mails:
                    await deps.intake.handle_many(
                        [IncomingMail(raw, f"soak:{minute}:{k}", clock.now()) for k, raw in enumerate(mails)]
                    )
                deps.escalator.tick()
                while await deps.poster.drain(limit=200):
                    pass
                if minute % (6 * 60) == 0:
                    samples.append((minute // (24 * 60), rss_mb(), len(asyncio.all_tasks()), open_fds()))
                clock.advance(minutes=1)
            await asyncio.sleep(0.1)  # finished background lookups end their tasks
            samples.append((DAYS, rss_mb(), len(asyncio.all_tasks()), open_fds()))
        stats = slack.stats()
    finally:
        slack.stop()
        await deps.enricher.close()
        await deps.http.aclose()

    store = deps.store
    print(f"soak: {MESSAGES} messages, {len(buyers)} conversations, Slack {stats}")
    for day, rss, tasks, fds in samples:
        print(f"  day {day}: rss {rss:.1f} MB, tasks {tasks}, fds {fds}")

    # every buyer message was stored once and reached Slack (a card, or a thread post under its card)
    assert count_rows(store, "messages", "direction = 'in'") == MESSAGES
    assert store.pending_outbox_count() == 0
    assert count_rows(store, "outbox", "state = 'failed'") == 0
    assert count_rows(store, "conversations", "kind = 'buyer' AND slack_ts IS NULL") == 0
    # memory flat after the first day, nothing leaked
    after_day_one = [rss for day, rss, _, _ in samples if day >= 1]
    assert max(after_day_one) - after_day_one[0] < MEMORY_GROWTH_MB, samples
    assert samples[-1][2] <= baseline_tasks + 1, samples
    assert samples[-1][3] <= samples[1][3] + 1, samples
    # every planned notification on time: sent within the minute it came due, none late or skipped
    rows = store.conn.execute(
        "SELECT planned_at, sent_at, late, skipped FROM notifications WHERE conversation_id > 0"
    ).fetchall()
    assert len(rows) > MESSAGES // 10  # the unanswered and late ones went through every stage
    for planned_at, sent_at, late, skipped in rows:
        planned, sent = parse_iso(planned_at), parse_iso(sent_at)
        assert planned is not None and sent is not None
        assert timedelta(0) <= sent - planned < STEP, (planned_at, sent_at)
        assert not late and not skipped
    never = [b for b in buyers if b.answer_after is None]
    breached = store.conn.execute(
        "SELECT count(DISTINCT conversation_id) FROM notifications WHERE stage = 'breached'"
    ).fetchone()[0]
    assert breached >= len(never) * 0.9  # (the last day's newest have not reached their deadline yet)
    assert store.integrity_ok()
    store.close()
