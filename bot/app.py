"""The factory: builds the bot from one Settings object and runs it in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

import handlers
from bot.accounts import Accounts, keep_first
from bot.clock.claims import ClaimWatch
from bot.clock.clocks import Clock, clock_from
from bot.clock.escalation import Escalator
from bot.clock.followups import FollowUps
from bot.clock.parcels import ParcelWatch
from bot.clock.watchdog import MailboxWatch
from bot.deps import Deps
from bot.desk.desk import Desk
from bot.desk.roles import Roles, foreign_team
from bot.errors import StartupError as StartupError  # also bot.app.StartupError, as before
from bot.mail.intake import Intake
from bot.mail.intent_model import shipped_model
from bot.mail.mailboxes import first_mailbox, for_account, other_mailboxes
from bot.mail.sender import SmtpSender
from bot.mail.source import MailSource
from bot.ops.logs import in_log_context, scoped
from bot.ops.metrics import Metrics
from bot.ops.server import OpsServer, serving_while
from bot.replies.autoreply import AutoReplier
from bot.replies.guard import Policy
from bot.replies.library import Library
from bot.replies.per_account import ReplyAccounts
from bot.replies.proactive import Proactive
from bot.replies.service import Replies
from bot.services.amazon import SpApi
from bot.services.amazon_accounts import AccountsSpApi, BuyerMessaging
from bot.services.amazon_search import OrderSearch
from bot.services.carriers.tracker import Tracker, providers_from
from bot.services.http import new_client
from bot.services.messaging import AmazonMessaging
from bot.services.slack import SlackError, SlackGateway
from bot.settings import Settings
from bot.store.base import LeaseLost
from bot.store.lock import AlreadyRunning
from bot.store.store import Store
from bot.workers.enricher import Enricher
from bot.workers.evidence import Evidence
from bot.workers.leader import FileLeadership, leadership_for
from bot.workers.mailer import Mailer
from bot.workers.outbox import Outbox
from bot.workers.poster import Poster
from jobs.report import weekly_report
from jobs.sla import mailbox_orders, refresh_rotation, schedule_next, sla_job, sla_tick
from jobs.tracking import refresh_tracking

log = logging.getLogger(__name__)


def build_deps(
    settings: Settings,
    *,
    clock: Clock | None = None,
    client: AsyncWebClient | None = None,
    source: MailSource | None = None,
    store: Store | None = None,
) -> Deps:
    """Create the store, Slack client, intake, poster and mail source from the settings."""
    accounts = Accounts.from_settings(settings)
    # the first account's settings are everything's default (one account: the settings themselves)
    settings = accounts.first
    clock = clock or clock_from(settings)
    store = store or Store.connect(settings.database, clock=clock)
    keep_first(accounts, store)  # the conversations without an account stay the first account's
    metrics = Metrics()  # counted where things happen, through the callbacks below (docs/operations.md)
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = client or AsyncWebClient(token=token, base_url=settings.slack_api_url, timeout=30)
    slack = SlackGateway(
        client,
        post_interval=settings.slack_post_interval,
        observe=metrics.api_call,
        before_write=store.assert_leading,  # nothing is posted once the lease was not renewed in time
    )
    http = new_client(observe=metrics.api_call)
    amazon = SpApi(settings, observe=metrics.api_call) if settings.sp_api_enabled else None
    orders = AccountsSpApi(accounts, store, amazon, observe=metrics.api_call) if accounts.several else None
    if orders is not None and not orders.apis:
        orders = None  # no account has SP-API credentials: no order data, as with one account
    tracker = Tracker(settings, providers_from(settings, http))
    outbox = Outbox(settings, store, accounts)
    parcels = ParcelWatch(settings, store, clock, post=outbox.escalation_post)

    def order_changed(order_id: str) -> None:
        outbox.order_changed(order_id)  # the cards redraw
        parcels.order_changed(order_id)  # and a parcel in trouble gets a note in their threads

    enricher = Enricher(
        settings,
        store,
        clock,
        amazon=orders or amazon,
        tracker=tracker,
        on_change=order_changed,
        on_lookup=metrics.lookup,
    )
    intake = Intake(settings, store, on_queued=outbox.wake.set, on_order=enricher.start, accounts=accounts)
    library = Library.load(overlay=settings.template_dir, strict=False)
    shipped_model()  # intent detection's model, read once at start (a broken file stops the start, not a card)
    policy = Policy.from_settings(
        settings.guard_disabled_rules,
        settings.guard_allowed_domains,
        model=settings.guard_model,
        on_block=metrics.guard_refusal,
    )
    sender = SmtpSender(settings) if settings.smtp_host and settings.smtp_from else None
    messaging: BuyerMessaging | None = orders or (AmazonMessaging(amazon) if amazon is not None else None)
    notify = metrics.telling_sends(outbox.send_event)
    mailer = Mailer(settings, store, clock, sender, notify=notify, messaging=messaging, accounts=accounts)
    roles = Roles(settings, slack, store)
    replies = Replies(
        settings,
        store,
        clock,
        library=library,
        policy=policy,
        can_send=sender is not None,
        roles=roles,
        order_view=enricher.order_view,
        on_queued=mailer.wake.set,
        on_changed=outbox.conversation_changed,
        accounts=ReplyAccounts(accounts, library),
    )
    poster = Poster(
        settings,
        store,
        slack,
        clock,
        outbox=outbox,
        enricher=enricher,
        replies=replies,
        on_card=metrics.card_posted,
    )
    escalator = Escalator(
        settings, store, clock, post=outbox.escalation_post, on_breach=metrics.sla_breach, accounts=accounts
    )
    order_search = OrderSearch(amazon) if amazon is not None else None  # the report's and the watchdog's
    mailwatch = MailboxWatch(
        settings, store, clock, post=outbox.escalation_post, accounts=accounts, orders=order_search
    )
    followups = FollowUps(
        settings,
        store,
        clock,
        escalator=escalator,
        post=outbox.escalation_post,
        changed=outbox.conversation_changed,
        on_due=metrics.followup_due,
    )
    desk = Desk(
        settings,
        store,
        clock,
        slack=slack,
        enricher=enricher,
        escalator=escalator,
        roles=roles,
        amazon=orders or amazon,
    )
    autoreplier = AutoReplier(
        settings,
        store,
        clock,
        replies=replies,
        enricher=enricher,
        slack=slack,
        wake_mailer=mailer.wake.set,
        post=outbox.escalation_post,
    )
    source = source or first_mailbox(accounts, store, clock, slack, on_quota=mailwatch.quota)
    account_sources = other_mailboxes(accounts, store, clock, slack, on_quota=mailwatch.quota)
    return Deps(
        settings=settings,
        clock=clock,
        store=store,
        client=client,
        slack=slack,
        intake=intake,
        poster=poster,
        source=source,
        http=http,
        tracker=tracker,
        enricher=enricher,
        amazon=amazon,
        accounts=accounts,
        account_sources=account_sources,
        orders=orders,
        order_search=order_search,
        library=library,
        replies=replies,
        proactive=Proactive(replies, messaging),
        mailer=mailer,
        escalator=escalator,
        followups=followups,
        claims=ClaimWatch(settings, store, clock, escalator=escalator, post=outbox.escalation_post),
        evidence=Evidence(settings, store, clock, tracker=tracker, wake=outbox.wake.set),
        parcels=parcels,
        mailwatch=mailwatch,
        outbox=outbox,
        roles=roles,
        desk=desk,
        autoreplier=autoreplier,
        metrics=metrics,
    )


def create_app(settings: Settings, deps: Deps) -> AsyncApp:
    """The Bolt app with every listener registered and the dependencies injected into `context`."""
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    app = AsyncApp(
        client=deps.client,
        signing_secret=secret,
        request_verification_enabled=settings.slack_mode == "http",
        raise_error_for_unhandled_request=False,
        name="inbox-bot",
    )

    @app.middleware
    async def inject_deps(context: dict[str, Any], next: Callable[[], Awaitable[Any]]) -> Any:
        context["deps"] = deps
        return await next()

    seen_events: OrderedDict[str, None] = OrderedDict()

    @app.middleware
    async def once_per_event(body: dict[str, Any], next: Callable[[], Awaitable[Any]]) -> Any:
        """Slack retries an event it thinks was lost (same event_id): handle each event once."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            if event_id in seen_events:
                log.info("event %s was delivered again by Slack; handled already", event_id)
                return BoltResponse(status=200, body="")
            seen_events[str(event_id)] = None
            while len(seen_events) > 10_000:
                seen_events.popitem(last=False)
        return await next()

    @app.middleware
    async def only_our_workspace(body: dict[str, Any], next: Callable[[], Awaitable[Any]]) -> Any:
        """With INBOX_BOT_SLACK_TEAM_ID set, only our workspace and its people are served (roles.foreign_team)."""
        expected = settings.slack_team_id
        why = foreign_team(body, expected) if expected else None
        if why:
            kind = body.get("type") or ("command" if body.get("command") else "?")
            log.warning("refused a %s request: %s (this bot serves %s)", kind, why, expected)
            return BoltResponse(status=403, body="This app serves another workspace.")
        return await next()

    app.middleware(in_log_context)  # the Slack ts a request is about, on each log line of its handling
    handlers.register_all(app, settings)
    return app


