"""PostgreSQL beside SQLite in the same run: intake throughput and the SLA sweep as ratios to SQLite's figure (the
floor), and the takeover time of a standby when the leader is SIGKILLed (real bot processes, as the failover
harness runs them). Needs Debian's postgresql (a throwaway cluster, as in the tests) and the postgresql extra."""

from __future__ import annotations

import asyncio
import signal
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.clock.clocks import FakeClock
from bot.clock.escalation import Escalator
from bot.mail.intake import Intake
from bot.mail.source import FETCH_BATCH, IncomingMail
from bot.sandbox.slack_api import FakeSlack
from bot.settings_sources import settings_from
from bot.store.store import Store, iso
from tests.support.bot_process import start_bot
from tests.support.clock import TEAM_TIME, pinned_clock
from tests.support.postgres import Postgres, rows

# PostgreSQL over loopback: each statement is a round trip where SQLite's is a function call
INTAKE_RATIO = (
    0.25  # PostgreSQL's intake at least this share of SQLite's, same mails, same run (0.41 measured)
)
SLA_RATIO = 4.0  # the sweep's queries on PostgreSQL at most this many times SQLite's
TAKEOVER_LIMIT = 30.0  # seconds: INBOX_BOT_LEASE_SECONDS' default


async def intake_on_both(figure: Any, mails: list[bytes], server: Postgres, rounds: int) -> list[Any]:
    """The same mails through the same intake on SQLite and on PostgreSQL, batch by batch in turns."""
    clock = FakeClock(TEAM_TIME)
    lite_rates, pg_rates = [], []
    for round_no in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            settings = settings_from(database_path=Path(tmp) / "b.db", slack_channel="C0INBOX")
            sides = {
                "sqlite": Store.open(Path(tmp) / "b.db", clock=clock),
                "postgresql": Store.connect(server.fresh_url(), clock=clock),
            }
            intakes = {name: Intake(settings, store) for name, store in sides.items()}
            spent = dict.fromkeys(sides, 0.0)
            for n, start in enumerate(range(0, len(mails), FETCH_BATCH)):
                batch = mails[start : start + FETCH_BATCH]
                incoming = [IncomingMail(raw, f"m{start + i}", None) for i, raw in enumerate(batch)]
                for name in ("sqlite", "postgresql") if (n + round_no) % 2 == 0 else ("postgresql", "sqlite"):
                    started = time.perf_counter()
                    await intakes[name].handle_many(incoming)
                    spent[name] += time.perf_counter() - started
            for store in sides.values():
                store.close()
        lite_rates.append(len(mails) / spent["sqlite"])
        pg_rates.append(len(mails) / spent["postgresql"])
    return [
        figure(
            f"PostgreSQL: intake throughput, {len(mails):,} mixed mails (floor: SQLite, median of {rounds})",
            statistics.median(pg_rates),
            "mails/s",
            floor=statistics.median(lite_rates),
            ratio_limit=INTAKE_RATIO,
            more_is_better=True,
        )
    ]


