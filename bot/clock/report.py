"""The weekly report: response times, Late Response Rate, breaches by hour and weekday, intents, account health."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, tzinfo
from typing import Any

from bot.clock.digest import late_response_rate, response_minutes, responses
from bot.clock.health import OrdersWindow, account_health, health_lines
from bot.mail.intents import classify
from bot.store.store import Store, iso

log = logging.getLogger(__name__)

BUCKETS = [("under 1 h", 1), ("1–4 h", 4), ("4–12 h", 12), ("12–24 h", 24)]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def report(
    store: Store, since: datetime, until: datetime, tz: tzinfo, *, orders: OrdersWindow | None = None
) -> dict[str, Any]:
    """Everything a seller watches for account health in the window: buyer messages received and answered, and the
    account health section (with the window's orders from searchOrders when `orders` has them)."""
    items = [i for i in responses(store, since) if i["received"] < until]
    distribution = {name: 0 for name, _ in BUCKETS} | {
        "over 24 h": 0,
        "unanswered": 0,
        "no response needed": 0,
    }
    minutes: list[float] = []
    for i in items:
        if i["no_response"]:
            distribution["no response needed"] += 1
            continue
        if i["answered"] is None:
            distribution["unanswered"] += 1
            continue
        hours = (i["answered"] - i["received"]).total_seconds() / 3600
        minutes.append(hours * 60)
        bucket = next((name for name, limit in BUCKETS if hours < limit), "over 24 h")
        distribution[bucket] += 1
    now = min(until, store.clock.now())
    breaches = [
        i
        for i in items
        if not i["no_response"]
        and i["deadline"] <= now
        and (i["answered"] is None or i["answered"] > i["deadline"])
    ]
    by_hour = {h: 0 for h in range(24)}
    by_weekday = {d: 0 for d in WEEKDAYS}
    for b in breaches:
        local = b["deadline"].astimezone(tz)
        by_hour[local.hour] += 1
        by_weekday[WEEKDAYS[local.weekday()]] += 1
    days = max(1, round((until - since).total_seconds() / 86400))
    return {
        "since": iso(since),
        "until": iso(until),
        "messages": len(items),
        "response_time": distribution,
        **response_minutes(minutes),
        "late_response_rate": late_response_rate(items, now, days),
        "breaches": len(breaches),
        "breaches_by_hour": by_hour,
        "breaches_by_weekday": by_weekday,
        "messages_by_intent": intents(store, since, until),
        "health": account_health(store, since, until, orders),
    }


def intents(store: Store, since: datetime, until: datetime) -> dict[str, int]:
    """Buyer messages by intent (kept from intake, so it survives the retention purge)."""
    counts: dict[str, int] = {}
    for row in store.buyer_messages_since(since=since, until=until):
        text, order_id, topic, stored = row["text"], row["order_id"], row["topic"], row["intent"]
        intent = stored or (
            classify(text, topic=topic, has_order=bool(order_id), explain=False).intent if text else "unknown"
        )
        counts[intent] = counts.get(intent, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def text(data: dict[str, Any]) -> str:
    """The report as plain text (`inbox-bot report` without --json)."""
    lines = [
        f"{data['messages']} buyer messages, {data['breaches']} answered late or not at all",
        f"Late Response Rate: {data['late_response_rate']}",
        *(f"  {bucket:>20}: {count}" for bucket, count in data["response_time"].items()),
        "Account health:",
        *(f"  {line}" for line in health_lines(data["health"])),
    ]
    return "\n".join(lines)


def last_week(now: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
    """Monday 00:00 to Monday 00:00 of the week before `now`, in the team's timezone."""
    local = now.astimezone(tz)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday - timedelta(days=7), monday
