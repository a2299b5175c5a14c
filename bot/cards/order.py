"""Block Kit for the order and its packages on a card: pure functions from stored data to blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.cards.card import CardTime, escape, slack_date, truncate
from bot.cards.ids import ActionId
from bot.services.amazon import Order
from bot.services.carriers.model import Status, Tracking, parse_time

MAX_PACKAGES = 5
MAX_ITEMS = 5

STATUS_TEXT = {
    Status.LABEL_CREATED: (":label:", "Label created"),
    Status.IN_TRANSIT: (":truck:", "In transit"),
    Status.OUT_FOR_DELIVERY: (":package:", "Out for delivery"),
    Status.DELIVERED: (":white_check_mark:", "Delivered"),
    Status.EXCEPTION: (":warning:", "Problem reported by the carrier"),
    Status.RETURNED: (":leftwards_arrow_with_hook:", "Returned to sender"),
    Status.UNKNOWN: (":grey_question:", "No tracking yet"),
}
CARRIER_NAMES = {
    "dhl": "DHL",
    "dpd": "DPD",
    "gls": "GLS",
    "hermes": "Hermes",
    "ups": "UPS",
    "fedex": "FedEx",
    "usps": "USPS",
    "amazon": "Amazon Logistics",
    "royalmail": "Royal Mail",
}


@dataclass(frozen=True)
class OrderView:
    """What the card knows about a conversation's order right now."""

    order_id: str
    order: Order | None = None
    packages: list[Tracking] = field(default_factory=list)
    error: str | None = None
    not_found: bool = False
    pending: bool = False  # a lookup is under way (the card went first)
    configured: bool = True  # SP-API credentials exist
    checked_at: datetime | None = None  # the last tracking lookup of any of its packages


def seller_central_link(order_id: str, site: str | None) -> str:
    """The order's page in Seller Central."""
    domain = (site or "amazon.com").removeprefix("amazon.")
    return f"https://sellercentral.amazon.{domain}/orders-v3/order/{order_id}"


def _when(value: datetime | None, at: CardTime) -> str:
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return slack_date(value, at.tz) if value else ""


def package_text(t: Tracking, at: CardTime) -> str:
    """One package line: carrier, number, status, last scan and expected delivery."""
    icon, label = STATUS_TEXT[t.status]
    carrier = CARRIER_NAMES.get(t.carrier, t.carrier.upper() if t.carrier != "unknown" else "Carrier unknown")
    lines = [f"{icon} *{escape(carrier)}* `{escape(t.tracking_number)}` — *{label}*"]
    if t.last_event:
        where = f" ({escape(t.last_event.location)})" if t.last_event.location else ""
        when = f", {_when(t.last_event.time, at)}" if t.last_event.time else ""
        lines.append(f"{escape(truncate(t.last_event.description, 300))}{where}{when}")
    if t.estimated_delivery and t.status not in (Status.DELIVERED, Status.RETURNED):
        lines.append(f"Expected {_when(t.estimated_delivery, at)}")
    if t.error:
        lines.append(f":warning: _Tracking unavailable, retrying ({escape(truncate(t.error, 200))})_")
    elif t.provider is None:
        lines.append("_No live tracking configured for this carrier: use the link._")
    return "\n".join(lines)


