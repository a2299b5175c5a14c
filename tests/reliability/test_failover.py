"""Two bots on one PostgreSQL, the working one SIGKILLed again and again (seeded, repeatable) while mail arrives in a
real Dovecot, replies are requested from Slack and reminders come due: each time the standby takes over within
INBOX_BOT_LEASE_SECONDS (the default, 30 s), and a new standby is started, as a supervisor restarts a dead process.
Afterwards every mail is stored once, every card and thread message posted once, every requested reply reached the
buyer once (a send caught mid-way is settled by a person, as after any crash), and every due reminder was posted once.

Each kill has an aim from a seeded plan, as in the crash harness: posting a card or a thread message, an SP-API or
DHL lookup, an SMTP send before or after the relay accepted it, posting a due reminder, or a random moment. The
stand-ins SIGKILL the leader the moment they see its request, before they answer. Before each kill the harness waits
until a standby holds its lease connection, so a takeover is measured from a standby that was ready, as in
production. INBOX_BOT_TEST_FAILOVER_KILLS sets the number of kills (default 100), INBOX_BOT_TEST_SEED the seed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import statistics
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.sandbox.fake_services import FakeServices
from bot.sandbox.people import DeliveryError, People
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually
from tests.reliability.test_crash_harness import (
    Mailbag,
    _first_option,
    imap_env,
    keys_of,
    post_event,
    relay_env,
    services_env,
    settle_sends,
)
from tests.support.bot_process import start_bot
from tests.support.clock import pinned_clock
from tests.support.dovecot import Dovecot
from tests.support.postgres import Postgres, rows
from tests.support.smtp import SmtpServer

KILLS = int(os.environ.get("INBOX_BOT_TEST_FAILOVER_KILLS", "100"))
SEED = int(os.environ.get("INBOX_BOT_TEST_SEED", "7"))
LEASE_SECONDS = 30.0  # the default
WAIT = 45.0  # seconds to wait for an aimed request, a standby, a takeover

AIMS: list[tuple[str, frozenset[str]]] = [
    ("posting a card", frozenset({"card"})),
    ("posting a thread message", frozenset({"thread"})),
    ("looking up an order", frozenset({"sp-api"})),
    ("tracking a parcel", frozenset({"dhl"})),
    ("sending, relay had not accepted", frozenset({"smtp data"})),
    ("sending, relay had accepted", frozenset({"smtp accepted"})),
    ("posting a due reminder", frozenset({"sla"})),
    ("at random", frozenset()),
]


class Cluster:
    """The bot processes sharing one database: which leads (the `leader` row's holder), killing it when a stand-in
    sees the aimed request, starting a new standby after each kill, timing each takeover."""

    def __init__(self, tmp_path: Path, slack: FakeSlack, url: str, env: dict[str, str]) -> None:
        self.tmp_path, self.slack, self.url, self.env = tmp_path, slack, url, env
        self.clock = pinned_clock()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.lock = threading.Lock()
        self.leader: subprocess.Popen[bytes] | None = None
        self.aim: frozenset[str] = frozenset()
        self.killed_at: float | None = None
        self.landed: str | None = None
        self.landed_on = ""
        self.loop = asyncio.get_running_loop()
        self.fired = asyncio.Event()
        self.takeovers: list[float] = []
        slack.on_post.append(lambda _channel, message: self.saw(*post_event(message)))

    def watch(self, services: FakeServices, smtp: SmtpServer) -> None:
        """Kill on the leader's lookups and sends as they arrive."""
        services.on_call.append(lambda service, what: self.saw(service, what))
        smtp.recorder.on_data.append(lambda envelope: self.saw("smtp data"))
        smtp.recorder.on_accepted.append(lambda envelope: self.saw("smtp accepted"))

    def spawn(self) -> subprocess.Popen[bytes]:
        """Start one more instance (it waits as a standby while another leads)."""
        env = {**self.env, "INBOX_BOT_DATABASE_URL": self.url, "INBOX_BOT_LEASE_SECONDS": str(LEASE_SECONDS)}
        bot = start_bot(self.tmp_path, self.slack, clock=self.clock, **env)
        self.processes.append(bot)
        return bot

    def alive(self) -> list[subprocess.Popen[bytes]]:
        """The instances still running."""
        return [p for p in self.processes if p.poll() is None]

    def holder(self) -> subprocess.Popen[bytes] | None:
        """The instance the database names as leader."""
        found = rows(self.url, "SELECT holder FROM leader")
        if not found:
            return None
        pid = int(str(found[0][0]).rsplit(":", 1)[1])
        return next((p for p in self.alive() if p.pid == pid), None)

    def lease_sessions(self) -> int:
        """Instances holding a lease connection (the leader's and each standby's)."""
        sql = (
            "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'inbox-bot lease %' "
            "AND datname = current_database()"
        )
        return int(rows(self.url, sql)[0][0])

    async def leading(self) -> subprocess.Popen[bytes]:
        """Wait until a living instance leads and is connected to Slack; arm nothing yet."""
        await eventually(
            lambda: self.slack.socket_connected.is_set() and self.holder() is not None, timeout=WAIT
        )
        leader = self.holder()
        assert leader is not None
        with self.lock:
            self.leader = leader
        return leader

    async def standby_ready(self) -> None:
        """Wait until a standby waits beside the leader (its lease connection open)."""
        await eventually(lambda: self.lease_sessions() >= 2, timeout=WAIT, what="a standby beside the leader")

    def arm(self, events: frozenset[str]) -> None:
        """Kill the leader at the next of these events."""
        with self.lock:
            self.aim, self.landed, self.landed_on = events, None, ""
        self.fired.clear()

    def saw(self, event: str, detail: str = "") -> None:
        """A stand-in saw the leader's request (any thread): kill it now if armed for this."""
        with self.lock:
            if self.leader is None or self.landed is not None or event not in self.aim:
                return
            self.landed, self.landed_on = event, detail
            self._kill_locked()
        self.loop.call_soon_threadsafe(self.fired.set)

    def kill_now(self) -> None:
        """Kill the leader whatever it is doing (a random moment, or an aim not reached)."""
        with self.lock:
            if self.landed is None:
                self.landed = ""
            self._kill_locked()

    def _kill_locked(self) -> None:
        assert self.leader is not None
        self.slack.socket_connected.clear()
        self.leader.send_signal(signal.SIGKILL)
        self.leader.wait(10)  # dead before the stand-in answers
        self.killed_at = time.monotonic()
        self.leader = None

    async def took_over(self) -> float:
        """Wait for the next leader's Slack connection; the seconds since the kill."""
        assert self.killed_at is not None
        await asyncio.wait_for(self.slack.socket_connected.wait(), WAIT)
        seconds = time.monotonic() - self.killed_at
        self.takeovers.append(seconds)
        return seconds

    def close(self) -> None:
        """Kill every instance still running."""
        for bot in self.processes:
            if bot.poll() is None:
                bot.kill()
                bot.wait(10)

    def tail(self, chars: int = 3000) -> str:
        """The end of the instances' shared log."""
        log = self.tmp_path / "bot.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        return f"--- bot.log (last {chars} characters) ---\n{text[-chars:]}"


@pytest.mark.timeout(3600)
async def test_the_standby_takes_over_after_every_kill_and_nothing_is_lost_or_repeated(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    fake_slack: FakeSlack,
    fake_services: FakeServices,
    smtp: SmtpServer,
    dovecot: Dovecot,
    postgres_server: Postgres,
) -> None:
    rng = random.Random(SEED + 24)
    url = postgres_server.fresh_url()
    env = {**services_env(fake_services), **imap_env(dovecot), **relay_env(smtp)}
    smtp.recorder.delay = 0.25  # a slow relay: a client gone before its answer leaves nothing behind
    cluster = Cluster(tmp_path, fake_slack, url, env)
    request.addfinalizer(cluster.close)
    cluster.watch(fake_services, smtp)
    bag = Mailbag(dovecot, cluster.clock, rng, fake_services)
    people = People(fake_slack, ack_timeout=10.0)
    plan = [AIMS[n % len(AIMS)] for n in range(KILLS)]
    rng.shuffle(plan)
    requested: set[int] = set()  # conversations a reply was asked for
    escalated = 0

    async def request_reply() -> None:
        """'Send as is' on a card with no reply yet (through the leader's Socket Mode connection)."""
        posted = rows(url, "SELECT id, slack_ts FROM conversations WHERE slack_ts IS NOT NULL ORDER BY id")
        asked = {int(r[0]) for r in rows(url, "SELECT DISTINCT conversation_id FROM sends")}
        choices = [(int(c), str(ts)) for c, ts in posted if int(c) not in asked and int(c) not in requested]
        if not choices:
            await bag.new()
            return
        conversation_id, ts = rng.choice(choices)
        card = fake_slack.find_message("C0INBOX", ts)
        option = _first_option(card, "send_as_is") if card else None
        if option is None:
            return
        with contextlib.suppress(DeliveryError, TimeoutError, ConnectionError):
            await people.click(
                user="U0AGENT", channel="C0INBOX", message_ts=ts, action_id="send_as_is", selected=option
            )
            requested.add(conversation_id)

    for _ in range(2):
        cluster.spawn()
    landed: Counter[str] = Counter()
    for name, events in plan:
        await cluster.leading()
        await cluster.standby_ready()
        cluster.arm(events)
        if "card" in events or "sp-api" in events or "dhl" in events:
            await bag.new()
        elif "thread" in events:
            await bag.follow_up()
        elif "sla" in events:  # "due soon" comes due as the leader sweeps
            await bag.new(hours_ago=18.1)
            escalated += 1
        elif events & {"smtp data", "smtp accepted"}:
            deadline = time.monotonic() + WAIT
            while not cluster.fired.is_set() and time.monotonic() < deadline:
                await request_reply()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(cluster.fired.wait(), 2.0)
        elif rng.random() < 0.5:
            await bag.anything()
        if events:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(cluster.fired.wait(), WAIT)
        else:
            await asyncio.sleep(rng.uniform(0.0, 1.5))
        reached = cluster.landed is not None and cluster.landed != ""
        if not reached:
            cluster.kill_now()
        landed[name if reached or not events else f"{name}: not reached"] += 1
        cluster.spawn()  # the supervisor restarts the dead one: a standby again
        seconds = await cluster.took_over()
        assert seconds < LEASE_SECONDS, f"takeover took {seconds:.1f} s\n{cluster.tail()}"

    # the last leader works on: every card, every reminder, every reply settled
    await cluster.leading()
    await eventually(
        lambda: (
            rows(url, "SELECT count(*) FROM messages WHERE direction = 'in'")[0][0] == bag.delivered
            and rows(url, "SELECT count(*) FROM outbox WHERE state != 'done' AND kind != 'update_card'")[0][0]
            == 0
        ),
        timeout=120,
        what="every mail stored and posted",
    )

    await eventually(
        lambda: (
            rows(url, "SELECT count(*) FROM notifications WHERE conversation_id > 0 AND skipped = 0")[0][0]
            >= escalated
        ),
        timeout=60,
        what="every due reminder recorded",
    )

    decisions = await settle_sends(url, smtp, fake_slack, people)

    takeovers = sorted(cluster.takeovers)
    p95 = takeovers[max(0, round(0.95 * len(takeovers)) - 1)]
    epochs = rows(url, "SELECT epoch FROM leader")[0][0]
    summary = "\n".join(
        [
            f"kills: {sum(landed.values())} ({dict(landed)})",
            f"takeover seconds: median {statistics.median(takeovers):.2f}, p95 {p95:.2f}, max {takeovers[-1]:.2f} "
            f"(lease {LEASE_SECONDS:.0f} s)",
            f"mails {bag.delivered}, conversations {len(bag.conversations)}, replies requested {len(requested)}, "
            f"reminders due {escalated}, person decisions {dict(decisions)}, lease epochs {epochs}",
        ]
    )
    report = f"{summary}\n{cluster.tail()}"
    # every kill was a takeover, each within the lease, each a new epoch
    assert sum(landed.values()) == KILLS and len(takeovers) == KILLS, report
    assert [k for k in landed if k.endswith("not reached")] == [], report  # every kill landed where it aimed
    assert max(takeovers) < LEASE_SECONDS, report
    assert epochs == KILLS + 1, report
    # every mail stored once, every buyer message posted once (its card or its thread message)
    stored = [str(r[0]) for r in rows(url, "SELECT message_id FROM messages WHERE direction = 'in'")]
    assert len(stored) == len(set(stored)) == bag.delivered, report
    keys = keys_of(fake_slack)
    assert [k for k, n in Counter(keys).items() if n > 1] == [], f"posted twice: {report}"
    for message_id in stored:
        assert f"card:{message_id}" in keys or f"thread:{message_id}" in keys, f"{message_id}\n{report}"
    conversations = rows(url, "SELECT count(*) FROM conversations")[0][0]
    assert conversations == len(bag.conversations), report
    assert len(fake_slack.posts(top_level=True)) == conversations, report
    # every requested reply reached the buyer once
    replied_to = Counter(str(m["In-Reply-To"]) for m in smtp.messages)
    assert all(n == 1 for n in replied_to.values()), f"{replied_to}\n{report}"
    sent_for = {
        str(r[0])
        for r in rows(url, "SELECT m.message_id FROM sends s JOIN messages m ON m.id = s.reply_to_row")
    }
    assert set(replied_to) == sent_for, report
    assert len(sent_for) >= len(requested) > 0, report
    # every due reminder recorded once and posted once
    notified = rows(
        url, "SELECT conversation_id, clock, key FROM notifications WHERE conversation_id > 0 AND skipped = 0"
    )
    for conversation_id, sla_clock, key in notified:
        assert any(k.startswith(f"sla:{conversation_id}:{sla_clock}:{key}:") for k in keys), report
    assert len({(c, k) for c, _clock, k in notified}) >= escalated, report
    print(f"\n{summary}")
