"""Who is on call: a rotation from the settings (or a Slack user group), with overrides people set in Slack."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HANDOFF = re.compile(r"^\s*(mon|tue|wed|thu|fri|sat|sun)\s+(\d{1,2}):(\d{2})\s*$", re.I)


@dataclass(frozen=True)
class Override:
    """Someone covers from `start` to `end` ("I cover Sunday")."""

    user: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Shift:
    """One stretch of on-call duty."""

    user: str
    start: datetime
    end: datetime
    override: bool = False


@dataclass(frozen=True)
class Rotation:
    """Members take turns of `length` days, handing off on a weekday at a local time."""

    members: tuple[str, ...]
    handoff_day: int  # 0 = Monday
    handoff_time: time
    length: timedelta
    tz: ZoneInfo
    anchor: date = date(2026, 1, 5)  # a Monday: the first member's first shift starts at the handoff after it

    @classmethod
    def parse(cls, members: list[str], handoff: str, length_days: int, tz: ZoneInfo) -> Rotation:
        """From the settings: member ids, 'mon 09:00', days per shift, the rotation's timezone."""
        m = HANDOFF.match(handoff)
        if not m:
            raise ValueError(f"on-call handoff {handoff!r}: write it like 'mon 09:00'")
        if length_days < 1:
            raise ValueError("an on-call shift lasts at least one day")
        return cls(
            members=tuple(members),
            handoff_day=DAYS.index(m.group(1).lower()),
            handoff_time=time(int(m.group(2)), int(m.group(3))),
            length=timedelta(days=length_days),
            tz=tz,
        )

    def _first_handoff(self) -> datetime:
        day = self.anchor + timedelta(days=(self.handoff_day - self.anchor.weekday()) % 7)
        return datetime.combine(day, self.handoff_time, tzinfo=self.tz)

    def shift_at(self, when: datetime) -> Shift | None:
        """The regular shift covering `when` (local handoff times, so a DST change does not shift them)."""
        if not self.members:
            return None
        first = self._first_handoff()
        local = when.astimezone(self.tz)
        days = (local.date() - first.date()).days
        index = days // self.length.days
        start = self._handoff(index)
        if local < start:
            index -= 1
            start = self._handoff(index)
        return Shift(self.members[index % len(self.members)], start, self._handoff(index + 1))

    def _handoff(self, index: int) -> datetime:
        first = self._first_handoff()
        day = first.date() + self.length * index
        return datetime.combine(day, self.handoff_time, tzinfo=self.tz)


def on_call(rotation: Rotation | None, overrides: list[Override], when: datetime) -> Shift | None:
    """Who is on call at `when`: the latest override covering it, else the rotation."""
    covering = [o for o in overrides if o.start <= when < o.end]
    if covering:
        o = covering[-1]
        return Shift(o.user, o.start, o.end, override=True)
    return rotation.shift_at(when) if rotation else None


def schedule(
    rotation: Rotation | None, overrides: list[Override], start: datetime, count: int
) -> list[Shift]:
    """The next `count` shifts from `start`, overrides included (for `/oncall` and the App Home)."""
    out: list[Shift] = []
    when = start
    for _ in range(count * 4):
        shift = on_call(rotation, overrides, when)
        if shift is None:
            break
        if not out or (shift.user, shift.start) != (out[-1].user, out[-1].start):
            out.append(shift)
        if len(out) >= count:
            break
        nxt = [o.start for o in overrides if o.start > when]
        boundary = min([shift.end, *nxt])
        when = max(boundary, when + timedelta(minutes=1))
    return out