def order_blocks(
    view: OrderView,
    at: CardTime,
    *,
    conversation_id: int | None = None,
    templates: list[tuple[str, str]] | None = None,
) -> list[dict[str, Any]]:
    """The order section of a card: items, total, channel, packages with links, a refresh button, and (given the
    templates as (key, label)) a menu to message the buyer first."""
    blocks: list[dict[str, Any]] = []
    order = view.order
    if order is not None:
        head = f"*Order* `{escape(order.order_id)}` · {order.channel}"
        if order.status:
            head += f" · {escape(order.status.replace('_', ' ').capitalize())}"
        if order.total:
            head += f" · {escape(str(order.total))}"
        items = [f"• {i.quantity} × {escape(truncate(i.title, 120))}" for i in order.items[:MAX_ITEMS]]
        if len(order.items) > MAX_ITEMS:
            items.append(f"• … and {len(order.items) - MAX_ITEMS} more")
        bought = parse_time(order.purchase_date)
        when = f"\nOrdered {_when(bought, at)}" if bought else ""
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": truncate(head + when + "\n" + "\n".join(items), 3000)},
            }
        )
        if order.channel == "FBA":
            blocks.append(
                _context(
                    "Fulfilled by Amazon: Amazon ships it and answers delivery questions; tracking is in Seller Central."
                )
            )
    elif view.not_found:
        blocks.append(
            _context(
                f":x: Amazon does not know order `{escape(view.order_id)}` in this seller account: check the number with the buyer."
            )
        )
    elif not view.configured:
        blocks.append(_context("Order details appear here once the SP-API is connected (see the README)."))
    elif view.pending:
        blocks.append(_context(":hourglass_flowing_sand: Fetching the order and its tracking…"))
    if view.error and not view.not_found:
        blocks.append(
            _context(f":warning: Order details unavailable, retrying ({escape(truncate(view.error, 300))})")
        )
    for n, t in enumerate(view.packages[:MAX_PACKAGES]):
        section: dict[str, Any] = {
            "type": "section",
            "text": {"type": "mrkdwn", "text": truncate(package_text(t, at), 3000)},
        }
        if t.link:
            section["accessory"] = {
                "type": "button",
                "action_id": f"{ActionId.OPEN_TRACKING}:{n}",
                "text": {"type": "plain_text", "text": "Track", "emoji": True},
                "url": t.link[:3000],
            }
        blocks.append(section)
    if len(view.packages) > MAX_PACKAGES:
        blocks.append(_context(f"… and {len(view.packages) - MAX_PACKAGES} more package(s)"))
    if view.checked_at and view.packages:
        blocks.append(_context(f"Tracking checked {_when(view.checked_at, at)}"))
    buttons: list[dict[str, Any]] = []
    if conversation_id is not None and view.configured:
        buttons.append(
            {
                "type": "button",
                "action_id": ActionId.REFRESH_ORDER.value,
                "text": {"type": "plain_text", "text": "Refresh order & tracking", "emoji": True},
                "value": str(conversation_id),
            }
        )
    if conversation_id is not None and templates is not None:
        options = [("blank", "Blank message"), *templates][:100]
        buttons.append(
            {
                "type": "static_select",
                "action_id": ActionId.MESSAGE_BUYER.value,
                "placeholder": {"type": "plain_text", "text": "Message the buyer…"},
                "options": [
                    {"text": {"type": "plain_text", "text": truncate(label, 75)}, "value": key[:150]}
                    for key, label in options
                ],
            }
        )
    site = order.marketplace if order else None
    buttons.append(
        {
            "type": "button",
            "action_id": ActionId.OPEN_ORDER.value,
            "text": {"type": "plain_text", "text": "Open in Seller Central", "emoji": True},
            "url": seller_central_link(view.order_id, site),
        }
    )
    blocks.append({"type": "actions", "block_id": "order_actions", "elements": buttons})
    return blocks


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text, 2000)}]}


def evidence_blocks(view: OrderView, at: CardTime) -> list[dict[str, Any]]:
    """What an A-to-z or chargeback response needs: dates, carrier, tracking status and link, in one place."""
    order = view.order
    lines: list[str] = []
    if order is not None:
        # a date Amazon sent garbled is left out rather than shown blank
        for name, value in (
            ("Ordered", order.purchase_date),
            ("Promised delivery by", order.latest_delivery),
        ):
            if (date := parse_time(value)) is not None:
                lines.append(f"{name} {_when(date, at)}")
    for pkg in (order.packages if order else [])[:MAX_PACKAGES]:
        if pkg.ship_time:
            lines.append(
                f"Shipped {_when(parse_time(pkg.ship_time), at)} with {escape(pkg.carrier or 'carrier unknown')} `{escape(pkg.tracking_number or '—')}`"
            )
    for t in view.packages[:MAX_PACKAGES]:
        label = STATUS_TEXT[t.status][1]
        when = f" ({_when(t.last_event.time, at)})" if t.last_event and t.last_event.time else ""
        link = f" <{t.link}|tracking page>" if t.link else ""
        lines.append(f"Carrier status: *{label}*{when}{link}")
    if not lines:
        lines.append(
            "_No order or tracking data yet: connect the SP-API or add the tracking number in Seller Central._"
        )
    text = "*Evidence for your response*\n" + "\n".join(f"• {line}" for line in lines)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}]