async def run_bot(deps: Deps, app: AsyncApp, *, stop: asyncio.Event | None = None) -> None:
    """Run intake, the poster and the Slack listener until `stop` is set or a part fails; on PostgreSQL first wait
    as a standby until this instance holds the lease (bot/workers/leader.py)."""
    stop = stop or asyncio.Event()
    leadership = deps.leadership = deps.leadership or leadership_for(deps.settings)
    try:
        waiting = leadership.acquire(stop)  # a standby (PostgreSQL) answers /healthz and /readyz meanwhile
        if not await (waiting if isinstance(leadership, FileLeadership) else serving_while(deps, waiting)):
            return
        deps.store.ping()  # a standby's connection may have idled for days
        deps.store.fence_epoch = leadership.epoch  # every outbox claim and send checks the lease from now on
        holding = asyncio.create_task(leadership.hold(deps.store.lease_renewed), name="lease")  # from now on
        try:
            async with shared_slack_session(deps.client):
                await _run(deps, app, stop, holding)
        finally:
            holding.cancel()
            await _ended(holding)
    except AlreadyRunning as e:
        raise StartupError(str(e)) from e
    finally:
        try:
            # the store work asked for is done before the lease is let go
            await asyncio.to_thread(deps.store.finish)
        finally:
            leadership.release()


