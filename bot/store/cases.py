"""Amazon support cases the team tracks: one row per case id, reopened when tracked again."""

from __future__ import annotations

import logging
from typing import Any

from bot.store.base import Row, StoreBase

log = logging.getLogger(__name__)


class CaseRecords(StoreBase):
    """The `cases` table."""

    def case(self, *, case_id: str) -> Row | None:
        """One case by its Seller Central id."""
        return self.query_one("SELECT * FROM cases WHERE case_id = ?", [case_id])

    def save_case(self, *, case_id: str, **fields: Any) -> None:
        """Track a case, or reopen a closed one with the same id (its fields replaced)."""
        existing = self.case(case_id=case_id)
        if existing is None:
            self._insert("cases", {"case_id": case_id, **fields})
        else:
            self._update("cases", int(existing["id"]), fields)

    def update_case(self, *, case_id: str, **fields: Any) -> None:
        """Change fields of a tracked case."""
        case = self.case(case_id=case_id)
        if case is not None:
            self._update("cases", int(case["id"]), fields)

    def open_cases(self) -> list[Row]:
        """Open cases, the longest without news first."""
        return self.query("SELECT * FROM cases WHERE state = 'open' ORDER BY last_update_at, id")
