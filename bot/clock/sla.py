"""Amazon's 24-hour clock: deadlines, stages, and the plan of who is notified when.

Pure functions over aware datetimes: the deadline is arrival + 24 hours of real elapsed time (UTC arithmetic),
so weekends, holidays and daylight-saving changes are counted as Amazon counts them. Business hours only
change who is pinged, never when the answer is due.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # the settings validate their times with this module's parsers
    from bot.settings import Settings

log = logging.getLogger(__name__)


class Stage(StrEnum):
    """How close a conversation is to its deadline."""

    FRESH = "fresh"
    DUE_SOON = "due_soon"
    URGENT = "urgent"
    CRITICAL = "critical"
    BREACHED = "breached"


class Action(StrEnum):
    """What happens at a stage."""

    CARD = "update_card"  # countdown and colour on the card
    THREAD = "thread_reminder"  # a reminder in the card's thread (mentions the claimer, if any)
    ONCALL = "mention_oncall"  # the reminder mentions the person on call
    LEAD = "mention_lead"  # … and the escalation group or lead
    DM = "dm_oncall"  # a direct message to the person on call


STAGE_ICONS = {
    Stage.FRESH: ":large_green_circle:",
    Stage.DUE_SOON: ":large_yellow_circle:",
    Stage.URGENT: ":large_orange_circle:",
    Stage.CRITICAL: ":red_circle:",
    Stage.BREACHED: ":rotating_light:",
}
ORDER = [Stage.FRESH, Stage.DUE_SOON, Stage.URGENT, Stage.CRITICAL, Stage.BREACHED]


@dataclass(frozen=True)
class StagePolicy:
    """What a stage does and how often it repeats until someone acts (None: once)."""

    actions: tuple[Action, ...]
    repeat: timedelta | None = None


@dataclass(frozen=True)
class Policy:
    """When each stage begins (time left before the deadline) and what it does."""

    due_soon: timedelta = timedelta(hours=6)
    urgent: timedelta = timedelta(hours=2)
    critical: timedelta = timedelta(minutes=30)
    stages: dict[Stage, StagePolicy] = field(
        default_factory=lambda: {
            Stage.FRESH: StagePolicy(()),  # the card itself is the first notice
            Stage.DUE_SOON: StagePolicy((Action.CARD, Action.THREAD)),
            Stage.URGENT: StagePolicy((Action.CARD, Action.THREAD, Action.ONCALL), repeat=timedelta(hours=1)),
            Stage.CRITICAL: StagePolicy(
                (Action.CARD, Action.THREAD, Action.ONCALL, Action.LEAD, Action.DM),
                repeat=timedelta(minutes=15),
            ),
            Stage.BREACHED: StagePolicy(
                (Action.CARD, Action.THREAD, Action.ONCALL, Action.LEAD), repeat=timedelta(hours=1)
            ),
        }
    )

    def starts(self, stage: Stage, deadline: datetime, opened: datetime) -> datetime:
        """When a stage begins for this deadline (never before the conversation opened)."""
        at = {
            Stage.FRESH: opened,
            Stage.DUE_SOON: deadline - self.due_soon,
            Stage.URGENT: deadline - self.urgent,
            Stage.CRITICAL: deadline - self.critical,
            Stage.BREACHED: deadline,
        }[stage]
        return max(at, opened)


AMAZON_RESPONSE_HOURS = 24.0  # Amazon's window; the Late Response Rate is always measured against it


def response_hours(
    settings: Settings, *, kind: str = "buyer", notice_type: str | None = None
) -> float | None:
    """The answer-by window in hours for a conversation, or None when it runs no clock: buyer messages and
    unreadable mails (they may be buyer messages) get the team's window; an Amazon notice runs a clock only when it
    has one of its own (an A-to-z claim, a chargeback …); other mail none."""
    if kind in ("buyer", "raw"):
        return float(settings.response_hours)
    own = settings.notice_deadlines.get(notice_type or "") if kind == "notice" else None
    return float(own) if own else None


def deadline_for(received: datetime, hours: float = AMAZON_RESPONSE_HOURS) -> datetime:
    """Arrival + the window in real elapsed time (UTC arithmetic: a DST night is still 24 hours)."""
    if received.tzinfo is None:
        raise ValueError("the arrival time must carry a timezone")
    return received.astimezone(UTC) + timedelta(hours=hours)


def stage_at(deadline: datetime, now: datetime, policy: Policy) -> Stage:
    """The stage a conversation is in at `now`."""
    left = deadline - now
    if left <= timedelta(0):
        return Stage.BREACHED
    if left <= policy.critical:
        return Stage.CRITICAL
    if left <= policy.urgent:
        return Stage.URGENT
    if left <= policy.due_soon:
        return Stage.DUE_SOON
    return Stage.FRESH


@dataclass(frozen=True)
class Planned:
    """One notification the policy plans: when, at which stage, the n-th repeat, what it does."""

    at: datetime
    stage: Stage
    seq: int
    actions: tuple[Action, ...]

    @property
    def key(self) -> str:
        """Unique per conversation clock: the stage and its repeat number."""
        return f"{self.stage.value}:{self.seq}"


def plan(opened: datetime, deadline: datetime, policy: Policy, *, until: datetime) -> list[Planned]:
    """Every notification from the conversation's opening up to `until`, in time order.

    A stage repeats (without the card update) every `repeat` until the next stage begins; a stage that was
    over before the conversation opened is skipped.
    """
    out: list[Planned] = []
    for n, stage in enumerate(ORDER):
        rule = policy.stages.get(stage)
        if rule is None or not rule.actions:
            continue
        start = policy.starts(stage, deadline, opened)
        end = policy.starts(ORDER[n + 1], deadline, opened) if n + 1 < len(ORDER) else None
        if end is not None and end <= start:
            continue
        seq = 0
        repeats = tuple(a for a in rule.actions if a is not Action.CARD)  # a repeat does not redraw the card
        step = rule.repeat or timedelta(0)
        while True:
            at = start + step * seq
            if at > until or (end is not None and at >= end):
                break
            out.append(Planned(at=at, stage=stage, seq=seq, actions=rule.actions if seq == 0 else repeats))
            if rule.repeat is None:
                break
            seq += 1
    return sorted(out, key=lambda p: p.at)


def next_after(
    opened: datetime, deadline: datetime, policy: Policy, *, after: datetime, horizon: timedelta
) -> datetime | None:
    """The time of the first planned notification strictly after `after` (within `horizon`)."""
    return first_after(plan(opened, deadline, policy, until=after + horizon), after)


def first_after(planned: list[Planned], after: datetime) -> datetime | None:
    """The time of the first notification of a plan strictly after `after`."""
    return min((p.at for p in planned if p.at > after), default=None)


# ---- business hours --------------------------------------------------------------------------------

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HOURS = re.compile(
    r"^\s*(mon|tue|wed|thu|fri|sat|sun)(?:\s*-\s*(mon|tue|wed|thu|fri|sat|sun))?\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$",
    re.I,
)


@dataclass(frozen=True)
class BusinessHours:
    """When the team works (e.g. 'mon-fri 08:00-18:00'); outside them, pings go to the person on call."""

    days: frozenset[int]
    start: time
    end: time
    tz: ZoneInfo

    @classmethod
    def parse(cls, text: str, tz: ZoneInfo) -> BusinessHours:
        """'mon-fri 08:00-18:00' (one range of days, one range of hours)."""
        m = HOURS.match(text)
        if not m:
            raise ValueError(f"business hours {text!r}: write them like 'mon-fri 08:00-18:00'")
        first, last = DAYS.index(m.group(1).lower()), DAYS.index((m.group(2) or m.group(1)).lower())
        days = {(first + i) % 7 for i in range(((last - first) % 7) + 1)}
        return cls(
            frozenset(days),
            time(int(m.group(3)), int(m.group(4))),
            time(int(m.group(5)), int(m.group(6))),
            tz,
        )

    def open_at(self, when: datetime) -> bool:
        """Whether `when` falls inside the team's working hours."""
        local = when.astimezone(self.tz)
        return local.weekday() in self.days and self.start <= local.time() < self.end

    def open_between(self, start: datetime, end: datetime) -> timedelta:
        """How much of the time from `start` to `end` falls inside working hours (local days, DST-aware)."""
        total = timedelta(0)
        day, last = start.astimezone(self.tz).date(), end.astimezone(self.tz).date()
        while day <= last:
            if day.weekday() in self.days:
                opens = datetime.combine(day, self.start, self.tz).astimezone(
                    UTC
                )  # elapsed time, not wall time
                closes = datetime.combine(day, self.end, self.tz).astimezone(UTC)
                overlap = min(closes, end.astimezone(UTC)) - max(opens, start.astimezone(UTC))
                total += max(overlap, timedelta(0))
            day += timedelta(days=1)
        return total