def sla_on_both(
    figure: Any, server: Postgres, conversations: int, rounds: int, sweeps: int = 10
) -> list[Any]:
    """The SLA sweep's two queries over the same open conversations on both engines, in turns."""
    clock = FakeClock(TEAM_TIME)
    now = clock.now()
    values = []
    for n in range(conversations):
        deadline = now + timedelta(minutes=(n * 7) % (24 * 60))
        nxt = deadline - timedelta(hours=6) if n % 100 else now - timedelta(seconds=1)  # 1 % are due now
        values.append(
            (f"k{n}", "buyer", "open", iso(deadline - timedelta(hours=24)), iso(deadline), iso(nxt))
        )
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_from(database_path=Path(tmp) / "s.db", slack_channel="C0INBOX", digest_time="")
        stores = {
            "sqlite": Store.open(Path(tmp) / "s.db", clock=clock),
            "postgresql": Store.connect(server.fresh_url(), clock=clock),
        }
        for store in stores.values():
            with store.transaction():
                store.conn.executemany(
                    "INSERT INTO conversations (key, kind, state, opened_at, deadline, next_sla_at, created_at, "
                    f"updated_at) VALUES (?, ?, ?, ?, ?, ?, '{iso(now)}', '{iso(now)}')",
                    values,
                )
            store.conn.execute("ANALYZE")
        escalators = {k: Escalator(settings, s, clock, post=lambda *a: None) for k, s in stores.items()}

        def sweep(name: str) -> int:
            due = escalators[name].due_conversations(now)
            escalators[name].next_due()
            return len(due)

        found = {name: sweep(name) for name in stores}  # warm both
        times: dict[str, list[float]] = {name: [] for name in stores}
        for n in range(rounds):
            for name in ("sqlite", "postgresql") if n % 2 == 0 else ("postgresql", "sqlite"):
                started = time.perf_counter()
                for _ in range(sweeps):
                    found[name] = sweep(name)
                times[name].append((time.perf_counter() - started) * 1000 / sweeps)
        for store in stores.values():
            store.close()
    assert found["sqlite"] and found["sqlite"] == found["postgresql"], f"the engines disagree: {found}"
    return [
        figure(
            f"PostgreSQL: SLA sweep among {conversations:,} open conversations (floor: SQLite, median of {rounds})",
            statistics.median(times["postgresql"]),
            "ms",
            floor=statistics.median(times["sqlite"]),
            ratio_limit=SLA_RATIO,
        )
    ]


async def takeovers(figure: Any, server: Postgres, kills: int) -> list[Any]:
    """Two `inbox-bot run` processes on one PostgreSQL; the leader SIGKILLed `kills` times, a new standby started
    each time: seconds from the kill to the next leader's Slack connection (p95)."""
    url = server.fresh_url()
    slack = FakeSlack()
    await slack.start()
    seconds: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "mail").mkdir()
        clock = pinned_clock()
        env = {"INBOX_BOT_DATABASE_URL": url}
        processes = [start_bot(work, slack, clock=clock, **env) for _ in range(2)]
        try:
            for _ in range(kills):
                await _until(lambda: slack.socket_connected.is_set() and _sessions(url) >= 2)
                holder = str(rows(url, "SELECT holder FROM leader")[0][0])
                leader = next(p for p in processes if p.pid == int(holder.rsplit(":", 1)[1]))
                slack.socket_connected.clear()
                leader.send_signal(signal.SIGKILL)
                leader.wait(10)
                killed = time.monotonic()
                processes.append(start_bot(work, slack, clock=clock, **env))
                await asyncio.wait_for(slack.socket_connected.wait(), 60)
                seconds.append(time.monotonic() - killed)
        finally:
            for p in processes:
                if p.poll() is None:
                    p.kill()
                    p.wait(10)
            await slack.stop()
    ordered = sorted(seconds)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return [
        figure(
            f"PostgreSQL: takeover after SIGKILL of the leader, p95 of {kills} (to the new leader's Slack connection)",
            p95,
            "s",
            limit=TAKEOVER_LIMIT,
        )
    ]


def _sessions(url: str) -> int:
    sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'inbox-bot lease %'"
    return int(rows(url, sql)[0][0])


async def _until(condition: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("a leader and a standby did not come up")
        await asyncio.sleep(0.05)


async def figures(
    figure: Any, mails: list[bytes], quick: bool, acks: Callable[[str], Awaitable[list[Any]]] | None = None
) -> list[Any]:
    """Every PostgreSQL figure, on a throwaway cluster; `acks` measures the click acks of a bot on a given URL (the
    store's work runs in its own thread there, Store.run, while the loop acks)."""
    server = Postgres().start()
    try:
        found = await intake_on_both(figure, mails, server, rounds=2 if quick else 3)
        found += sla_on_both(figure, server, 20_000 if quick else 100_000, rounds=15)
        if acks is not None:
            found += await acks(server.fresh_url())
        found += await takeovers(figure, server, 5 if quick else 20)
    finally:
        server.stop()
    return found
