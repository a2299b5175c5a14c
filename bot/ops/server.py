"""The operations listener: `/healthz` (the event loop answers), `/readyz` (Slack, the mailbox, the SLA sweep and the
database, each with its reason) and `/metrics` (Prometheus' text format), in Socket Mode and HTTP mode alike, on
INBOX_BOT_OPS_HOST:INBOX_BOT_OPS_PORT (loopback by default; docs/operations.md)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.clock.sla import Policy, Stage
from bot.deps import Deps
from bot.errors import StartupError
from bot.mail.source import ImapSource, MailSource
from bot.ops.metrics import PREFIX
from bot.store.store import Store
from bot.workers.leader import FileLeadership

log = logging.getLogger(__name__)

MIN_SWEEP_AGE = 300.0  # the SLA sweep counts as recent within 3 × its interval, and never less than 5 minutes


@dataclass(frozen=True)
class Check:
    """One part of readiness: whether it holds, and why (or why not)."""

    ok: bool
    detail: str


def sweep_limit(sweep_seconds: float) -> float:
    """How old the last SLA sweep may be for the bot to be ready."""
    return max(3 * sweep_seconds, MIN_SWEEP_AGE)


def stage_counts(store: Store, now: datetime, policy: Policy) -> dict[str, int]:
    """Open conversations by their stage at `now` (as `stage_at` has it; 'none': no deadline), counted in the store."""
    bounds = [now, now + policy.critical, now + policy.urgent, now + policy.due_soon]
    none, total, upto = store.open_deadline_counts(bounds=bounds)
    return {
        Stage.BREACHED.value: upto[0],
        Stage.CRITICAL.value: upto[1] - upto[0],
        Stage.URGENT.value: upto[2] - upto[1],
        Stage.DUE_SOON.value: upto[3] - upto[2],
        Stage.FRESH.value: total - upto[3],
        "none": none,
    }


class LiveGauges:
    """The metrics read at each scrape: the outbox, open conversations by stage, who is on call, the mailbox."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    def collect(self) -> Iterator[Metric]:
        """Read the store, the clock and the mailbox now."""
        deps = self.deps
        counts = deps.store.outbox_counts()
        yield GaugeMetricFamily(
            f"{PREFIX}outbox_depth",
            "Slack posts and updates waiting in the outbox (pending or being posted)",
            value=counts.get("pending", 0) + counts.get("in_flight", 0),
        )
        yield GaugeMetricFamily(
            f"{PREFIX}outbox_failed",
            "Outbox items given up (refused by Slack for good)",
            value=counts.get("failed", 0),
        )
        now = deps.clock.now()
        stages = stage_counts(deps.store, now, deps.escalator.policy)
        open_ = GaugeMetricFamily(
            f"{PREFIX}open_conversations",
            "Open conversations by the 24-hour clock's stage now ('none': no answer-by deadline)",
            labels=["stage"],
        )
        for stage in [*(s.value for s in Stage), "none"]:
            open_.add_metric([stage], stages.get(stage, 0))
        yield open_
        yield GaugeMetricFamily(
            f"{PREFIX}on_call",
            "1 while someone is on call (rotation or override), else 0",
            value=int(bool(deps.escalator.on_call(now))),
        )
        last = deps.store.newest_amazon_mail()
        if last is not None:
            yield GaugeMetricFamily(
                f"{PREFIX}amazon_mail_age_seconds",
                "Seconds since the mail from Amazon stored last arrived (buyer message, notice or copy of a reply)",
                value=max(0.0, (now - last).total_seconds()),
            )
        source = deps.source
        imap = source if isinstance(source, ImapSource) else None
        yield GaugeMetricFamily(
            f"{PREFIX}mailbox_connected",
            "1 while the mailbox is connected (a local folder always), else 0",
            value=int(imap is None or imap.connected.is_set()),
        )
        yield CounterMetricFamily(
            f"{PREFIX}imap_reconnects",
            "Attempts to connect to the mailbox again after a session failed",
            value=imap.reconnects if imap is not None else 0,
        )
        age = deps.metrics.sweep_age()
        if age is not None:
            yield GaugeMetricFamily(
                f"{PREFIX}sla_sweep_age_seconds", "Seconds since the last SLA sweep", value=age
            )


