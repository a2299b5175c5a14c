"""Account health for the weekly report: A-to-z claims and chargebacks per 100 orders, how notices ended, the valid
tracking rate as Amazon defines it, and handling time per person (docs/report.md: the definitions and their sources).

Orders and shipped packages come from SP-API `searchOrders` (`OrdersWindow`, fetched before the report is built, never
inside a store transaction); everything else from the store.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.cards.card import percent
from bot.errors import UpstreamError
from bot.mail.patterns import MARKETPLACE_IDS
from bot.services.amazon import SpApi
from bot.services.amazon_search import FoundOrder, OrderSearch, ShippedPackage
from bot.services.carriers.model import Status
from bot.services.regions import in_region
from bot.settings import Settings
from bot.store.store import Row, Store, parse_iso

log = logging.getLogger(__name__)

# The notice types counted against orders, and their names in the report.
CLAIM_TYPES = {"a_to_z_claim": "a_to_z_claims", "chargeback": "chargebacks"}
MARKETPLACE_OF_DOMAIN = {domain: mid for mid, domain in MARKETPLACE_IDS.items()}
# What our carrier lookups store only once a carrier has scanned the parcel (a label alone is `label_created`).
SCANNED = {
    s.value
    for s in (Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY, Status.DELIVERED, Status.EXCEPTION, Status.RETURNED)
}
# Amazon's package states that come from the carrier's network (the model's descriptions: "movement within carrier
# network", "collected by carrier", …); SHIPPED is only the seller's confirmation, PENDING_* is before the carrier.
AMAZON_SCANNED = {"IN_TRANSIT", "DELIVERED", "UNDELIVERABLE"}
AMAZON_SCANNED_DETAIL = {
    "PICKED_UP",
    "DROPPED_OFF",
    "AT_ORIGIN_FC",
    "AT_DESTINATION_FC",
    "OUT_FOR_DELIVERY",
    "DELIVERED",
    "REJECTED_BY_BUYER",
    "UNDELIVERABLE",
    "RETURNING_TO_SELLER",
    "RETURNED_TO_SELLER",
    "DAMAGED",
}
NOT_SHIPPED = {"CANCELLED", "PENDING"}


@dataclass(frozen=True)
class OrdersWindow:
    """What searchOrders said for a report window (`orders` None: not known, `error` says why)."""

    marketplaces: tuple[str, ...]  # the marketplace ids searched
    orders: tuple[FoundOrder, ...] | None
    error: str | None = None
    first_account_only: bool = (
        False  # several Amazon accounts: the orders are the first account's, so are its claims
    )

    @classmethod
    def unknown(cls, why: str) -> OrdersWindow:
        """No orders: SP-API is not configured, or the search failed (why)."""
        return cls((), None, why)


def marketplaces_for(settings: Settings, store: Store, since: datetime, until: datetime) -> list[str]:
    """The marketplace ids to search: the main one, and those the window's mails came from (in the same region)."""
    ids = [settings.sp_api_marketplace_id]
    for domain in store.marketplaces_between(since=since, until=until):
        mid = MARKETPLACE_OF_DOMAIN.get(domain)
        if mid and mid not in ids and in_region(mid, settings.sp_api_region):
            ids.append(mid)
    return ids


async def orders_window(
    search: OrderSearch | None, settings: Settings, store: Store, since: datetime, until: datetime
) -> OrdersWindow:
    """The orders created or shipped in [since, until) from searchOrders; a failure is logged and said, not raised."""
    if search is None:
        return OrdersWindow.unknown("no SP-API")
    ids = marketplaces_for(settings, store, since, until)
    try:
        orders = await search.updated_since(since, ids)
    except UpstreamError as e:
        log.error("the report's orders since %s could not be had from SP-API: %s", since.isoformat(), e)
        return OrdersWindow(tuple(ids), None, str(e))
    return OrdersWindow(tuple(ids), tuple(orders))


def account_health(
    store: Store, since: datetime, until: datetime, window: OrdersWindow | None
) -> dict[str, Any]:
    """Claims and chargebacks (per 100 orders when the orders are known), outcomes, valid tracking, handling times."""
    window = window or OrdersWindow.unknown("no SP-API")
    domains = [MARKETPLACE_IDS.get(m, m) for m in window.marketplaces]
    orders = (
        None
        if window.orders is None
        else sum(1 for o in window.orders if o.created and since <= o.created < until)
    )
    out: dict[str, Any] = {
        "orders": orders,
        "orders_unknown": window.error if orders is None else None,
        "marketplaces": domains,
    }
    for notice_type, name in CLAIM_TYPES.items():
        claimed = claimed_orders(
            store, since, until, notice_type, first_account_only=window.first_account_only
        )
        counted = {key for key, domain in claimed.items() if domain is None or domain in domains}
        out[name] = len(claimed)
        out[f"{name}_per_100"] = round(len(counted) * 100 / orders, 2) if orders else None
        if orders is not None and len(counted) < len(claimed):
            out[f"{name}_elsewhere"] = len(claimed) - len(counted)  # from marketplaces not searched
    out["outcomes"] = store.outcomes_between(since=since, until=until)
    out["valid_tracking"] = (
        None if window.orders is None else valid_tracking(store, window.orders, since, until)
    )
    out["handling"] = handling_times(store, since, until)
    return out


