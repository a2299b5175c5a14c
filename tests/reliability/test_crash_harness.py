"""The bot SIGKILLed again and again while mails arrive in a real Dovecot (seeded, repeatable): afterwards every buyer
message has exactly one post in Slack, every order was looked up, every requested reply went out once, every due
notification was posted once, nothing was posted twice, and the database is intact.

Where a kill lands does not depend on the machine's speed. Each kill has an aim, drawn from a seeded plan: a phase
(posting a card or a thread message, an SP-API or DHL lookup, sending a reply over SMTP, posting a due reminder)
or a random moment of start-up or idleness. For a phase, the harness first makes sure there is work of that kind
(it delivers the mail that needs it, or requests the reply), starts the bot and waits for the stand-in to see the
request arrive: the stand-in's hook (FakeSlack.on_post, FakeServices.on_call, the SMTP recorder's on_data and
on_accepted) SIGKILLs the bot there and then, while it waits for the answer. A random moment is a random fraction of
the bot's start-up time as measured on this machine (spawn to Socket Mode connection), or a moment after it. Each
kill is recorded by what the stand-ins saw, so the counts are exact: every aimed kill landed in its phase.

INBOX_BOT_TEST_KILLS sets the number of kills of the first test (default 120), INBOX_BOT_TEST_SEND_KILLS of the
second (default 60), INBOX_BOT_TEST_SEED the seed (default 7). Every kill costs one start of the bot (about a
second of imports), so the default sizes keep the run near five minutes. The whole bot runs on the test's pinned
clock, and every restart continues it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import statistics
import subprocess
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock.clocks import ScaledClock
from bot.sandbox.fake_services import FakeServices
from bot.sandbox.people import DeliveryError, People
from bot.sandbox.slack_api import FakeSlack
from bot.sandbox.world import BuyerMail, relay_mail
from tests.conftest import eventually, imap_overrides
from tests.support.bot_process import start_bot
from tests.support.clock import pinned_clock
from tests.support.dovecot import Dovecot
from tests.support.postgres import database_of, rows
from tests.support.smtp import SmtpServer

KILLS = int(os.environ.get("INBOX_BOT_TEST_KILLS", "120"))
SEND_KILLS = int(os.environ.get("INBOX_BOT_TEST_SEND_KILLS", "60"))
SEED = int(os.environ.get("INBOX_BOT_TEST_SEED", "7"))

PHASE_TIMEOUT = 30.0  # seconds to wait for an aimed phase; more where the bot starts slowly (Trap.timeout)
RANDOM = "at random"


# ---- where a kill lands ----


@dataclass(frozen=True)
class Aim:
    """Where a kill is meant to land: a phase and the stand-in events that show it, or a random moment."""

    phase: str  # "while posting", … or RANDOM
    what: str  # "a card", "SP-API", …, or "start-up" / "after start-up" for a random moment
    events: frozenset[str] = frozenset()

    @property
    def name(self) -> str:
        """How the aim is shown in counters."""
        return f"{self.phase}: {self.what}"


def post_event(message: dict[str, Any]) -> tuple[str, str]:
    """The stand-in event of a Slack post, from its outbox key: card, thread, sla (a reminder) or other."""
    key = str(((message.get("metadata") or {}).get("event_payload") or {}).get("key") or "")
    kind = key.split(":", 1)[0]
    event = {"card": "card", "thread": "thread", "cont": "thread", "sla": "sla"}.get(kind, "other post")
    return event, key


class Trap:
    """Starts the bot and SIGKILLs it the moment a stand-in sees it in the phase aimed at.

    The stand-ins call `saw` from their request handlers while the bot waits for their answer (the SMTP server
    from its own thread); the kill and the reaping of the process happen before the handler goes on, so the bot
    never hears the answer. `saw` also records every event of the run, so a random kill says what it interrupted.
    """

    def __init__(self, tmp_path: Path, slack: FakeSlack, clock: ScaledClock, env: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.slack = slack
        self.clock = clock
        self.env = env
        self.loop = asyncio.get_running_loop()
        self.lock = threading.Lock()
        self.bot: subprocess.Popen[bytes] | None = None
        self.aim: frozenset[str] = frozenset()
        self.landed: str | None = None  # the event the kill landed on ("" for a kill by the harness)
        self.landed_on = ""  # what it was about (a post's outbox key)
        self.seen: list[str] = []  # the stand-in events of this run, in order
        self.fired = asyncio.Event()
        self.startups: list[float] = []  # seconds from spawn to the Socket Mode connection, per run
        self.durations: dict[str, list[float]] = {}  # seconds from spawn to the kill, by aim
        self.log = tmp_path / "bot.log"
        self._watch: asyncio.Task[None] | None = None
        self.started: list[subprocess.Popen[bytes]] = []
        slack.on_post.append(lambda _channel, message: self.saw(*post_event(message)))

    def watch_services(self, services: FakeServices) -> None:
        """Kill on Amazon and carrier lookups as they arrive (LWA's token is seen but is not a lookup)."""
        services.on_call.append(lambda service, what: self.saw(service, what))

    def watch_smtp(self, smtp: SmtpServer) -> None:
        """Kill when a reply's DATA has arrived (the relay drops it with the connection) or once it is kept."""
        smtp.recorder.on_data.append(lambda envelope: self.saw("smtp data"))
        smtp.recorder.on_accepted.append(lambda envelope: self.saw("smtp accepted"))

    # ---- one run ----

    def start(self, aim: Aim | None = None) -> subprocess.Popen[bytes]:
        """Start the bot on the test's clock, armed to die at `aim`'s events."""
        assert self.bot is None, "a bot is running"
        self.fired.clear()
        self.slack.socket_connected.clear()
        bot = start_bot(self.tmp_path, self.slack, clock=self.clock, wall_clock=False, **self.env)
        self.started.append(bot)
        with self.lock:
            self.bot, self.aim, self.landed, self.landed_on, self.seen = (
                bot,
                aim.events if aim else frozenset(),
                None,
                "",
                [],
            )
        self._watch = asyncio.create_task(self._measure_startup(self.loop.time()))
        return bot

    async def _measure_startup(self, spawned: float) -> None:
        await self.slack.socket_connected.wait()
        if self.landed is None:
            self.startups.append(self.loop.time() - spawned)

    def saw(self, event: str, detail: str = "") -> None:
        """A stand-in saw the bot make a request (any thread): kill the bot now if this is what the run aims at."""
        with self.lock:
            bot = self.bot
            if bot is None or self.landed is not None:
                return
            self.seen.append(event)
            if event not in self.aim:
                return
            self.landed, self.landed_on = event, detail
            bot.send_signal(signal.SIGKILL)
        bot.wait(10)  # dead before the stand-in answers
        self.loop.call_soon_threadsafe(self.fired.set)

    def kill(self) -> None:
        """Kill the bot now, whatever it is doing (a random moment, or an aim not reached)."""
        with self.lock:
            bot = self.bot
            assert bot is not None
            if self.landed is None:
                self.landed = ""
            bot.send_signal(signal.SIGKILL)

    async def landed_in_time(self, timeout: float) -> bool:
        """Wait until the aimed kill happened (True) or `timeout` passed (False); a bot that ends by itself fails."""
        deadline = self.loop.time() + timeout
        while not self.fired.is_set():
            assert self.bot is not None
            if self.bot.poll() is not None and self.landed is None:
                raise AssertionError(f"the bot ended by itself ({self.bot.returncode})\n{self.tail()}")
            remaining = deadline - self.loop.time()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.fired.wait(), min(0.1, remaining))
        return True

    async def connected_in_time(self, timeout: float) -> bool:
        """Wait for the bot's Socket Mode connection (its start-up is over)."""
        try:
            await asyncio.wait_for(self.slack.socket_connected.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def stop(self, grace: float = 30.0) -> int | None:
        """Stop the bot as a process manager does (SIGTERM) and return its exit code; one that has not ended
        after `grace` seconds is SIGKILLed (None), so no bot outlives the test."""
        assert self.bot is not None
        self.bot.send_signal(signal.SIGTERM)
        try:
            code: int | None = await asyncio.to_thread(self.bot.wait, grace)
        except subprocess.TimeoutExpired:
            self.kill()
            code = None
        await self.finish()
        return code

    async def finish(self) -> None:
        """Reap the bot (killed now if it still runs) and forget the run."""
        with self.lock:
            bot, self.bot = self.bot, None
        assert bot is not None
        if bot.poll() is None:
            bot.send_signal(signal.SIGKILL)
        await asyncio.to_thread(bot.wait, 10)
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        self.slack.socket_connected.clear()

    def close(self) -> None:
        """Kill any bot still running (a test that fails half-way leaves none behind)."""
        for bot in self.started:
            if bot.poll() is None:
                bot.kill()
                bot.wait(10)

    # ---- measures ----

    def startup(self) -> float:
        """The bot's start-up time on this machine: the median of the recent runs (1 s before any)."""
        return statistics.median(self.startups[-15:]) if self.startups else 1.0

    def timeout(self) -> float:
        """How long to wait for a phase: 30 s, or 20 start-ups on a machine where the bot starts slowly."""
        return max(PHASE_TIMEOUT, 20 * self.startup())

    def tail(self, chars: int = 3000) -> str:
        """The end of bot.log."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- bot.log (last {chars} characters) ---\n{text[-chars:]}"

    # ---- the kill ----

    async def strike(
        self, aim: Aim, rng: random.Random, before: Callable[[], Awaitable[None]] | None = None
    ) -> str:
        """Start the bot, kill it where `aim` says (after `before()`, if given, once it is connected) and return
        where the kill landed: the aim's phase, '<phase>: not reached', or for a random moment 'at start-up',
        'while idle' or 'while working' (it had made requests of the stand-ins)."""
        self.start(aim if aim.phase != RANDOM else None)
        spawned = self.loop.time()
        try:
            if aim.phase != RANDOM:
                if before is not None and await self.connected_in_time(self.timeout()):
                    await before()
                if await self.landed_in_time(self.timeout()):
                    return aim.phase
                self.kill()
                return f"{aim.phase}: not reached"
            if aim.what == "start-up":
                await asyncio.sleep(rng.uniform(0.0, self.startup()))
            else:
                await self.connected_in_time(self.timeout())
                await asyncio.sleep(rng.uniform(0.0, self.startup() / 2))
            connected = self.slack.socket_connected.is_set()
            self.kill()
            worked = bool(self.seen)
            return "while working" if worked else "while idle" if connected else "at start-up"
        finally:
            self.durations.setdefault(aim.name, []).append(self.loop.time() - spawned)
            await self.finish()


def plan(aims: list[Aim], kills: int, rng: random.Random) -> list[Aim]:
    """`kills` aims, each of `aims` as often as the others (±1), in a seeded random order."""
    out = [aims[n % len(aims)] for n in range(kills)]
    rng.shuffle(out)
    return out


def measured(trap: Trap, landed: Counter[str], aimed: Counter[str], hit: Counter[str], **more: Any) -> str:
    """What the harness measured: where the kills landed, what they aimed at and hit, and `more`."""
    lines = [f"kills landed: {dict(landed)}", f"aimed: {dict(aimed)}", f"hit: {dict(hit)}"]
    lines += [f"{k}: {v}" for k, v in more.items()]
    lines.append(f"bot start-up (median): {trap.startup():.2f} s over {len(trap.startups)} runs")
    lines.append(
        "seconds from start to kill (median by aim): "
        + ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in sorted(trap.durations.items()))
    )
    return "\n".join(lines)


def recovered_keys(log: Path) -> set[str]:
    """The outbox keys the bot found again in Slack after a restart (posted, then killed before recording)."""
    pattern = re.compile(r"outbox \d+ \((\S+)\) was posted before a restart as \S+; recorded, not reposted")
    return set(pattern.findall(log.read_text(errors="replace")))


# ---- shared set-up ----


def keys_of(slack: FakeSlack) -> list[str]:
    """The outbox key of every message the bot posted (its metadata), in order."""
    return [m["metadata"]["event_payload"]["key"] for m in slack.posts() if m.get("metadata")]


def imap_env(server: Dovecot) -> dict[str, str]:
    """The bot's environment reading the test Dovecot over IMAP (IDLE)."""
    return {f"INBOX_BOT_{k.upper()}": str(v) for k, v in imap_overrides(server).items()}


def relay_env(smtp: SmtpServer) -> dict[str, str]:
    """The bot's environment sending replies through the test relay, its clock swept every second."""
    return {
        "INBOX_BOT_SMTP_HOST": "127.0.0.1",
        "INBOX_BOT_SMTP_PORT": str(smtp.port),
        "INBOX_BOT_SMTP_TLS": "plain",
        "INBOX_BOT_SMTP_FROM": "service@example-shop.de",
        "INBOX_BOT_REPLY_SIGNATURE": "Example Shop",
        "INBOX_BOT_SLA_SWEEP_SECONDS": "1",
    }


def services_env(services: FakeServices) -> dict[str, str]:
    """The bot's environment pointing at the Amazon and carrier stand-ins (SP-API, DHL)."""
    env = {f"INBOX_BOT_{k.upper()}": str(v) for k, v in services.urls(services.base_url).items()}
    env["INBOX_BOT_TRACKING_SWEEP_SECONDS"] = "2"
    return env


class Mailbag:
    """Buyer messages written when the harness needs them, dated a minute before the bot's clock: a new
    conversation (about a fresh order Amazon and DHL know, or pre-sale) or a follow-up in an earlier one."""

    def __init__(
        self, dovecot: Dovecot, clock: ScaledClock, rng: random.Random, services: FakeServices | None = None
    ) -> None:
        self.dovecot = dovecot
        self.clock = clock
        self.rng = rng
        self.services = services
        self.conversations: list[tuple[str, str | None]] = []  # buyer name, order id
        self.delivered = 0

    async def new(self, *, order: bool = True, hours_ago: float = 1 / 60) -> None:
        """A buyer's first message (about a new order unless `order` is False), sent `hours_ago`."""
        n = len(self.conversations)
        order_id = f"302-{n:07d}-{7654321 - n:07d}" if order else None
        if order_id and self.services is not None:
            self.services.ship_with_dhl(
                order_id, f"00340434{n:06d}000000", self.clock.now(), item=("Kaffeemühle", "B0X", 1, "39.90")
            )
        self.conversations.append((f"Käufer {n}", order_id))
        await self._deliver(f"Käufer {n}", order_id, hours_ago)

    async def follow_up(self) -> None:
        """Another message in an earlier conversation (opened first if there is none)."""
        if not self.conversations:
            await self.new()
        name, order_id = self.rng.choice(self.conversations)
        await self._deliver(name, order_id, 1 / 60)

    async def anything(self) -> None:
        """A follow-up or a new conversation (one in five of those pre-sale)."""
        if self.rng.random() < 0.5:
            await self.follow_up()
        else:
            await self.new(order=self.rng.random() >= 0.2)

    async def _deliver(self, name: str, order_id: str | None, hours_ago: float) -> None:
        mail = BuyerMail(
            name=name,
            text=f"Nachricht {self.delivered}: wo bleibt mein Paket?",
            language="de",
            order_id=order_id,
        )
        raw = relay_mail(mail, sent_at=self.clock.now() - timedelta(hours=hours_ago))
        await asyncio.to_thread(self.dovecot.append, raw)
        self.delivered += 1


# ---- kills while mail arrives: posting and enriching ----

POSTING, ENRICHING = "while posting", "while enriching"
INTAKE_AIMS = [
    Aim(POSTING, "a card", frozenset({"card"})),
    Aim(POSTING, "a thread message", frozenset({"thread"})),
    Aim(ENRICHING, "SP-API", frozenset({"sp-api"})),
    Aim(ENRICHING, "DHL", frozenset({"dhl"})),
    Aim(RANDOM, "start-up"),
    Aim(RANDOM, "after start-up"),
]


@pytest.mark.timeout(1800)
async def test_many_sigkills_lose_nothing_and_post_nothing_twice(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    fake_slack: FakeSlack,
    fake_services: FakeServices,
    dovecot: Dovecot,
) -> None:
    rng = random.Random(SEED)
    clock = pinned_clock()
    trap = Trap(tmp_path, fake_slack, clock, {**services_env(fake_services), **imap_env(dovecot)})
    request.addfinalizer(trap.close)
    trap.watch_services(fake_services)
    bag = Mailbag(dovecot, clock, rng, fake_services)
    aims = plan(INTAKE_AIMS, KILLS, rng)
    landed: Counter[str] = Counter()
    hit: Counter[str] = Counter()  # aims whose phase was reached
    killed_posts: list[str] = []  # outbox keys of the posts the bot died waiting for
    for aim in aims:
        if rng.random() < 0.15:  # mail also arrives while the bot is down, between kills
            await bag.anything()
        if aim.what == "a card":  # work for the aimed phase: a new conversation, a follow-up, a new order
            await bag.new(order=rng.random() >= 0.2)
        elif aim.what == "a thread message":
            await bag.follow_up()
        elif aim.phase == ENRICHING:
            await bag.new()
        where = await trap.strike(aim, rng)
        landed[where] += 1
        if where == aim.phase:
            hit[aim.name] += 1
            if aim.phase == POSTING:
                killed_posts.append(trap.landed_on)

    trap.start()  # the last run is left to finish
    db = database_of(tmp_path)
    try:
        # started for real before it is judged
        assert await trap.connected_in_time(trap.timeout()), trap.tail()
        await eventually(
            lambda: (
                rows(db, "SELECT count(*) FROM messages")[0][0] == bag.delivered
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
        await eventually(  # every package tracked, however often its first lookup was cut short
            lambda: rows(db, "SELECT count(*) FROM packages WHERE checked_at IS NULL")[0][0] == 0,
            timeout=60,
            what="every package tracked",
        )
    finally:
        code = await trap.stop()
    assert code == 0, f"the bot did not stop cleanly on SIGTERM (exit {code})\n{trap.tail()}"

    aimed = Counter(a.name for a in aims if a.phase != RANDOM)
    untracked = rows(db, "SELECT count(*) FROM packages WHERE checked_at IS NULL")[0][0]
    summary = measured(trap, landed, aimed, hit, mails=bag.delivered, packages_never_tracked=untracked)
    report = f"{summary}\n{trap.tail()}"
    keys = keys_of(fake_slack)
    duplicates = [k for k, n in Counter(keys).items() if n > 1]
    assert duplicates == [], f"posted twice after kills: {duplicates[:5]}\n{report}"
    stored = [str(r[0]) for r in rows(db, "SELECT message_id FROM messages")]
    assert len(stored) == bag.delivered, report  # every mail stored once
    for message_id in stored:  # every buyer message has its card or its thread post
        assert f"card:{message_id}" in keys or f"thread:{message_id}" in keys, f"{message_id}\n{report}"
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    conversations = rows(db, "SELECT count(*) FROM conversations")[0][0]
    assert conversations == len(bag.conversations), report
    assert len(fake_slack.posts(top_level=True)) == conversations, report  # one card per conversation
    # every kill landed where it was aimed, and every post the bot died waiting for was found again, not reposted
    assert sum(landed.values()) == KILLS, report
    assert hit == aimed, report
    assert landed[POSTING] + landed[ENRICHING] == sum(aimed.values()), report
    assert sum(landed[k] for k in ("at start-up", "while idle", "while working")) == KILLS - sum(
        aimed.values()
    ), report
    unrecorded = set(killed_posts) - recovered_keys(trap.log)
    assert unrecorded == set(), (
        f"posts killed before their record and not found again: {unrecorded}\n{report}"
    )
    print(f"\n{summary}")


# ---- kills while replies are sent and reminders come due ----

SENDING, ESCALATING = "while sending", "while escalating"
SEND_AIMS = [
    Aim(SENDING, "relay had not accepted", frozenset({"smtp data"})),
    Aim(SENDING, "relay had accepted", frozenset({"smtp accepted"})),
    Aim(ESCALATING, "due soon reminder", frozenset({"sla"})),
    Aim(ESCALATING, "due soon reminder", frozenset({"sla"})),
    Aim(RANDOM, "start-up"),
    Aim(RANDOM, "after start-up"),
]


@pytest.mark.timeout(1800)
async def test_sigkills_while_sending_replies_and_escalating(
    request: pytest.FixtureRequest, tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer, dovecot: Dovecot
) -> None:
    """Replies requested from Slack and notifications coming due while the bot is killed again and again: each
    requested reply reaches the buyer exactly once (a send caught mid-way is left to a person, who settles it by
    what Amazon's relay received), and each due notification is posted exactly once."""
    rng = random.Random(SEED + 1)
    clock = pinned_clock()
    env = {**imap_env(dovecot), **relay_env(smtp)}
    smtp.recorder.delay = 0.25  # a slow relay: a client gone before its answer leaves nothing behind
    trap = Trap(tmp_path, fake_slack, clock, env)
    request.addfinalizer(trap.close)
    trap.watch_smtp(smtp)
    bag = Mailbag(dovecot, clock, rng)
    db = database_of(tmp_path)
    aims = plan(SEND_AIMS, SEND_KILLS, rng)
    # A reply is requested for every second card, so there is one for each kill while sending. Written a minute
    # ago, these reach no stage of the clock during the test.
    opened = 2 * sum(a.phase == SENDING for a in aims) + 2
    for _ in range(opened):
        await bag.new()
    trap.start()
    await fake_slack.wait_for(lambda: len(fake_slack.posts(top_level=True)) == opened, timeout=trap.timeout())
    trap.kill()
    await trap.finish()

    people = People(fake_slack, ack_timeout=10.0)

    def wanted() -> list[int]:
        """The conversations a reply is requested for: every second one opened, every second one escalated."""
        ids = [int(r[0]) for r in rows(db, "SELECT id FROM conversations ORDER BY id")]
        return ids[:opened:2] + ids[opened::2]

    def unrequested() -> list[tuple[int, str]]:
        """Wanted conversations with a card and no reply requested yet: (id, card ts)."""
        posted = dict(rows(db, "SELECT id, slack_ts FROM conversations WHERE slack_ts IS NOT NULL"))
        asked = {int(r[0]) for r in rows(db, "SELECT DISTINCT conversation_id FROM sends")}
        return [(c, str(posted[c])) for c in wanted() if c in posted and c not in asked]

    async def request_reply() -> None:
        """'Send as is' on a card without a reply, unless one is queued already (the mailer sends that first)."""
        if rows(db, "SELECT count(*) FROM sends WHERE state = 'queued'")[0][0]:
            return
        choices = unrequested()
        if not choices:
            return
        _, ts = rng.choice(choices)
        card = fake_slack.find_message("C0INBOX", ts)
        option = _first_option(card, "send_as_is") if card else None
        assert option is not None, card
        if trap.landed is not None:
            return  # the bot died sending a reply queued before
        with contextlib.suppress(DeliveryError, TimeoutError, ConnectionError):
            await people.click(
                user="U0AGENT", channel="C0INBOX", message_ts=ts, action_id="send_as_is", selected=option
            )

    landed: Counter[str] = Counter()
    hit: Counter[str] = Counter()
    caught: set[int] = set()  # sends the kills left in 'sending' (each becomes 'uncertain' at the next start)
    escalated = 0  # conversations whose "due soon" stage was made to come due
    killed_posts: list[str] = []
    for aim in aims:
        if aim.phase == ESCALATING:  # its "due soon" stage begins as the bot starts, or a moment later
            await bag.new(hours_ago=18 - rng.uniform(-1.0, 1.0) * trap.startup() / 3600)
            escalated += 1
        where = await trap.strike(aim, rng, before=request_reply if aim.phase == SENDING else None)
        landed[where] += 1
        if where == aim.phase:
            hit[aim.name] += 1
            if aim.phase == ESCALATING:
                killed_posts.append(trap.landed_on)
        caught |= {int(r[0]) for r in rows(db, "SELECT id FROM sends WHERE state = 'sending'")}

    trap.start()  # the last run: the rest is requested, then settled by a person
    try:
        assert await trap.connected_in_time(trap.timeout()), trap.tail()
        await eventually(
            lambda: rows(db, "SELECT count(*) FROM conversations WHERE slack_ts IS NULL")[0][0] == 0,
            timeout=60,
            what="every card posted",
        )
        for conversation_id, ts in unrequested():
            card = fake_slack.find_message("C0INBOX", ts)
            option = _first_option(card, "send_as_is") if card else None
            assert option is not None, (conversation_id, card)
            await people.click(
                user="U0AGENT", channel="C0INBOX", message_ts=ts, action_id="send_as_is", selected=option
            )
        await eventually(
            lambda: (
                rows(db, "SELECT count(*) FROM notifications WHERE conversation_id > 0 AND skipped = 0")[0][0]
                == escalated
            ),
            timeout=60,
            what="every due reminder recorded",
        )

        decisions = await settle_sends(db, smtp, fake_slack, people)
    finally:
        code = await trap.stop()
    assert code == 0, f"the bot did not stop cleanly on SIGTERM (exit {code})\n{trap.tail()}"

    aimed = Counter(a.name for a in aims if a.phase != RANDOM)
    summary = measured(
        trap,
        landed,
        aimed,
        hit,
        caught_mid_send=len(caught),
        person_decisions=dict(decisions),
        escalated=escalated,
    )
    report = f"{summary}\n{trap.tail()}"
    # exactly one e-mail for each requested reply, none for the others
    asked = wanted()
    buyers = {
        str(r[0])
        for r in rows(
            db,
            f"SELECT message_id FROM messages WHERE direction = 'in' AND conversation_id IN ({','.join('?' * len(asked))})",
            asked,
        )
    }
    replied_to = Counter(str(m["In-Reply-To"]) for m in smtp.messages)
    assert replied_to == Counter(dict.fromkeys(buyers, 1)), f"{replied_to}\n{report}"
    assert len(buyers) == len(asked) == opened // 2 + (escalated + 1) // 2, report
    # every send a kill caught mid-way waited for a person, who settled it by what the relay had
    assert len(caught) == landed[SENDING], report
    # each waited as uncertain; a mail the relay had accepted is confirmed, never sent again. Whether the relay
    # still kept a mail whose sender died during DATA is the relay's affair (on a loaded core it may finish first)
    assert sum(decisions.values()) == len(caught), report
    assert set(decisions) <= {"uncertain, mark_sent", "uncertain, retry_send"}, report
    assert decisions["uncertain, mark_sent"] >= hit[f"{SENDING}: relay had accepted"], report
    # every due notification recorded once and posted exactly once (and nothing else twice)
    keys = keys_of(fake_slack)
    assert [k for k, n in Counter(keys).items() if n > 1] == [], report
    notified = rows(
        db, "SELECT conversation_id, clock, key FROM notifications WHERE conversation_id > 0 AND skipped = 0"
    )
    assert len(notified) == escalated, report
    for conversation_id, sla_clock, key in notified:
        assert any(k.startswith(f"sla:{conversation_id}:{sla_clock}:{key}:") for k in keys), (
            f"{conversation_id} {key}\n{report}"
        )
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    # every kill landed where it was aimed; each reminder the bot died posting was found again, not reposted
    assert sum(landed.values()) == SEND_KILLS, report
    assert hit == aimed, report
    unrecorded = set(killed_posts) - recovered_keys(trap.log)
    assert unrecorded == set(), (
        f"reminders killed before their record and not found again: {unrecorded}\n{report}"
    )
    print(f"\n{summary}")


async def settle_sends(db: Path | str, smtp: SmtpServer, slack: FakeSlack, people: People) -> Counter[str]:
    """The end of a run of kills: every send is sent or shown to a person, who settles each by what the relay
    received (*It was sent* for an uncertain one the relay has, *Retry* otherwise); then every send is sent and
    everything posted. The person's decisions, counted."""

    def unsettled() -> list[tuple[Any, ...]]:
        return rows(db, "SELECT id, state, reply_to_row FROM sends WHERE state != 'sent'")

    await eventually(
        lambda: all(r[1] in ("uncertain", "failed") for r in unsettled()),
        timeout=60,
        what="every send sent or shown to a person",
    )
    decisions: Counter[str] = Counter()
    for send_id, state, message_row in unsettled():
        buyer_id = rows(db, "SELECT message_id FROM messages WHERE id = ?", [message_row])[0][0]
        arrived = any(m["In-Reply-To"] == buyer_id for m in smtp.messages)
        action = "mark_sent" if arrived and state == "uncertain" else "retry_send"
        decisions[f"{state}, {action}"] += 1
        note = next(p for p in slack.posts() if p.get("thread_ts") and _has_action(p, action, str(send_id)))
        await people.click(
            user="U0LEAD", channel="C0INBOX", message_ts=note["ts"], action_id=action, value=str(send_id)
        )
    await eventually(lambda: unsettled() == [], timeout=60, what="every send settled")
    await eventually(
        lambda: (
            rows(db, "SELECT count(*) FROM outbox WHERE state != 'done' AND kind != 'update_card'")[0][0] == 0
        ),
        timeout=60,
        what="everything posted",
    )
    return decisions


def _elements(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message.get("blocks") or [] for e in (b.get("elements") or [b.get("accessory") or {}])]


def _first_option(message: dict[str, Any] | None, action_id: str) -> str | None:
    for e in _elements(message or {}):
        if e.get("action_id") == action_id:
            options = e.get("options") or [
                o for g in e.get("option_groups") or [] for o in g.get("options", [])
            ]
            return str(options[0]["value"]) if options else None
    return None


def _has_action(message: dict[str, Any], action_id: str, value: str) -> bool:
    return any(e.get("action_id") == action_id and e.get("value") == value for e in _elements(message))