@contextlib.asynccontextmanager
async def shared_slack_session(client: AsyncWebClient) -> AsyncIterator[None]:
    """One HTTP session (pooled keep-alive connections) for every Web API call, the listeners' included.

    Without it slack_sdk opens a new session and connection (TLS handshake included) for each call.
    """
    if client.session is not None and not client.session.closed:
        yield
        return
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))
    client.session = session
    try:
        yield
    finally:
        client.session = None
        await session.close()


async def _ended(task: asyncio.Task[Any]) -> None:
    """Wait for a cancelled task to end, cancelling it again if it swallowed the cancellation.

    On Python 3.11 `asyncio.wait_for` (which aioimaplib wraps around every IMAP command) returns the result instead
    of raising when the cancellation and the answer arrive together: the intake went on reading mail and a SIGTERM
    at such a moment left the bot waiting for it for ever.
    """
    while not task.done():
        await asyncio.wait({task}, timeout=5.0)  # cleanups that take their time (IMAP logout) are let be
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError, LeaseLost, Exception):
        task.result()


async def _run(deps: Deps, app: AsyncApp, stop: asyncio.Event, holding: asyncio.Task[None]) -> None:
    settings = deps.settings
    try:
        me = await deps.slack.auth_test()
    except SlackError as e:
        raise StartupError(f"Slack rejected the bot token ({e.code}): check INBOX_BOT_SLACK_BOT_TOKEN") from e
    log.info("connected to Slack as %s in %s", me.get("user"), me.get("team"))

    if settings.slack_mode == "socket" and not settings.slack_app_token:
        raise StartupError("INBOX_BOT_SLACK_APP_TOKEN is required in Socket Mode")  # before anything starts
    intake = scoped(deps.metrics.reading(deps.intake.handle_many))  # counted; each batch its own log context
    tasks = [
        asyncio.create_task(deps.source.run(intake), name="intake"),
        *(
            asyncio.create_task(source.run(for_account(intake, name)), name=f"intake:{name}")
            for name, source in deps.account_sources.items()
        ),
        asyncio.create_task(deps.poster.run(), name="poster"),
        asyncio.create_task(deps.mailer.run(), name="mailer"),
        holding,  # the lease: LeaseLost stops everything at once
    ]
    socket_handler: AsyncSocketModeHandler | None = None
    ops: OpsServer | None = None
    runner: web.AppRunner | None = None
    scheduler = AsyncIOScheduler(timezone="UTC")
    stopper = asyncio.create_task(stop.wait(), name="stop")
    try:  # from here on, whatever fails stops the workers started above
        if settings.slack_mode == "socket" and settings.slack_app_token:
            socket_handler = AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())
        ops = OpsServer(deps, socket=socket_handler)  # /healthz, /readyz, /metrics: up before Slack connects
        await ops.start()
        if socket_handler is not None:
            await socket_handler.connect_async()  # type: ignore[no-untyped-call]
        else:
            runner = web.AppRunner(app.web_app(path="/slack/events"))
            await runner.setup()
            await web.TCPSite(runner, settings.http_host, settings.http_port).start()
            log.info(
                "listening for Slack on http://%s:%d/slack/events", settings.http_host, settings.http_port
            )
        for job, job_id, seconds, args in (
            (refresh_tracking, "refresh_tracking", settings.tracking_sweep_seconds, [deps]),
            (sla_job, "sla_sweep", settings.sla_sweep_seconds, [deps, scheduler]),
            # Monday's report and the watchdog's order check on their own: a search may wait minutes for Amazon's
            # rate, never the sweep
            (weekly_report, "weekly_report", 300, [deps]),
            (mailbox_orders, "mailbox_orders", 900, [deps]),
        ):
            # tracking at start too: lookups a stop interrupted, packages due meanwhile
            first = {"next_run_time": datetime.now(UTC)} if job is refresh_tracking else {}
            scheduler.add_job(
                job,
                "interval",
                seconds=seconds,
                args=args,
                id=job_id,
                max_instances=1,
                coalesce=True,
                **first,
            )
        if settings.responders or settings.leads:
            await deps.roles.refresh()
            scheduler.add_job(deps.roles.refresh, "interval", hours=1, id="roles", coalesce=True)
        if settings.oncall_usergroup:
            await refresh_rotation(deps)
            scheduler.add_job(
                refresh_rotation, "interval", hours=1, args=[deps], id="oncall_group", coalesce=True
            )
        scheduler.start()
        sla_tick(deps)  # notifications that came due while the bot was down go out now, marked late
        schedule_next(deps, scheduler)
        deps.ready.set()
        done, _ = await asyncio.wait([*tasks, stopper], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not stopper and task.exception():
                raise task.exception()  # type: ignore[misc]
    finally:
        for task in [*tasks, stopper]:
            task.cancel()
        for task in [*tasks, stopper]:
            await _ended(task)
        if socket_handler is not None:
            await socket_handler.close_async()  # type: ignore[no-untyped-call]
        if runner is not None:
            await runner.cleanup()
        if ops is not None:
            await ops.stop()
        if scheduler.running:
            scheduler.shutdown(wait=False)
        await deps.enricher.close()
        if deps.amazon is not None:
            await deps.amazon.aclose()
        if deps.orders is not None:
            await deps.orders.aclose()
        await deps.http.aclose()
        deps.ready.clear()
        log.info("inbox-bot stopped")
