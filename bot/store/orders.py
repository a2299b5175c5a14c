"""Orders fetched from Amazon and their packages with the last known tracking"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from bot.store.base import Row, StoreBase, iso

log = logging.getLogger(__name__)


class OrderRecords(StoreBase):
    """Orders fetched from Amazon and their packages with the last known tracking."""

    def order_row(self, *, order_id: str) -> Row | None:
        """The cached order (its JSON in `data`) and the state of its last lookup."""
        return self.query_one("SELECT * FROM orders WHERE order_id = ?", [order_id])

    def save_order(self, *, order_id: str, data: dict[str, Any]) -> None:
        """Cache a fetched order, clearing any earlier error."""
        self._upsert(
            "orders",
            {
                "order_id": order_id,
                "data": json.dumps(data, ensure_ascii=False),
                "fetched_at": self.now(),
                "error": None,
                "error_at": None,
                "not_found": 0,
                "next_attempt_at": None,
            },
            key="order_id",
        )

    def order_failed(
        self, *, order_id: str, error: str, not_found: bool, next_attempt_at: datetime | None
    ) -> None:
        """Remember why an order could not be fetched and when to try again (never, if not found)."""
        self._upsert(
            "orders",
            {
                "order_id": order_id,
                "error": error[:500],
                "error_at": self.now(),
                "not_found": int(not_found),
                "next_attempt_at": iso(next_attempt_at) if next_attempt_at else None,
            },
            key="order_id",
        )

    def orders_to_retry(self) -> list[str]:
        """Orders of open conversations never looked up (the bot stopped before) or whose last lookup failed and
        whose retry time has come."""
        rows = self.conn.execute(
            "SELECT DISTINCT c.order_id FROM conversations c LEFT JOIN orders o ON o.order_id = c.order_id "
            "WHERE c.state = 'open' AND c.order_id IS NOT NULL AND (o.order_id IS NULL OR ("
            "o.error IS NOT NULL AND o.not_found = 0 AND o.next_attempt_at IS NOT NULL AND o.next_attempt_at <= ?))",
            [self.now()],
        ).fetchall()
        return [r[0] for r in rows]

    def packages(self, *, order_id: str) -> list[Row]:
        """An order's packages with their last known tracking."""
        return self.query("SELECT * FROM packages WHERE order_id = ? ORDER BY id", [order_id])

    def package(self, *, package_id: int) -> Row | None:
        """One package row."""
        return self.query_one("SELECT * FROM packages WHERE id = ?", [package_id])

    def upsert_package(self, *, order_id: str, tracking_number: str, **fields: Any) -> int:
        """Create or update a package of an order; returns its id."""
        row = self.conn.execute(
            "SELECT id FROM packages WHERE order_id = ? AND tracking_number = ?", [order_id, tracking_number]
        ).fetchone()
        if row:
            self._update("packages", int(row[0]), fields)
            return int(row[0])
        return self._insert("packages", {"order_id": order_id, "tracking_number": tracking_number, **fields})

    def due_packages(self, *, limit: int = 100) -> list[Row]:
        """Packages whose next tracking lookup is due, most overdue first."""
        sql = "SELECT * FROM packages WHERE next_check_at IS NOT NULL AND next_check_at <= ? ORDER BY next_check_at LIMIT ?"
        return self.query(sql, [self.now(), limit])

    def moving_packages(self) -> list[Row]:
        """Packages on their way (not delivered, returned or unknown), for the check of parcels that went quiet."""
        sql = "SELECT * FROM packages WHERE status IN ('label_created', 'in_transit', 'out_for_delivery') ORDER BY id"
        return self.query(sql)