def claimed_orders(
    store: Store, since: datetime, until: datetime, notice_type: str, *, first_account_only: bool = False
) -> dict[str, str | None]:
    """Orders with a notice of this type received in the window (Amazon counts orders, not mails), with their
    marketplace; a notice without an order id counts on its own. Of the first Amazon account only, when asked."""
    claimed: dict[str, str | None] = {}
    for row in store.notices_between(since=since, until=until, types=[notice_type]):
        if first_account_only and row.get("account") is not None:
            continue
        key = row["order_id"] or f"notice:{row['id']}"
        claimed[key] = claimed.get(key) or row["marketplace"]
    return claimed


def verdict(package: ShippedPackage, lookup: Row | None) -> str:
    """valid_carrier, valid_amazon, no_scan, no_tracking or unchecked: whether the package had a carrier scan."""
    if not package.tracking_number:
        return "no_tracking"
    if lookup is not None and lookup.get("status") in SCANNED:
        return "valid_carrier"  # a failed later lookup keeps the last status: a scan was seen
    if package.status in AMAZON_SCANNED or package.detailed_status in AMAZON_SCANNED_DETAIL:
        return "valid_amazon"
    if (
        lookup is not None
        and lookup.get("checked_at")
        and lookup.get("provider")
        and (not lookup.get("error") or str(lookup["error"]).startswith("not found"))
    ):
        return "no_scan"  # the carrier answered: no scan, or no such number
    return "unchecked"  # never looked up, no provider for the carrier, or the lookup failed


def valid_tracking(
    store: Store, orders: Sequence[FoundOrder], since: datetime, until: datetime
) -> dict[str, Any]:
    """Amazon's valid tracking rate over the seller-fulfilled packages shipped in the window: the share with at least
    one carrier scan, over the packages whose answer is known (`unchecked` ones are counted apart)."""
    shipped = [
        p
        for o in orders
        if o.fulfilled_by != "AMAZON"
        for p in o.packages
        if p.ship_time
        and since <= p.ship_time < until
        and p.status not in NOT_SHIPPED
        and p.detailed_status != "LABEL_CANCELLED"
    ]
    lookups = store.package_lookups(
        tracking_numbers=[p.tracking_number for p in shipped if p.tracking_number]
    )
    counts = dict.fromkeys(("valid_carrier", "valid_amazon", "no_scan", "no_tracking", "unchecked"), 0)
    for p in shipped:
        counts[verdict(p, lookups.get(p.tracking_number or ""))] += 1
    valid = counts["valid_carrier"] + counts["valid_amazon"]
    known = valid + counts["no_scan"] + counts["no_tracking"]
    return {
        "shipped": len(shipped),
        "valid": valid,
        "checked": known,
        **counts,
        "rate": round(valid / known, 3) if known else None,
    }


def handling_times(store: Store, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Per person who sent replies in the window: how many, and the median minutes from taking the conversation (or,
    not taken, from opening the first reply to it) to pressing Send; most sends first."""
    minutes: dict[str, list[float]] = {}
    unmeasured: dict[str, int] = {}
    for row in store.handled_sends(since=since, until=until):
        user = str(row["by_user"])
        pressed, start = parse_iso(row["pressed"]), parse_iso(row["claimed"] or row["drafted"])
        minutes.setdefault(user, [])
        if pressed is None or start is None:
            unmeasured[user] = unmeasured.get(user, 0) + 1
            continue
        minutes[user].append(max(0.0, (pressed - start).total_seconds() / 60))
    people = [
        {
            "user": user,
            "sends": len(values) + unmeasured.get(user, 0),
            "median_minutes": round(statistics.median(values)) if values else None,
            "unmeasured": unmeasured.get(user, 0),
        }
        for user, values in minutes.items()
    ]
    return sorted(people, key=lambda p: (-p["sends"], p["user"]))


def health_lines(h: dict[str, Any]) -> list[str]:
    """The account health section as plain lines (the command line; Slack draws its own in bot/cards/clock.py)."""
    orders = h.get("orders")
    lines = [
        f"Orders: {orders} ({', '.join(h.get('marketplaces') or [])})"
        if orders is not None
        else f"Orders: unknown ({h.get('orders_unknown') or 'no SP-API'})"
    ]
    for name, label in (("a_to_z_claims", "A-to-z claims"), ("chargebacks", "Chargebacks")):
        per = h.get(f"{name}_per_100")
        lines.append(f"{label}: {h.get(name, 0)}" + (f" ({per} per 100 orders)" if per is not None else ""))
    outcomes = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in (h.get("outcomes") or {}).items())
    lines.append(f"Outcomes: {outcomes or '—'}")
    vt = h.get("valid_tracking")
    if vt is None:
        lines.append("Valid tracking rate: unknown (needs the orders)")
    else:
        lines.append(
            f"Valid tracking rate: {percent(vt['rate'])} ({vt['valid']} of {vt['checked']} checked seller-fulfilled "
            f"packages had a carrier scan; {vt['unchecked']} of {vt['shipped']} shipped unchecked)"
        )
    for p in h.get("handling") or []:
        median = f"median {p['median_minutes']} min" if p["median_minutes"] is not None else "no start known"
        lines.append(f"Handling time {p['user']}: {median} over {p['sends']} send(s)")
    return lines


async def cli_window(settings: Settings, store: Store, since: datetime, until: datetime) -> OrdersWindow:
    """The orders window for `inbox-bot report`: its own SP-API connection, closed after the search."""
    if not settings.sp_api_enabled:
        return OrdersWindow.unknown("no SP-API")
    api = SpApi(settings)
    try:
        return await orders_window(OrderSearch(api), settings, store, since, until)
    finally:
        await api.aclose()
