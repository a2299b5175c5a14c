"""A-to-z claims and chargebacks: their windows with dates, and one note in the claim's thread as each is reached.

A claim notice's card lists its windows (contact the buyer, respond to Amazon, appeal, Amazon's decision), dated from
the notice's arrival in real elapsed time (UTC arithmetic, so a DST night changes the local hour, not the span). When
the clock reaches a window, one note goes into the claim's thread, mentioning whoever took the claim, else the person
on call. Each note is recorded in the clock's notifications (unique per claim and window) in the same transaction as
it is queued, so the sweep every minute, a second worker or a restart never repeats it; after downtime only the
newest window reached is told (the older ones are named in it). A claim marked handled is reminded of nothing more,
unless it was handled as *appealed*: Amazon has yet to decide, and its card keeps the outcome menu until it does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.clock.clocks import Clock
from bot.clock.escalation import LATE_AFTER, Escalator, Post
from bot.settings import Settings
from bot.store.store import Row, Store, iso, parse_iso

log = logging.getLogger(__name__)

# The windows, as documented for this project (Amazon publishes no API for them):
# - /work/shared/docs/amazon.md: "A-to-z claim (answer within 2–3 days; appeal)";
# - issue 22: "contact the buyer within 2–3 days; appeal with evidence after 3 days without answer; Amazon decides
#   after about 14 days";
# - the response windows themselves are the notices' deadlines, INBOX_BOT_NOTICE_DEADLINES (a_to_z_claim=72 hours,
#   chargeback=168: "respond within 7 days"), so a team that changes them sees its own dates here.
CONTACT_AFTER = timedelta(
    days=2
)  # "contact the buyer within 2–3 days": the earlier end, a day before the response
APPEAL_AFTER = timedelta(
    days=3
)  # "appeal with evidence after 3 days without answer", counted from the response
DECISION_AFTER = timedelta(days=14)  # "Amazon decides after about 14 days", counted from the claim
DEFAULT_RESPONSE = {"a_to_z_claim": timedelta(hours=72), "chargeback": timedelta(hours=168)}


@dataclass(frozen=True)
class Window:
    """One dated step of a claim: its key, what it is called on the card, when, and what to do once reached."""

    key: str
    title: str
    at: datetime
    advice: str


def claim_windows(
    notice_type: str | None, received: datetime, deadline: datetime | None = None
) -> list[Window]:
    """The windows of an A-to-z claim or chargeback received then (its response due at `deadline`), earliest first;
    none for any other notice."""
    if notice_type not in DEFAULT_RESPONSE:
        return []
    if received.tzinfo is None:
        raise ValueError("the arrival time must carry a timezone")
    received = received.astimezone(UTC)  # elapsed time: an aware local time would add wall-clock hours
    respond = deadline.astimezone(UTC) if deadline else received + DEFAULT_RESPONSE[notice_type]
    if notice_type == "chargeback":
        return [
            Window(
                "respond",
                "Respond to the chargeback",
                respond,
                "The time to respond to the chargeback in Seller Central has come (7 days by default): without a "
                "response Amazon decides on the buyer's word. Respond with the evidence.",
            )
        ]
    windows = [
        Window(
            "contact",
            "Contact the buyer",
            received + CONTACT_AFTER,
            "Two days since the claim: if nobody has written to the buyer yet, do it now (Amazon expects contact "
            "within 2–3 days), and respond to the claim in Seller Central before its window closes.",
        ),
        Window(
            "respond",
            "Respond to Amazon",
            respond,
            "The window to respond to the claim in Seller Central has closed: if it is not answered yet, answer now "
            "with the evidence, or Amazon decides without it.",
        ),
        Window(
            "appeal",
            "Appeal possible",
            respond + APPEAL_AFTER,
            "Three days since the response window: without an answer from Amazon, an appeal with the evidence is "
            "possible (Evidence for the appeal gathers it).",
        ),
        Window(
            "decision",
            "Amazon decides",
            received + DECISION_AFTER,
            "About two weeks since the claim: Amazon usually decides now. Check the claim in Seller Central and "
            "record how it ended (Handled: how it ended…).",
        ),
    ]
    return sorted(windows, key=lambda w: w.at)


def windows_of(conv: Row) -> list[Window]:
    """The windows of a stored claim notice (none for other conversations)."""
    received = parse_iso(conv.get("opened_at"))
    if conv.get("kind") != "notice" or received is None:
        return []
    return claim_windows(conv.get("notice_type"), received, parse_iso(conv.get("deadline")))


class _ToldElsewhere(Exception):
    """A window was recorded by another worker between reading and recording: undo ours, it tells it."""


class ClaimWatch:
    """Tells each open claim's thread when one of its windows is reached, once."""

    def __init__(
        self, settings: Settings, store: Store, clock: Clock, *, escalator: Escalator, post: Post
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.escalator = escalator
        self.post = post

    @staticmethod
    def _clock(conv: Row) -> str:
        """The notifications' clock of a claim: its arrival (a claim opened again starts its windows afresh)."""
        return f"claim:{conv.get('opened_at')}"

    def _untold(self, conv: Row) -> list[Window]:
        told = self.store.notification_keys(conversation_id=int(conv["id"]), clock=self._clock(conv))
        return [w for w in windows_of(conv) if w.key not in told]

    def tick(self) -> int:
        """Queue a note for every open claim with a window newly reached; how many were queued."""
        now = self.clock.now()
        count = 0
        for conv in self.store.open_claims():
            try:
                count += self._claim(conv, now)
            except Exception:
                log.exception(
                    "claim windows of conversation %s failed; the next sweep tries again", conv["id"]
                )
        return count

    def next_due(self) -> datetime | None:
        """When the next window of any open claim is reached (for the sweep's timer)."""
        due = [w.at for conv in self.store.open_claims() for w in self._untold(conv)[:1]]
        return min(due) if due else None

    def _claim(self, conv: Row, now: datetime) -> int:
        reached = [w for w in self._untold(conv) if w.at <= now]
        if not reached:
            return 0
        conv_id, clock, newest = int(conv["id"]), self._clock(conv), reached[-1]
        who = conv.get("claimed_by") or self.escalator.on_call(now)
        upcoming = [w for w in windows_of(conv) if w.at > now]
        payload = {
            "claim_window": newest.key,
            "title": newest.title,
            "at": iso(newest.at),
            "advice": newest.advice,
            "who": who,
            "notice_type": conv.get("notice_type"),
            "order_id": conv.get("order_id"),
            "missed": [w.title for w in reached[:-1]],
            "next": {"title": upcoming[0].title, "at": iso(upcoming[0].at)} if upcoming else None,
            "late": now - newest.at > LATE_AFTER,
        }
        try:
            with self.store.transaction():  # recorded before anything is queued, all or nothing
                for window in reached:
                    if not self.store.record_notification(
                        conversation_id=conv_id,
                        clock=clock,
                        key=window.key,
                        stage="claim",
                        planned_at=window.at,
                        sent_at=now,
                        late=now - window.at > LATE_AFTER,
                        skipped=window is not newest,
                        who=(who or "") if window is newest else "",
                    ):
                        raise _ToldElsewhere
                key = f"claimwindow:{conv_id}:{clock}:{newest.key}"
                self.post("thread", conv_id, conv.get("slack_channel"), key, payload)
                self.post("update", conv_id, None, f"{key}:card", {})  # the card marks the window passed
        except _ToldElsewhere:
            return 0  # another worker recorded it first and tells it
        log.info(
            "claim %d (%s, order %s): window %s reached, told %s",
            conv_id,
            conv.get("notice_type"),
            conv.get("order_id") or "?",
            newest.key,
            who or "the channel",
        )
        return 1
