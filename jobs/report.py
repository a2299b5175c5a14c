"""The weekly report: on Monday from the digest time, once; last week's orders are asked of SP-API first, then posted."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime

from bot.clock.health import OrdersWindow, orders_window
from bot.clock.report import last_week, report
from bot.deps import Deps

log = logging.getLogger(__name__)


def weekly_due(deps: Deps, now: datetime) -> tuple[str, datetime, datetime] | None:
    """The report's once-key and week when it is due (a Monday, from the digest time on) and not yet sent."""
    digest_at = deps.escalator.digest_at
    local = now.astimezone(deps.settings.tz)
    if digest_at is None or local.weekday() != 0 or local.time() < digest_at:
        return None
    week = local.isocalendar()
    key = f"weekly:{week.year}-W{week.week:02d}"
    if deps.store.once_recorded(key=key):
        return None
    start, end = last_week(now, deps.settings.tz)
    return key, start, end


async def weekly_report(deps: Deps) -> bool:
    """Post the weekly report once. The orders are fetched before any transaction opens (searchOrders allows one
    request every three minutes); if they cannot be had the report says why and goes without them. A report that
    fails to be queued is tried again at the next run, and told in the channel after the second failure."""
    now = deps.clock.now()
    due = await deps.store.run(weekly_due, deps, now)
    if due is None:
        return False
    key, start, end = due
    try:
        window = await orders_window(deps.order_search, deps.settings, deps.store, start, end)
        if deps.accounts.several:  # the orders searched are the first account's: so are the claims counted
            window = dataclasses.replace(window, first_account_only=True)
    except Exception as e:  # a bug in the search must not cost the team its report
        log.exception("the weekly report's orders failed")
        window = OrdersWindow.unknown(f"the order search failed: {type(e).__name__}")
    week = key.split(":", 1)[1]

    failed: dict[str, object] = {}
    try:  # built before it is queued: a report that cannot be built is said once, not rebuilt (and searched) all day
        weekly: dict[str, object] | None = await deps.store.run(
            report, deps.store, start, end, deps.settings.tz, orders=window
        )
    except Exception as e:
        log.exception("the weekly report %s could not be built", week)
        weekly = None
        failed = {"job": f"weekly:{week}", "error": f"{type(e).__name__}: {e}"[:300], "retried": False}

    def post() -> None:
        if weekly is None:
            deps.escalator.post(
                "note", None, deps.settings.slack_channel, f"weekly:{week}", {"job_failed": failed}
            )
            return
        deps.escalator.post("note", None, deps.settings.slack_channel, f"weekly:{week}", {"weekly": weekly})

    sent = await deps.store.run(deps.escalator.daily, key, now, post)
    if sent:
        log.info("weekly report %s queued", week)
    return sent
