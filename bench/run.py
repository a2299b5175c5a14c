"""inbox-bot benchmarks: each figure measured against the local stand-ins and printed as a ratio to its limit.

    python bench/run.py [--quick] [--json FILE]

One line per figure: name, measured value, unit, limit, ratio (value/limit, or limit/value where more is better),
and ok. These are measurements, never assertions in the test suite. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import build_deps, create_app  # noqa: E402
from bot.clock import FakeClock  # noqa: E402
from bot.intake import Intake  # noqa: E402
from bot.mail.source import IncomingMail  # noqa: E402
from bot.sandbox.fake_services import FakeServices, ParcelEvent  # noqa: E402
from bot.sandbox.people import People  # noqa: E402
from bot.sandbox.slack_api import FakeSlack  # noqa: E402
from bot.sandbox.world import BuyerMail, relay_mail  # noqa: E402
from bot.settings import settings_from  # noqa: E402
from bot.store import Store, iso  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "mail"
DOVECOT_IDLE_DELAY_MS = 500  # Dovecot waits this long before telling IDLE clients of new mail


@dataclass
class Figure:
    """One measured figure against its limit."""

    name: str
    value: float
    unit: str
    limit: float
    more_is_better: bool = False

    @property
    def ratio(self) -> float:
        """Measured over limit (below 1 is within it); for throughputs, limit over measured."""
        if self.more_is_better:
            return self.limit / self.value if self.value else float("inf")
        return self.value / self.limit if self.limit else float("inf")

    @property
    def ok(self) -> bool:
        """Within the limit."""
        return self.ratio <= 1.0

    def to_json(self) -> dict[str, Any]:
        """The documented JSON row."""
        return {
            "name": self.name,
            "value": round(self.value, 3),
            "unit": self.unit,
            "limit": self.limit,
            "ratio": round(self.ratio, 3),
            "ok": self.ok,
        }


def mixed_mails(count: int) -> list[bytes]:
    """Real-world shapes: the fixtures (HTML, photos, charsets, notices) and generated relay mails."""
    fixtures = [p.read_bytes() for p in sorted(FIXTURES.glob("*.eml"))]
    now = datetime.now(UTC)
    out: list[bytes] = []
    for n in range(count):
        if n % 3 == 0:
            raw = fixtures[n % len(fixtures)]
            out.append(raw.replace(b"Message-ID: <", f"Message-ID: <b{n}.".encode(), 1))
        else:
            mail = BuyerMail(
                name=f"Buyer {n % 500}",
                text=f"Hallo, wo bleibt meine Bestellung {n}?",
                language="de",
                order_id=f"302-{n % 9999999:07d}-1234567",
            )
            out.append(relay_mail(mail, sent_at=now - timedelta(minutes=n % 1000)))
    return out


async def intake_throughput(count: int) -> Figure:
    """Parse and store relay mails on one core (no posting), in the batches an IMAP fetch delivers."""
    from bot.mail.source import FETCH_BATCH

    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_from(database_path=Path(tmp) / "b.db", slack_channel="C0INBOX")
        store = Store.open(settings.database_path, clock=FakeClock())
        intake = Intake(settings, store)
        mails = mixed_mails(count)
        started = time.perf_counter()
        for start in range(0, count, FETCH_BATCH):
            batch = mails[start : start + FETCH_BATCH]
            await intake.handle_many(
                [IncomingMail(raw, f"m{start + n}", None) for n, raw in enumerate(batch)]
            )
        elapsed = time.perf_counter() - started
        store.close()
    return Figure("intake throughput (parse + store)", count / elapsed, "mails/s", 2000, more_is_better=True)


def sla_engine(conversations: int) -> list[Figure]:
    """Due notifications over many open conversations: the sweep's query and the next-due lookup."""
    from bot.escalation import Escalator

    with tempfile.TemporaryDirectory() as tmp:
        now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
        clock = FakeClock(now)
        settings = settings_from(database_path=Path(tmp) / "s.db", slack_channel="C0INBOX", digest_time="")
        store = Store.open(settings.database_path, clock=clock)
        rows = []
        for n in range(conversations):
            deadline = now + timedelta(minutes=(n * 7) % (24 * 60))
            nxt = deadline - timedelta(hours=6) if n % 100 else now - timedelta(seconds=1)  # 1 % are due now
            rows.append(
                (
                    f"k{n}",
                    "buyer",
                    "open",
                    iso(deadline - timedelta(hours=24)),
                    iso(deadline),
                    iso(nxt),
                    iso(now),
                    iso(now),
                )
            )
        store.db.conn.executemany(
            "INSERT INTO conversations (key, kind, state, opened_at, deadline, next_sla_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        escalator = Escalator(settings, store, clock, post=lambda *a: None)
        times = []
        for _ in range(20):
            started = time.perf_counter()
            due = escalator.due_conversations(now)
            escalator.next_due()
            times.append((time.perf_counter() - started) * 1000)
        store.close()
    assert due, "the sweep found nothing due: the benchmark data is wrong"
    name = f"SLA: find due notifications among {conversations:,} open conversations (median)"
    return [Figure(name, statistics.median(times), "ms", 20)]


async def notification_delay(conversations: int) -> list[Figure]:
    """How late the 24-hour clock's notifications reach Slack: conversations whose "due soon" stage begins a few
    seconds apart, the bot running on the real clock (its exact-time timer, not the minute sweep, must send them)."""
    from bot.app import run_bot

    with tempfile.TemporaryDirectory() as tmp:
        slack = await FakeSlack().start()
        settings = bench_settings(Path(tmp), slack, slack_post_interval=0.01, sla_sweep_seconds=3600)
        deps = build_deps(settings)
        now = datetime.now(UTC).replace(microsecond=0)  # mail dates have whole seconds
        due_at: dict[str, float] = {}  # order id -> when its first notification is due (perf_counter)
        base = time.perf_counter() - (datetime.now(UTC) - now).total_seconds()  # `now` on the perf_counter
        for n in range(conversations):
            order = f"302-{n:07d}-2222222"
            lead = 4 + 2 * n  # the stage begins this many seconds from now (whole seconds, as mail dates)
            sent = now - timedelta(hours=24 - settings.sla_due_soon_hours) + timedelta(seconds=lead)
            mail = BuyerMail(name=f"Buyer {n}", text="Wo ist mein Paket?", language="de", order_id=order)
            await deps.intake.handle(IncomingMail(relay_mail(mail, sent_at=sent), f"n{n}", now))
            due_at[order] = base + lead
        seen: dict[str, float] = {}

        def watch() -> bool:
            cards = {c["ts"]: c["text"] for c in slack.posts("C0INBOX", top_level=True)}
            for call in slack.calls_of("chat.postMessage"):
                parent = cards.get(str(call.get("thread_ts")))
                if parent and str(call.get("text", "")).startswith("Due soon"):
                    order = next((o for o in due_at if o in parent), None)
                    if order and order not in seen:
                        seen[order] = time.perf_counter()
            return len(seen) == len(due_at)

        stop = asyncio.Event()
        task = asyncio.create_task(run_bot(deps, create_app(settings, deps), stop=stop))
        await slack.wait_for(watch, timeout=10 + 2 * conversations)
        stop.set()
        await task
        deps.store.close()
        await slack.stop()
    delays = [seen[o] - due_at[o] for o in due_at]
    return [
        Figure(
            f"a due notification reaches Slack after its time (max of {conversations})", max(delays), "s", 2
        ),
        Figure("notifications sent before their time", sum(1 for d in delays if d < 0), "sent", 0.5),
    ]


def bench_settings(tmp: Path, slack: FakeSlack, **extra: Any) -> Any:
    """The bot's settings against the Slack stand-in, with a database and mail folder in `tmp`."""
    values: dict[str, Any] = {
        "database_path": tmp / "bench.db",
        "slack_channel": "C0INBOX",
        "slack_api_url": slack.base_url,
        "slack_bot_token": slack.bot_token,
        "slack_app_token": slack.app_token,
        "mail_source": "directory",
        "mail_directory": tmp / "mail",
        "digest_time": "",  # no daily digest among the posts a benchmark counts
    }
    return settings_from(**{**values, **extra})


async def interactivity(clicks: int) -> list[Figure]:
    """Ack latency of concurrent clicks over Socket Mode, and the time to open a reply modal.

    The bot runs in its own process, as in production: Slack's side (the stand-in and the people clicking) does not
    share the bot's event loop or CPU time.
    """
    from bot.sandbox.world import deliver
    from tests.support.bot_process import start_bot

    with tempfile.TemporaryDirectory() as tmp:
        slack = await FakeSlack().start()
        bot = start_bot(Path(tmp), slack, INBOX_BOT_LOG_LEVEL="WARNING", INBOX_BOT_REPLY_SIGNATURE="Shop")
        try:
            deliver(Path(tmp) / "mail", (FIXTURES / "de_invoice.eml").read_bytes())
            await slack.wait_for(lambda: len(slack.posts()) == 1, timeout=30)
            card = slack.posts()[0]
            people = People(slack)

            async def click(n: int) -> float:
                started = time.perf_counter()
                await people.click(
                    user="U0AGENT",
                    channel="C0INBOX",
                    message_ts=card["ts"],
                    action_id="claim",
                    value="claim" if n % 2 else "release",
                )
                return (time.perf_counter() - started) * 1000

            first = await click(0)  # the first click of a process imports and compiles what later ones reuse
            await asyncio.sleep(0.5)
            gc.collect()  # the clicking side's garbage from earlier benchmarks is not the bot's latency
            acks = sorted(await asyncio.gather(*(click(n) for n in range(clicks))))
            p99 = acks[max(0, int(len(acks) * 0.99) - 1)]
            await asyncio.sleep(1)
            opens = []
            for _ in range(10):
                slack.close_views("U0AGENT")
                started = time.perf_counter()
                await people.click(
                    user="U0AGENT",
                    channel="C0INBOX",
                    message_ts=card["ts"],
                    action_id="reply_template:invoice_request",
                )
                await slack.wait_for(lambda: slack.open_view("U0AGENT") is not None)
                opens.append((time.perf_counter() - started) * 1000)
        finally:
            bot.terminate()
            await asyncio.to_thread(bot.wait, 10)
            await slack.stop()
    return [
        Figure("ack latency of the first click after start-up (Slack waits 3 s)", first, "ms", 3000),
        Figure(f"ack latency p99, {clicks} concurrent clicks", p99, "ms", 50),
        Figure("reply modal open after a click (max of 10)", max(opens), "ms", 3000),
    ]


def start_dovecot() -> Any:
    """A private Dovecot on loopback (the tests' recipe), or None when it is not installed."""
    from tests.support.dovecot import DOVECOT, Dovecot

    return Dovecot().start() if os.path.exists(DOVECOT) else None


async def arrival_to_card(messages: int) -> list[Figure]:
    """From a mail's arrival in the mailbox to its card, with SP-API 300 ms, carrier 400 ms, Slack 100 ms of latency.

    The whole bot runs against a real Dovecot (IMAP IDLE), as in production; without Dovecot installed, mails are
    handed to intake directly and the figure says so. Mails arrive no faster than the rate limits allow (DHL 1 call
    per second; getOrder 0.5 per second once its burst is used): a faster stream of new orders cannot be enriched
    within the critical path by anyone, so this is one arrival's latency; throughput is the backlog's.
    """
    from sp_api.asyncio.auth import access_token_client

    from bot.amazon import BURST_HEADROOM, GET_ORDER_BURST, GET_ORDER_RATE
    from bot.app import run_bot
    from tests.conftest import imap_overrides

    access_token_client.cache.clear()
    imap = start_dovecot()
    with tempfile.TemporaryDirectory() as tmp:
        slack = await FakeSlack().start()
        slack.delays = {"chat.postMessage": 0.1}
        services = await FakeServices().start()
        services.delays = {"sp-api": 0.3, "dhl": 0.4}
        mailbox = imap_overrides(imap) if imap is not None else {}
        settings = bench_settings(
            Path(tmp), slack, slack_post_interval=0.001, **services.urls(services.base_url), **mailbox
        )
        deps = build_deps(settings)
        stop = asyncio.Event()
        bot = asyncio.create_task(run_bot(deps, create_app(settings, deps), stop=stop))
        await deps.ready.wait()
        connected = getattr(deps.source, "connected", None)
        if connected is not None:
            await connected.wait()
        latencies = []
        now = datetime.now(UTC)
        last = time.perf_counter()
        for n in range(messages):
            order = f"302-{n:07d}-7654321"
            number = f"0034043416{n:010d}"
            services.ship_with_dhl(order, number, now)
            raw = relay_mail(
                BuyerMail(name=f"Buyer {n}", text="Wo ist mein Paket?", language="de", order_id=order),
                sent_at=now,
            )
            if n:
                gap = 1 / GET_ORDER_RATE if n >= GET_ORDER_BURST - BURST_HEADROOM else 1.0  # DHL: 1 call/s
                await asyncio.sleep(max(0.0, gap * 1.05 - (time.perf_counter() - last)))
            last = started = time.perf_counter()
            if imap is not None:
                await asyncio.to_thread(imap.append, raw)  # another client delivers it; IDLE tells the bot
            else:
                await deps.intake.handle(IncomingMail(raw, f"a{n}", None))
            await slack.wait_for(lambda n=n: len(slack.posts()) > n, timeout=30)
            latencies.append((time.perf_counter() - started) * 1000)
        posted_with_order = sum(1 for m in slack.posts() if "Item" in json.dumps(m["blocks"]))
        stop.set()
        await bot
        deps.store.close()
        await slack.stop()
        await services.stop()
    if imap is not None:
        imap.stop()
    # Dovecot announces new mail to IDLE clients 500 ms after it lands (NOTIFY_DELAY_MSECS, mailbox-watch.c)
    push = DOVECOT_IDLE_DELAY_MS if imap is not None else 0
    critical = push + 300 + 400 + 100
    p95 = sorted(latencies)[max(0, int(len(latencies) * 0.95) - 1)]
    how = f"IMAP IDLE push {push} ms" if imap is not None else "no IMAP: Dovecot is not installed"
    return [
        Figure(
            f"arrival to card p95 over {messages} messages ({how} + SP-API 300 + DHL 400 + Slack 100 = {critical} ms)",
            p95,
            "ms",
            critical * 1.25,
        ),
        Figure("cards posted with their order (of all)", messages - posted_with_order, "missing", 0.5),
        Figure(
            "typical polling delay of helpdesks that poll every 5 minutes (for comparison)",
            150_000,
            "ms",
            150_000,
        ),
    ]


async def backlog(count: int, scale: float) -> list[Figure]:
    """5,000 mails waiting when the bot starts: stored, enriched at Amazon's rate, posted earliest deadline first.

    Every rate is multiplied by `scale` on both sides (the bot's limiters and the stand-ins' usage plans), so the
    run takes minutes instead of hours; the figures are ratios to the rates, which the scale does not change.
    The stand-ins answer 429 beyond their plans: SP-API getOrder 0.5/s burst 30, DHL 1/s, Slack 1 post/s/channel.
    """
    from aiolimiter import AsyncLimiter
    from sp_api.asyncio.auth import access_token_client

    from bot.amazon import GET_ORDER_BURST, GET_ORDER_RATE, get_order_limiter
    from bot.app import run_bot
    from bot.http import RATE_MARGIN
    from bot.sandbox.ratelimit import TokenBucket
    from bot.sandbox.world import deliver

    access_token_client.cache.clear()
    sp_rate, slack_rate, dhl_rate = GET_ORDER_RATE * scale, 1.0 * scale, 1.0 * scale
    with tempfile.TemporaryDirectory() as tmp:
        slack = await FakeSlack().start()
        slack.post_limit = TokenBucket(slack_rate, 1)
        services = await FakeServices().start()
        services.limits = {"sp-api": TokenBucket(sp_rate, GET_ORDER_BURST), "dhl": TokenBucket(dhl_rate, 1)}
        now = datetime.now(UTC)
        rng = random.Random(11)
        for n in range(count):
            order, number = f"302-{n:07d}-1111111", f"0034043416{n:010d}"
            services.ship_with_dhl(order, number, now)
            # Amazon sent them over the last 20 hours; the mail server hands them over in another order
            sent = now - timedelta(minutes=rng.uniform(1, 20 * 60))
            mail = BuyerMail(name=f"Buyer {n}", text="Wo ist mein Paket?", language="de", order_id=order)
            deliver(Path(tmp) / "mail", relay_mail(mail, sent_at=sent))
        settings = bench_settings(
            Path(tmp), slack, slack_post_interval=1 / slack_rate, **services.urls(services.base_url)
        )
        deps = build_deps(settings)
        assert deps.amazon is not None
        deps.amazon.limiter = get_order_limiter(sp_rate)
        for provider in deps.tracker.providers.values():
            if hasattr(provider, "limiter") and provider.__class__.__name__.lower().startswith("dhl"):
                provider.limiter = AsyncLimiter(1, 1 / (dhl_rate * RATE_MARGIN))
        order_times: list[float] = []
        real_get_order = deps.amazon.get_order

        async def timed_get_order(order_id: str) -> Any:
            result = await real_get_order(order_id)
            order_times.append(time.perf_counter())
            return result

        deps.amazon.get_order = timed_get_order  # type: ignore[method-assign]
        stop = asyncio.Event()
        started = time.perf_counter()
        task = asyncio.create_task(run_bot(deps, create_app(settings, deps), stop=stop))
        store = deps.store

        async def all_stored() -> float:
            sql = "SELECT count(*) FROM messages"
            while store.db.conn.execute(sql).fetchone()[0] < count:  # noqa: ASYNC110 - sampling the database
                await asyncio.sleep(0.01)
            return time.perf_counter() - started

        stored_task = asyncio.create_task(all_stored())
        await slack.wait_for(lambda: len(slack.posts()) >= 1, timeout=60)
        first_card = time.perf_counter() - started
        stored = await stored_task
        limit_s = count / sp_rate * 2 + 60

        def busy() -> bool:
            return len(order_times) < count or store.pending_outbox_count() > 0

        while busy() and time.perf_counter() - started < limit_s:  # noqa: ASYNC110 - sampling, with a time limit
            await asyncio.sleep(0.2)
        stop.set()
        await task
        posts = [c for c in slack.calls_of("chat.postMessage") if not c.get("thread_ts")]
        deadline_of = dict(store.db.conn.execute("SELECT slack_ts, deadline FROM conversations").fetchall())
        # in the order Slack received them; the first few went out while mails were still being stored
        deadlines = [deadline_of.get(m["ts"]) or "" for m in slack.posts("C0INBOX", top_level=True)]
        after_intake = deadlines[int(stored * slack_rate) + 1 :]
        inversions = sum(1 for a, b in itertools.pairwise(after_intake) if b < a)
        unposted = store.db.conn.execute(
            "SELECT count(*) FROM conversations WHERE slack_ts IS NULL"
        ).fetchone()[0]
        store.close()
        await slack.stop()
        await services.stop()
    span = (order_times[-1] - order_times[GET_ORDER_BURST - 1]) if len(order_times) > GET_ORDER_BURST else 0
    sustained = (len(order_times) - GET_ORDER_BURST) / span if span else 0.0
    return [
        Figure(f"backlog of {count:,}: time to the first card", first_card, "s", 2),
        Figure(
            f"backlog of {count:,}: all stored, from start (2 s start-up + 2,000/s)",
            stored,
            "s",
            2 + count / 2000,
        ),
        Figure(
            f"backlog: getOrder rate after the burst, share of Amazon's {GET_ORDER_RATE}/s",
            sustained / sp_rate,
            "share",
            0.9,
            more_is_better=True,
        ),
        Figure("backlog: SP-API 429 answers", services.limits["sp-api"].refused, "answers", 0.5),
        Figure("backlog: DHL 429 answers", services.limits["dhl"].refused, "answers", 0.5),
        Figure("backlog: Slack 429 answers", slack.post_limit.refused, "answers", 0.5),
        Figure("backlog: cards not posted at the end", unposted, "cards", 0.5),
        Figure("backlog: cards posted out of deadline order (after intake)", inversions, "cards", 0.5),
        Figure(
            f"backlog: cards posted ({len(posts):,}) over the run",
            len(posts),
            "cards",
            count,
            more_is_better=True,
        ),
    ]


async def api_economy() -> list[Figure]:
    """SP-API calls per order and carrier calls after delivery, under a follow-up and repeated sweeps."""
    from sp_api.asyncio.auth import access_token_client

    access_token_client.cache.clear()
    with tempfile.TemporaryDirectory() as tmp:
        now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
        clock = FakeClock(now)
        services = await FakeServices(clock=clock.now).start()
        order, number = "302-1234567-1234567", "00340434161094042557"
        services.ship_with_dhl(
            order,
            number,
            now,
            events=[ParcelEvent(1, "transit", "Unterwegs"), ParcelEvent(50, "delivered", "Zugestellt")],
        )
        settings = settings_from(
            database_path=Path(tmp) / "e.db", slack_channel="C0INBOX", **services.urls(services.base_url)
        )
        deps = build_deps(settings, clock=clock)
        await deps.intake.handle(IncomingMail((FIXTURES / "de_invoice.eml").read_bytes(), "1", now))
        await deps.intake.handle(IncomingMail((FIXTURES / "de_followup_aw.eml").read_bytes(), "2", now))
        for task in list(deps.enricher._tasks.values()):
            await task
        for _ in range(24 * 6):  # a day of sweeps every 10 minutes
            clock.advance(minutes=10)
            await deps.enricher.refresh_due()
        sp_calls, dhl_calls = services.count("sp-api"), services.count("dhl")
        clock.advance(days=3)
        for _ in range(10):
            await deps.enricher.refresh_due()
        after_delivery = services.count("dhl") - dhl_calls
        await deps.enricher.close()
        if deps.amazon:
            await deps.amazon.aclose()
        await deps.http.aclose()
        deps.store.close()
        await services.stop()
    return [
        Figure("SP-API getOrder calls for one order, two messages, one day", sp_calls, "calls", 2),
        Figure("carrier calls after delivery", after_delivery, "calls", 0.5),
    ]


def footprint(conversations: int) -> list[Figure]:
    """Resident memory and start-up, measured in a fresh process so the other benchmarks do not count."""
    import subprocess

    code = f"import json, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import run; print(json.dumps([f.to_json() for f in run.footprint_here({conversations})]))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    return [
        Figure(r["name"], r["value"], r["unit"], r["limit"]) for r in json.loads(out.strip().splitlines()[-1])
    ]


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started (VmHWM: unlike getrusage's ru_maxrss it does not carry
    the memory of the parent it was forked from)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def footprint_here(conversations: int) -> list[Figure]:
    """Resident memory with many stored conversations, and start-up time (settings to a built app)."""
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        settings = settings_from(
            database_path=Path(tmp) / "f.db", slack_channel="C0INBOX", slack_bot_token="xoxb-x"
        )
        deps = build_deps(settings)
        create_app(settings, deps)
        startup = time.perf_counter() - started
        now = iso(datetime.now(UTC))
        deps.store.db.conn.executemany(
            "INSERT INTO conversations (key, kind, state, buyer_name, deadline, created_at, updated_at) VALUES (?, 'buyer', 'answered', ?, ?, ?, ?)",
            [(f"k{n}", f"Buyer {n}", now, now, now) for n in range(conversations)],
        )
        deps.store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        deps.desk.queue()  # touch the data as a command would
        gc.collect()
        rss_mb = peak_rss_mb()
        deps.store.close()
    return [
        Figure(f"peak resident memory with {conversations:,} conversations", rss_mb, "MB", 120),
        Figure("start-up (settings, store, clients, app)", startup, "s", 2),
    ]


