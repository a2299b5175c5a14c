"""The clock's jobs: a sweep every minute and a timer set to the exact next due notification."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.deps import Deps
from bot.services.slack import SlackError

log = logging.getLogger(__name__)

NEXT_JOB = "sla_next"


def sla_tick(deps: Deps, scheduler: Any | None = None) -> int:
    """Send due notifications, follow-up reminders and claim windows (each once: recorded before it is posted), then
    set the timer for the next one."""
    swept = True
    try:
        sent = deps.escalator.tick()
    except Exception:
        log.exception("SLA sweep failed; the next one tries again")
        sent, swept = 0, False
    if sent:
        log.info("SLA: %d notification(s) queued", sent)
    for name, check in (
        ("follow-up", deps.followups.tick),
        ("claim-window", deps.claims.tick),
        ("quiet-parcel", deps.parcels.tick),
        ("mailbox", deps.mailwatch.tick),
    ):
        try:  # each on its own: one failing does not stop the others
            check()
        except Exception:
            log.exception("the %s check failed; the next sweep tries again", name)
    purge_daily(deps)  # a failure is logged, retried at the next sweep and shown after the second
    try:
        deps.autoreplier.run()
    except Exception:
        log.exception("the where-is-my-order auto-reply pass failed; the next sweep tries again")
    if scheduler is not None:
        schedule_next(deps, scheduler)
    if swept:
        deps.metrics.swept()  # /readyz: the sweep runs (a failing one lets the check go stale, and say so)
    return sent


async def sla_job(deps: Deps, scheduler: Any | None = None) -> int:
    """`sla_tick` as the scheduler runs it: a coroutine, never in APScheduler's thread pool.

    The sweep is store work: on SQLite it runs in the loop (the store's connection belongs to its thread), on
    PostgreSQL in the store's own thread (Store.run: its round trips do not hold the loop); the timer for the next
    due notification is set back on the loop."""
    sent = await deps.store.run(sla_tick, deps)
    if scheduler is not None:
        schedule_next(deps, scheduler, await deps.store.run(next_due, deps))
    return sent


def next_due(deps: Deps) -> datetime | None:
    """When the earliest planned notification, follow-up or claim window is due (store work)."""
    planned = (deps.escalator.next_due(), deps.followups.next_due(), deps.claims.next_due())
    return min((when for when in planned if when is not None), default=None)


def schedule_next(deps: Deps, scheduler: Any, nxt: datetime | None = None) -> None:
    """Fire exactly when the earliest planned notification is due (in real time, whatever the bot's clock); `nxt`
    when it was read already."""
    nxt = nxt or next_due(deps)
    if nxt is None:
        return
    # a time already past (a check that keeps failing) waits a little: never a tight loop of timers
    wait = max(1.0, deps.clock.real_seconds((nxt - deps.clock.now()).total_seconds()))
    run_at = datetime.now(UTC) + timedelta(seconds=wait + 0.05)
    scheduler.add_job(
        sla_job, "date", run_date=run_at, args=[deps, scheduler], id=NEXT_JOB, replace_existing=True
    )


async def mailbox_orders(deps: Deps) -> bool:
    """The mailbox watchdog against the shop's orders (searchOrders; its own job: Amazon's rate may make it wait)."""
    try:
        return await deps.mailwatch.tick_orders()
    except Exception:
        log.exception("the mailbox watchdog's order check failed; the next run tries again")
        return False


async def refresh_rotation(deps: Deps) -> None:
    """Take the on-call rotation from the Slack user group, when one is configured."""
    group = deps.settings.oncall_usergroup
    if not group:
        return
    try:
        members = await deps.slack.usergroup_members(group)
    except SlackError as e:
        log.error(
            "on-call user group %s cannot be read (%s): keeping %s", group, e.code, deps.escalator.members
        )
        return
    deps.escalator.set_members(members)


def purge_daily(deps: Deps) -> None:
    """Once a day: remove personal data past the retention period."""
    from bot.store.retention import purge

    now = deps.clock.now()
    key = f"purge:{now.astimezone(deps.settings.tz).date().isoformat()}"
    deps.escalator.daily(key, now, lambda: purge(deps.store, now, deps.settings.raw_retention_days))
