"""The evidence for an A-to-z appeal or a chargeback response, gathered into one text, posted and uploaded.

One text holds what Amazon asks for: the order with its purchase and promised delivery dates, each package with its
carrier, number, every scan the carrier reports with its time and the proof of delivery where the carrier gives one,
and every message received and sent about the order, with times, oldest first. It is kept in the store (personal
data, purged with its conversation), posted in the claim's thread and uploaded there as `claim-<order>.txt`, both
through the outbox (the file with the photos' exactly-once upload, bot/workers/photos.py). A PDF is not made: a
text file is what Seller Central's appeal form takes as an attachment as readily.

The store keeps only a package's last scan, so the scans come from a live lookup at the carrier when the button is
pressed; where that fails, the last stored scan stands in and the text says why. Buyer text goes only to the team's
channel; the log names counts, never words.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cards.card import NOTICE_TITLES, PostKind
from bot.cards.claims import evidence_filename, evidence_label
from bot.cards.order import CARRIER_NAMES, STATUS_TEXT
from bot.clock.clocks import Clock
from bot.errors import Refusal
from bot.services.amazon import Order
from bot.services.carriers.detect import marketplace_country
from bot.services.carriers.model import Event, Status, Tracking, parse_time
from bot.services.carriers.tracker import Tracker
from bot.settings import Settings
from bot.store.claims import CLAIM_TYPES
from bot.store.store import Row, Store, parse_iso

log = logging.getLogger(__name__)

COOLDOWN = timedelta(
    seconds=60
)  # a second press within this shows the copy just posted instead of asking carriers again
INDENT = "    "
LAST = datetime(9999, 1, 1, tzinfo=UTC)  # a message without a time goes last


class Evidence:
    """Gathers a claim's evidence when a person asks, keeps it, and queues its thread note and file."""

    def __init__(
        self, settings: Settings, store: Store, clock: Clock, *, tracker: Tracker, wake: Callable[[], None]
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.tracker = tracker
        self.wake = wake
        self._gathering: set[int] = set()  # claims whose evidence is being gathered right now

    async def collect(self, conv: Row, *, user: str) -> int:
        """Gather the evidence for a claim notice, keep it and queue its note and file; the evidence's id."""
        if conv.get("kind") != "notice" or conv.get("notice_type") not in CLAIM_TYPES:
            raise Refusal("Evidence is gathered for A-to-z claims and chargebacks only.")
        conv_id = int(conv["id"])
        last = await self.store.run(self.store.latest_evidence, conversation_id=conv_id)
        since = parse_iso(last["created_at"]) if last else None
        if conv_id in self._gathering or (since is not None and self.clock.now() - since < COOLDOWN):
            raise Refusal(
                "The evidence was asked for a moment ago: it appears in the thread. For a fresh copy, press again "
                "in a minute."
            )
        self._gathering.add(conv_id)
        try:
            text = await self.gather(conv, user=user)
        finally:
            self._gathering.discard(conv_id)
        evidence_id = await self.store.run(self._keep, conv, text, user)
        self.wake()
        log.info(
            "claim %d: evidence %d gathered by %s (%d characters)", conv_id, evidence_id, user, len(text)
        )
        return evidence_id

    def _keep(self, conv: Row, text: str, user: str) -> int:
        """The evidence kept, its thread note and file queued, in one transaction; its id."""
        conv_id = int(conv["id"])
        filename = evidence_filename(conv.get("order_id"), conv_id)
        channel = conv.get("slack_channel") or self.settings.slack_channel
        with self.store.transaction():
            evidence_id = self.store.add_evidence(
                conversation_id=conv_id, order_id=conv.get("order_id"), text=text, by=user
            )
            label = evidence_label(conv.get("notice_type"))
            for kind, key, payload in (
                (PostKind.THREAD, f"evidence:{evidence_id}", {"evidence": evidence_id, "filename": filename}),
                (
                    PostKind.FILE,
                    f"evidence-file:{evidence_id}",
                    {"evidence": evidence_id, "filename": filename, "comment": f":page_facing_up: {label}"},
                ),
            ):
                self.store.enqueue(
                    kind=kind.value,
                    dedupe_key=key,
                    due_by=conv.get("deadline"),
                    conversation_id=conv_id,
                    message_row=None,
                    channel=channel,
                    payload=payload,
                )
        return evidence_id

    async def gather(self, conv: Row, *, user: str) -> str:
        """The evidence as one plain text, times in the team's timezone."""
        order_id = conv.get("order_id")
        order = await self.store.run(self._order, order_id)
        title = NOTICE_TITLES.get(str(conv.get("notice_type")), "Notice from Amazon")
        head = [
            f"{evidence_label(conv.get('notice_type'))}: {title}, order {order_id or '(not named in the notice)'}",
            f"Gathered {self._when(self.clock.now())} by Slack user {user}. Times are {self.settings.tz.key} time.",
        ]
        received = parse_iso(conv.get("opened_at"))
        if received is not None:
            head.append(f"Claim received {self._when(received)}.")
        sections = [
            head,
            self._order_lines(order_id, order),
            await self._shipping_lines(order_id, order),
            await self.store.run(self._message_lines, conv),
        ]
        return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"

    def _when(self, when: datetime | None) -> str:
        """'Tue 24 Nov 2026 14:03 CET' in the team's timezone (a file is read anywhere, so with its year)."""
        if when is None:
            return "(time unknown)"
        local = when.astimezone(self.settings.tz)
        return f"{local:%a %d %b %Y %H:%M} {local.tzname()}"

    def _order(self, order_id: str | None) -> Order | None:
        row = self.store.order_row(order_id=order_id) if order_id else None
        return Order.from_json(json.loads(row["data"])) if row and row.get("data") else None

    def _order_lines(self, order_id: str | None, order: Order | None) -> list[str]:
        lines = ["ORDER"]
        if order is None:
            why = (self.store.order_row(order_id=order_id) or {}).get("error") if order_id else None
            lines.append(
                "Order details are not available"
                + (f" ({why})" if why else " (the SP-API is not connected, or the order was not fetched yet)")
                + ": take the dates from Seller Central."
            )
            return lines
        lines.append(f"Order id: {order.order_id}")
        if order.marketplace:
            lines.append(f"Marketplace: {order.marketplace}")
        lines.append(f"Fulfilled by: {'Amazon (FBA)' if order.channel == 'FBA' else 'the seller (FBM)'}")
        for name, value in (
            ("Purchased", order.purchase_date),
            ("Promised delivery by", order.latest_delivery),
        ):
            lines.append(
                f"{name}: {self._when(parse_time(value)) if parse_time(value) else '(not given by Amazon)'}"
            )
        if order.status:
            lines.append(f"Order status: {order.status}")
        for item in order.items:
            codes = ", ".join(f"{k} {v}" for k, v in (("ASIN", item.asin), ("SKU", item.sku)) if v)
            lines.append(f"Item: {item.quantity} x {item.title}" + (f" ({codes})" if codes else ""))
        if order.total:
            lines.append(f"Total: {order.total}")
        return lines

    async def _shipping_lines(self, order_id: str | None, order: Order | None) -> list[str]:
        packages = await self.store.run(self.store.packages, order_id=order_id) if order_id else []
        rows = {str(r["tracking_number"]): r for r in packages}
        shipped = {p.tracking_number: p for p in (order.packages if order else []) if p.tracking_number}
        numbers = list(dict.fromkeys([*shipped, *rows]))
        lines = ["SHIPPING AND TRACKING"]
        if not numbers:
            lines.append("No package with a tracking number is known for this order.")
            return lines
        country = marketplace_country(order.marketplace if order else None)
        lookups = await asyncio.gather(
            *(
                self._track(n, rows.get(n) or {}, shipped[n].carrier if n in shipped else None, country)
                for n in numbers
            )
        )
        for n, (number, live) in enumerate(zip(numbers, lookups, strict=True), start=1):
            row, package = rows.get(number) or {}, shipped.get(number)
            carrier = live.carrier if live.carrier != "unknown" else str(row.get("carrier") or "unknown")
            name = CARRIER_NAMES.get(carrier, (package.carrier if package else None) or carrier)
            service = f" ({package.service})" if package and package.service else ""
            ship = parse_time(package.ship_time) if package else None
            lines.append(
                f"Package {n}: {name} {number}{service}" + (f", shipped {self._when(ship)}" if ship else "")
            )
            lines += self._package_lines(live, row)
        return lines

    async def _track(
        self, number: str, row: Row, amazon_carrier: str | None, country: str | None
    ) -> Tracking:
        """The carrier's live answer for one package (a lookup that broke is logged and told as its error)."""
        known = row.get("carrier")
        try:
            return await self.tracker.track(
                number,
                carrier=known if known not in (None, "unknown") else None,
                carrier_name=row.get("amazon_carrier") or amazon_carrier,
                country=country,
            )
        except Exception as e:
            log.exception("evidence: tracking %s failed", number)
            return Tracking(
                known or "unknown", number, error=f"{type(e).__name__}: {e}", link=row.get("link")
            )

    def _package_lines(self, live: Tracking, row: Row) -> list[str]:
        stored = Event.from_json(json.loads(row["last_event"])) if row.get("last_event") else None
        usable = live.error is None and live.provider is not None  # a live answer from a tracking service
        status = live.status if usable else Status(row.get("status") or "unknown")
        lines = [f"{INDENT}Status: {STATUS_TEXT[status][1]}"]
        if status is Status.DELIVERED:
            proof = live.proof if usable else None
            lines.append(
                f"{INDENT}Proof of delivery: "
                + (proof or "none in the carrier's tracking answer (the carrier can provide one on request)")
            )
        link = live.link or row.get("link")
        if link:
            lines.append(f"{INDENT}Tracking page: {link}")
        events = sorted(
            live.events if usable else [],
            key=lambda e: e.time.timestamp() if e.time else float("inf"),
        )
        if not events:
            if live.error:
                lines.append(f"{INDENT}Live tracking unavailable ({live.error}); the last scan the bot saw:")
            elif not usable:
                lines.append(
                    f"{INDENT}No tracking service is set up for this carrier; the last scan the bot saw:"
                )
            else:
                lines.append(f"{INDENT}The carrier lists its latest scan only:")
            latest = (live.last_event if usable else None) or stored
            events = [latest] if latest else []
        else:
            lines.append(f"{INDENT}Scans, oldest first:")
        for e in events:
            where = f"  {e.location}" if e.location else ""
            lines.append(f"{INDENT * 2}{self._when(e.time)}{where}  {e.description}")
        if not events:
            lines.append(f"{INDENT * 2}(none yet)")
        return lines

    def _message_lines(self, conv: Row) -> list[str]:
        order_id = conv.get("order_id")
        convs = self.store.conversations_for_order(order_id=order_id) if order_id else [conv]
        entries: list[tuple[str, int, list[str]]] = []  # (time, order of arrival, lines)
        for c in convs:
            if c.get("kind") not in ("buyer", "notice"):
                continue
            # a send the bot made is stored as a message too (the mailer's copy, under the send's Message-ID)
            sends = {
                str(s["message_id"]): s for s in self.store.sends(conversation_id=int(c["id"]), state="sent")
            }
            for m in self.store.conversation_messages(conversation_id=int(c["id"])):
                send = sends.pop(str(m.get("message_id")), None)
                entries.append((str(m.get("received_at") or ""), len(entries), self._message(m, send)))
            for s in sends.values():  # sent, its copy not kept
                entries.append((str(s.get("sent_at") or ""), len(entries), self._message({}, s)))
        lines = ["MESSAGES ABOUT THIS ORDER (oldest first)"]
        if not entries:
            lines.append("None: the buyer has not written and nothing was sent through the bot.")
        for _, _, block in sorted(entries, key=lambda e: (parse_iso(e[0]) or LAST, e[1])):
            lines += ["", *block]
        return lines

    def _message(self, m: Row, send: Row | None) -> list[str]:
        """One message (or a send without its stored copy) with its time, who wrote it, and its words."""
        when = self._when(parse_iso(m.get("received_at") or (send or {}).get("sent_at")))
        if send is not None:
            channel = str(send.get("channel") or "email")
            way = (
                "by e-mail to the buyer's Amazon relay address"
                if channel == "email"
                else f"through Amazon ({channel})"
            )
            who = f"Seller to buyer, sent by Slack user {send.get('by_user')} {way}"
        elif m.get("kind") == "confirmation":
            who = "Seller to buyer (Amazon's copy of a reply sent in Seller Central)"
        elif m.get("direction") == "out":
            who = "Seller to buyer"
        elif m.get("kind") == "amazon_notice":
            who = f"Amazon notice: {NOTICE_TITLES.get(str(m.get('notice_type')), 'notice')}"
        else:
            who = "Buyer to seller"
        lines = [f"[{when}] {who}"]
        if m.get("subject"):
            lines.append(f"Subject: {m['subject']}")
        names = _names(m.get("attachments"), "filename") + _names((send or {}).get("attachments"), "path")
        if names:
            lines.append("Attachments: " + ", ".join(names))
        text = m.get("text") if m else (send or {}).get("text")
        return lines + _body(text, purged=bool(m.get("purged_at")))


def _names(attachments: str | None, field: str) -> list[str]:
    """The file names in a stored attachment list (a mail's by `filename`, a send's by `path`)."""
    try:
        items = json.loads(attachments or "[]")
    except ValueError:
        return []
    return [Path(str(a[field])).name for a in items if isinstance(a, dict) and a.get(field)]


def _body(text: str | None, *, purged: bool) -> list[str]:
    """A message's words, indented; or why there are none."""
    if not text:
        return [f"{INDENT}(text removed after the retention period)" if purged else f"{INDENT}(no text)"]
    return [f"{INDENT}{line}".rstrip() for line in text.strip().splitlines()]
