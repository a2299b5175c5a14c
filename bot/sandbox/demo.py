"""`inbox-bot demo`: the real bot against local stand-ins, with a page in the browser that plays Slack."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.app import build_deps, create_app, run_bot
from bot.clock.clocks import Clock, ScaledClock
from bot.deps import Deps
from bot.sandbox import page
from bot.sandbox.fake_services import FakeServices
from bot.sandbox.mail_sink import MailSink
from bot.sandbox.people import People
from bot.sandbox.slack_api import FakeSlack
from bot.sandbox.world import CHANNEL, stock_services, write_invoices, write_samples
from bot.settings import Settings
from bot.settings_sources import settings_from

log = logging.getLogger(__name__)

# Where the demo's clock starts unless told otherwise (`inbox-bot demo --start`): a Thursday 10:00 in Berlin, so
# what the page shows (who is on call, which cards are late) is the same whatever day it is opened.
DEMO_START = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


class Demo:
    """One demo world: the Slack stand-in with its page, a sample Maildir, and the bot itself."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        speed: float = 1.0,
        start: datetime | None = None,
        workdir: Path | None = None,
        post_interval: float = 0.5,
    ) -> None:
        self.speed = speed
        self.clock: Clock = ScaledClock(speed, start=start or DEMO_START)
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="inbox-bot-demo-"))
        self.maildir = self.workdir / "mailbox"
        self.slack = FakeSlack(
            host=host, port=port, channels={CHANNEL}, clock=lambda: self.clock.now().timestamp()
        )  # messages are stamped with the demo's time, not the machine's
        self.people = People(self.slack)
        self.services = FakeServices(clock=self.clock.now)  # Amazon and carriers, on the page's server
        self.relay = MailSink(
            host, clock=self.clock.now
        )  # Amazon's relay: receives the replies the bot sends
        self.post_interval = post_interval
        self.deps: Deps | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """Where the page is served."""
        return f"http://{self.slack.host}:{self.slack.port}/"

    def settings(self) -> Settings:
        """The bot's settings in the demo: every service on loopback, nothing from the environment."""
        return settings_from(
            slack_bot_token=self.slack.bot_token,
            slack_app_token=self.slack.app_token,
            slack_api_url=self.slack.base_url,
            slack_channel=CHANNEL,
            slack_post_interval=self.post_interval,
            mail_source="directory",
            mail_directory=self.maildir,
            database_path=self.workdir / "inbox-bot.db",
            timezone="Europe/Berlin",
            tracking_sweep_seconds=5.0,
            smtp_host=self.relay.host,
            smtp_port=self.relay.port,
            smtp_tls="plain",
            smtp_from="service@example-shop.de",
            reply_signature="Example Shop Kundenservice",
            invoice_folder=self.workdir / "invoices",
            oncall_members=["U0ONCALL", "U0AGENT"],
            escalation_mention="U0LEAD",
            sla_sweep_seconds=2.0,
            auto_reply_wismo=True,  # shown in the demo: the where-is-my-order auto-reply (off by default)
            auto_reply_delay_minutes=30,
            ops_port=0,  # no health/metrics listener: a bot beside the demo keeps its port
            **self.services.urls(self.url.rstrip("/")),
        )

    async def start(self, on_listening: Callable[[str], None] | None = None) -> None:
        """Serve the page and the stand-in, fill the mailbox, start the bot; returns once it is connected.

        `on_listening` is told the page's address as soon as it is served, before the bot starts."""

        loop = asyncio.get_running_loop()

        def routes(app: web.Application) -> None:
            page.add_routes(app, self)
            self.services.add_routes(app)

        await self.slack.start(routes)
        if on_listening is not None:
            on_listening(self.url)
        self.relay.start()
        self.relay.on_mail.append(lambda _: asyncio.run_coroutine_threadsafe(self.slack.notify(), loop))
        stock_services(self.services, self.clock.now())
        write_invoices(self.workdir / "invoices")
        if not any(self.maildir.glob("new/*")) and not any(self.maildir.glob("cur/*")):
            write_samples(self.maildir, self.clock.now())
        settings = self.settings()
        self.deps = build_deps(settings, clock=self.clock)
        self._task = asyncio.create_task(
            run_bot(self.deps, create_app(settings, self.deps), stop=self._stop), name="bot"
        )
        ready = asyncio.create_task(self.deps.ready.wait())
        done, _ = await asyncio.wait([ready, self._task], return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            ready.cancel()
            self._task.result()  # the bot could not start: raise its error
        self._seed_case()
        log.info("demo running at %s (data in %s)", self.url, self.workdir)

    def _seed_case(self) -> None:
        """One Amazon support case the lead follows, so /case and the digest have something to show."""
        from bot.clock.cases import Cases

        assert self.deps is not None
        cases = Cases(self.deps.store, self.clock)
        if cases.get("1234567890") is None:
            cases.add(
                case_id="1234567890",
                summary="Listing B0LAMP0001 suppressed: safety documents sent",
                owner="U0LEAD",
            )

    async def wait(self) -> None:
        """Run until the bot stops (Ctrl-C or a failure)."""
        if self._task is not None:
            await self._task

    async def stop(self) -> None:
        """Stop the bot and the stand-in; remove the demo's data unless a workdir was given."""
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 15)
        if self.deps is not None:
            self.deps.store.close()
        await self.slack.stop()
        self.relay.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