async def main(quick: bool) -> list[Figure]:
    """Run every benchmark once."""
    figures: list[Figure] = []
    figures.append(await intake_throughput(2000 if quick else 10_000))
    figures += sla_engine(20_000 if quick else 100_000)
    figures += await notification_delay(4 if quick else 10)
    figures += await interactivity(50)
    figures += await arrival_to_card(20 if quick else 200)  # about one second each: the latencies are real
    figures += await backlog(200 if quick else 5000, scale=40 if quick else 50)
    figures += await api_economy()
    figures += footprint(20_000 if quick else 100_000)
    return figures


def cli() -> None:
    """Parse the arguments, run, print, optionally write JSON."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under a minute")
    parser.add_argument("--json", type=Path, help="write the figures as a JSON list")
    args = parser.parse_args()
    os.environ.pop("SP_API_DEFAULT_MARKETPLACE", None)
    started = time.perf_counter()
    figures = asyncio.run(main(args.quick))
    width = max(len(f.name) for f in figures)
    for f in figures:
        print(
            f"{f.name:<{width}}  {f.value:>12,.2f} {f.unit:<8} limit {f.limit:>10,.1f}  ratio {f.ratio:6.3f}  {'ok' if f.ok else 'OVER'}"
        )
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps([f.to_json() for f in figures], indent=1))


if __name__ == "__main__":
    cli()
