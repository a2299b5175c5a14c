"""Parcels in trouble: a package that goes into exception, turns back to the sender, or has had no scan for days
gets a note in the thread of every card about its order, with the message to write before the buyer asks.

Once per change: the note's key names the package, its status and when that status (or its last scan) came, so a
redraw, a restart or the next sweep never repeats it, and a new change gets a new note.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from bot.clock.clocks import Clock
from bot.clock.escalation import Post
from bot.services.carriers.model import Status
from bot.settings import Settings
from bot.settings_values import per_carrier
from bot.store.store import Row, Store, parse_iso

log = logging.getLogger(__name__)

# status → (the template to suggest, what happened in words)
TROUBLE = {
    Status.EXCEPTION.value: ("late_or_lost", "has a problem at the carrier"),
    Status.RETURNED.value: ("returned_to_sender", "is on its way back to you"),
}


class ParcelWatch:
    """Notes about parcels in trouble, in the threads of the cards about their orders."""

    def __init__(self, settings: Settings, store: Store, clock: Clock, *, post: Post) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.post = post

    def order_changed(self, order_id: str) -> int:
        """After a lookup: a note for each package of the order that went into exception or back; how many."""
        count = 0
        for package in self.store.packages(order_id=order_id):
            trouble = TROUBLE.get(str(package.get("status")))
            if trouble is not None:
                since = package.get("changed_at") or package.get("checked_at") or ""
                count += self._note(
                    package, str(package["status"]), since, template=trouble[0], what=trouble[1]
                )
        return count

    def tick(self) -> int:
        """Moving parcels without a scan for their carrier's quiet days: one note per last scan; how many."""
        now = self.clock.now()
        count = 0
        for package in self.store.moving_packages():
            last = _last_scan(package)
            if last is None:
                continue
            days = per_carrier(self.settings.parcel_quiet_days, package.get("carrier"))
            if days > 0 and now - last >= timedelta(days=days):
                what = f"has had no scan for {(now - last).days} days"
                count += self._note(package, "quiet", last.isoformat(), template="late_or_lost", what=what)
        return count

    def _note(self, package: Row, status: str, since: str, *, template: str, what: str) -> int:
        tracking = str(package["tracking_number"])
        last_event = json.loads(package["last_event"]) if package.get("last_event") else None
        count = 0
        for conv in self.store.conversations_for_order(order_id=str(package["order_id"])):
            if conv.get("kind") not in ("buyer", "notice"):
                continue
            payload = {
                "parcel": tracking,
                "carrier": package.get("carrier"),
                "status": status,
                "since": since,
                "what": what,
                "last_event": last_event,
                "template": template if conv.get("kind") == "buyer" else None,
                "order_id": package["order_id"],
            }
            key = f"parcel:{conv['id']}:{tracking}:{status}:{since}"
            if self.store.queued_before(dedupe_key=key):
                continue  # noted for this change already
            self.post("thread", int(conv["id"]), conv.get("slack_channel"), key, payload)
            count += 1
        if count:
            log.info("parcel %s %s: noted on %d card(s)", tracking, what, count)
        return count


def _last_scan(package: Row) -> datetime | None:
    event = json.loads(package["last_event"]) if package.get("last_event") else None
    return parse_iso((event or {}).get("time")) or parse_iso(package.get("changed_at"))