class OpsServer:
    """The listener; `start` raises StartupError when its address cannot be bound."""

    def __init__(self, deps: Deps, *, socket: AsyncSocketModeHandler | None = None) -> None:
        self.deps = deps
        self.socket = socket  # Socket Mode's connection (None in HTTP mode, where Slack calls the bot)
        self.live = LiveGauges(deps)
        self._runner: web.AppRunner | None = None
        self._was_ready: bool | None = None

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"http://{self.deps.settings.ops_host}:{self.deps.settings.ops_port}"

    async def start(self) -> None:
        """Listen on INBOX_BOT_OPS_HOST:INBOX_BOT_OPS_PORT (nothing when the port is 0)."""
        settings = self.deps.settings
        if not settings.ops_port:
            return
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        app.router.add_get("/metrics", self.metrics)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.ops_host, settings.ops_port).start()
        except OSError as e:
            await runner.cleanup()
            raise StartupError(
                f"cannot listen on {settings.ops_host}:{settings.ops_port} for /healthz, /readyz and /metrics "
                f"({e.strerror or e}): choose another INBOX_BOT_OPS_PORT, or 0 to switch the listener off"
            ) from e
        self._runner = runner
        self.deps.metrics.registry.register(self.live)
        log.info("health, readiness and metrics on %s/healthz, /readyz, /metrics", self.url)

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is None:
            return
        self.deps.metrics.registry.unregister(self.live)
        await self._runner.cleanup()
        self._runner = None

    # ---- the checks ----

    async def checks(self) -> dict[str, Check]:
        """Every readiness check by name; a standby (PostgreSQL) says so and checks only the database."""
        lead = self.deps.leadership
        if lead is not None and not isinstance(lead, FileLeadership):
            role = {"role": Check(lead.leading, lead.state)}
            if not lead.leading:
                return {**role, "database": await self._database()}
        else:
            role = {}
        return {
            **role,
            "slack": await self._slack(),
            "mailbox": self._mailbox(self.deps.source),
            **{f"mailbox:{name}": self._mailbox(src) for name, src in self.deps.account_sources.items()},
            "sla_sweep": self._sweep(),
            "database": await self._database(),
        }

    async def _slack(self) -> Check:
        if not self.deps.ready.is_set():
            return Check(False, "starting: not connected to Slack yet")
        if self.socket is None:
            settings = self.deps.settings
            return Check(
                True, f"HTTP mode: Slack calls http://{settings.http_host}:{settings.http_port}/slack/events"
            )
        if await self.socket.client.is_connected():
            return Check(True, "Socket Mode connected")
        return Check(False, "the Socket Mode connection is down; reconnecting")

    def _mailbox(self, source: MailSource) -> Check:
        if not isinstance(source, ImapSource):
            return Check(True, f"reading {source.name}")
        if source.connected.is_set():
            return Check(True, f"connected, waiting for mail by {source.waiting or 'IDLE'}")
        if source.problem is None:
            return Check(False, "connecting")
        wait = max(0.0, (source.retry_at or 0.0) - asyncio.get_running_loop().time())
        return Check(False, f"in backoff, retrying in {wait:.0f} s: {source.problem}")

    def _sweep(self) -> Check:
        age = self.deps.metrics.sweep_age()
        limit = sweep_limit(self.deps.settings.sla_sweep_seconds)
        if age is None:
            return Check(False, "the SLA sweep has not run yet")
        if age > limit:
            return Check(False, f"the last SLA sweep was {age:.0f} s ago (more than {limit:.0f} s)")
        return Check(True, f"the last SLA sweep was {age:.0f} s ago")

    async def _database(self) -> Check:
        problem = await asyncio.to_thread(
            self.deps.store.write_problem
        )  # may wait for a lock: not on the loop
        return Check(True, "writable") if problem is None else Check(False, f"not writable: {problem}")

    # ---- the routes ----

    async def healthz(self, request: web.Request) -> web.Response:
        """200 whenever the event loop gets to answer."""
        return web.json_response({"status": "alive"})

    async def readyz(self, request: web.Request) -> web.Response:
        """200 when every check holds, else 503; the body names each check with its reason."""
        checks = await self.checks()
        ready = all(c.ok for c in checks.values())
        if ready != self._was_ready:
            failing = "; ".join(f"{name}: {c.detail}" for name, c in checks.items() if not c.ok)
            if ready:
                log.info("ready: Slack, the mailbox, the SLA sweep and the database are all fine")
            else:
                log.warning("not ready: %s", failing)
            self._was_ready = ready
        body = {"ready": ready, "checks": {name: asdict(c) for name, c in checks.items()}}
        return web.json_response(body, status=200 if ready else 503)

    async def metrics(self, request: web.Request) -> web.Response:
        """Every metric in Prometheus' text format."""
        try:
            body = await self.deps.store.run(self.deps.metrics.exposition)  # the gauges read the store
        except Exception as e:
            log.exception("the metrics could not be read")
            return web.Response(status=500, text=f"the metrics could not be read: {type(e).__name__}: {e}\n")
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def serving_while(deps: Deps, waiting: Awaitable[bool]) -> bool:
    """Answer /healthz, /readyz and /metrics while `waiting` runs (a standby waiting for the lease); its result."""
    ops = OpsServer(deps)
    await ops.start()
    try:
        return await waiting
    finally:
        await ops.stop()
