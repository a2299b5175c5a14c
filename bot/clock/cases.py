"""Amazon support cases (Seller/Vendor Central): tracked, followed up daily, never left to close by themselves."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from bot.clock.clocks import Clock
from bot.store.store import Row, Store, iso, parse_iso

log = logging.getLogger(__name__)

AUTO_CLOSE = timedelta(days=14)  # Amazon closes a case after about two weeks without an answer
WARN_BEFORE = timedelta(days=2)
CASE_ID = re.compile(r"^\d{6,12}$")


class CaseProblem(Exception):
    """A case command that cannot be carried out, with what to do instead."""


class Cases:
    """Keyword-only operations on the `cases` table."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def get(self, case_id: str) -> Row | None:
        """One case."""
        return self.store.case(case_id=case_id)

    def add(self, *, case_id: str, summary: str, owner: str) -> Row:
        """Track a case; its owner is reminded daily until it is closed."""
        if not CASE_ID.match(case_id):
            raise CaseProblem(
                f"“{case_id}” is not a case id: Seller Central shows it as a number like 1234567890."
            )
        existing = self.get(case_id)
        now = iso(self.clock.now())
        if existing and existing["state"] == "open":
            raise CaseProblem(f"Case {case_id} is tracked already (owner <@{existing['owner']}>).")
        fields = {
            "summary": summary.strip()[:300] or "(no summary)",
            "owner": owner,
            "opened_at": now,
            "last_update_at": now,
            "state": "open",
            "reminded_on": None,
            "warned_at": None,
            "closed_at": None,
        }
        self.store.save_case(case_id=case_id, **fields)  # a closed case with the same id is reopened
        self.store.audit(actor=owner, action="case_added", case=case_id)
        case = self.get(case_id)
        assert case is not None
        return case

    def touch(self, case_id: str, *, user: str) -> Row:
        """The case moved (you followed up, Amazon answered): its two weeks start again."""
        case = self._open(case_id)
        self.store.update_case(case_id=case_id, last_update_at=iso(self.clock.now()), warned_at=None)
        self.store.audit(actor=user, action="case_updated", case=case_id)
        return self.get(case_id) or case

    def close(self, case_id: str, *, user: str) -> Row:
        """The case is solved."""
        case = self._open(case_id)
        self.store.update_case(case_id=case_id, state="closed", closed_at=iso(self.clock.now()))
        self.store.audit(actor=user, action="case_closed", case=case_id)
        return self.get(case_id) or case

    def _open(self, case_id: str) -> Row:
        case = self.get(case_id)
        if case is None or case["state"] != "open":
            raise CaseProblem(f"No open case {case_id}: `/case` lists them.")
        return case

    def open_cases(self) -> list[Row]:
        """Open cases, the longest without news first."""
        return self.store.open_cases()

    def closes_at(self, case: Row) -> datetime | None:
        """When Amazon would close it without an answer."""
        last = parse_iso(case["last_update_at"])
        return last + AUTO_CLOSE if last else None

    def due(self, now: datetime, today: str) -> list[tuple[Row, str]]:
        """(case, 'warn' | 'remind') for today's notices: a warning once per stretch, a reminder once a day."""
        out: list[tuple[Row, str]] = []
        for case in self.open_cases():
            closes = self.closes_at(case)
            if closes is not None and closes - now <= WARN_BEFORE and not case.get("warned_at"):
                out.append((case, "warn"))
            elif case.get("reminded_on") != today:
                out.append((case, "remind"))
        return out

    def mark(self, case: Row, kind: str, now: datetime, today: str) -> None:
        """Remember a notice went out."""
        fields: dict[str, Any] = {"reminded_on": today}
        if kind == "warn":
            fields["warned_at"] = iso(now)
        self.store.update_case(case_id=str(case["case_id"]), **fields)
