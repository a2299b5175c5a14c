"""The numbers behind the digest and the weekly report: read-only queries over messages, orders and packages."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.store.base import Row, StoreBase, iso, parse_iso

log = logging.getLogger(__name__)


class StatsRecords(StoreBase):
    """Read-only queries for digests and reports (they also serve the audit's recent drafts)."""

    def buyer_messages_since(self, *, since: datetime, until: datetime | None = None) -> list[Row]:
        """Buyer messages received in [since, until): id, conversation, time, text, intent and their conversation's
        order id, topic and closing time, oldest first."""
        sql = (
            "SELECT m.id, m.conversation_id, m.received_at, m.text, m.intent, c.order_id, c.topic, c.closed_at "
            "FROM messages m JOIN conversations c ON c.id = m.conversation_id "
            "WHERE m.direction = 'in' AND m.kind = 'buyer_message' AND m.received_at >= ?"
        )
        args = [iso(since)]
        if until is not None:
            sql += " AND m.received_at < ?"
            args.append(iso(until))
        return self.query(sql + " ORDER BY m.received_at, m.id", args)

    def outgoing_since(self, *, since: datetime) -> list[Row]:
        """Replies that went to buyers since `since` (conversation id and time), as the relay confirmed them."""
        sql = "SELECT conversation_id, received_at FROM messages WHERE direction = 'out' AND received_at >= ?"
        return self.query(sql, [iso(since)])

    def package_orders(self) -> list[Row]:
        """Every package with its tracking state and its order's JSON (for the valid tracking rate)."""
        return self.query(
            "SELECT o.data, p.status, p.error FROM packages p JOIN orders o ON o.order_id = p.order_id"
        )

    def recent_drafters(self, *, conversation_id: int, since: datetime, besides: str) -> list[str]:
        """People (other than `besides`) who opened a reply to a conversation since `since`."""
        sql = (
            "SELECT actor, max(at) FROM audit WHERE conversation_id = ? AND action = 'reply_drafted' AND at >= ? "
            "AND actor != ? GROUP BY actor"
        )
        return [r[0] for r in self.db.conn.execute(sql, [conversation_id, iso(since), besides]).fetchall()]

    def last_amazon_mail(self) -> datetime | None:
        """When the newest mail from Amazon (buyer message, notice, copy of a reply) arrived."""
        row = self.db.conn.execute(
            "SELECT max(received_at) FROM messages WHERE kind IN ('buyer_message', 'amazon_notice', 'confirmation')"
        ).fetchone()
        return parse_iso(row[0]) if row and row[0] else None
