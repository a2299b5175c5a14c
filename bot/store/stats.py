"""The numbers behind the digest and the weekly report: read-only queries over messages, notices, outcomes, packages
and sends."""

from __future__ import annotations

import logging
from collections.abc import Sequence
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

    def notices_between(self, *, since: datetime, until: datetime, types: Sequence[str]) -> list[Row]:
        """Amazon notices of these types received in [since, until): message id, type, time, and the order id and
        marketplace of the conversation it joined."""
        marks = ", ".join("?" for _ in types)
        sql = (
            "SELECT m.id, m.notice_type, m.received_at, c.order_id, c.marketplace, c.account "
            "FROM messages m JOIN conversations c ON c.id = m.conversation_id "
            f"WHERE m.direction = 'in' AND m.kind = 'amazon_notice' AND m.notice_type IN ({marks}) "
            "AND m.received_at >= ? AND m.received_at < ? ORDER BY m.received_at, m.id"
        )
        return self.query(sql, [*types, iso(since), iso(until)])

    def outcomes_between(self, *, since: datetime, until: datetime) -> dict[str, int]:
        """How conversations settled in [since, until) ended (refunded, appealed, won …), most frequent first."""
        sql = (
            "SELECT outcome, count(*) FROM conversations WHERE outcome IS NOT NULL AND closed_at >= ? "
            "AND closed_at < ? GROUP BY outcome ORDER BY count(*) DESC, outcome"
        )
        return {str(o): int(n) for o, n in self.conn.execute(sql, [iso(since), iso(until)]).fetchall()}

    def conversations_between(self, *, since: datetime, until: datetime) -> list[Row]:
        """Conversations whose first mail arrived in [since, until), in that order, for the export: no buyer names,
        aliases or text; with `first_mail_at`, the intent of the first buyer message and `first_reply_at` (the first
        reply after the first mail, sent from Slack or Amazon's copy of one sent in Seller Central)."""
        sql = (
            "WITH c AS (SELECT *, coalesce((SELECT min(m.received_at) FROM messages m WHERE m.conversation_id = "
            "conversations.id AND m.direction = 'in'), created_at) AS first_mail_at FROM conversations) "
            "SELECT c.id, c.kind, c.notice_type, c.marketplace, c.order_id, c.first_mail_at, c.opened_at, c.deadline, "
            "c.answered_at, c.answered_by, c.closed_at, c.closed_by, c.state, c.outcome, c.account, "
            "(SELECT m.intent FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'in' "
            "AND m.kind = 'buyer_message' ORDER BY m.received_at, m.id LIMIT 1) AS intent, "
            "(SELECT min(m.received_at) FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'out' "
            "AND m.received_at >= c.first_mail_at) AS first_reply_at "
            "FROM c WHERE c.first_mail_at >= ? AND c.first_mail_at < ? ORDER BY c.first_mail_at, c.id"
        )
        return self.query(sql, [iso(since), iso(until)])

    def marketplaces_between(self, *, since: datetime, until: datetime) -> list[str]:
        """The marketplaces (amazon.de …) of conversations that received a mail in [since, until)."""
        sql = (
            "SELECT DISTINCT c.marketplace FROM messages m JOIN conversations c ON c.id = m.conversation_id "
            "WHERE m.direction = 'in' AND m.received_at >= ? AND m.received_at < ? AND c.marketplace IS NOT NULL "
            "ORDER BY c.marketplace"
        )
        return [r[0] for r in self.conn.execute(sql, [iso(since), iso(until)]).fetchall()]

    def package_lookups(self, *, tracking_numbers: Sequence[str]) -> dict[str, Row]:
        """What the carrier lookups stored for these tracking numbers: status, error, provider, when checked."""
        found: dict[str, Row] = {}
        numbers = list(dict.fromkeys(tracking_numbers))
        for start in range(0, len(numbers), 500):  # within SQLite's limit of bound parameters
            chunk = numbers[start : start + 500]
            sql = (
                "SELECT tracking_number, order_id, status, error, provider, checked_at FROM packages "
                f"WHERE tracking_number IN ({', '.join('?' for _ in chunk)}) ORDER BY id"
            )
            found.update((str(r["tracking_number"]), r) for r in self.query(sql, chunk))
        return found

    def handled_sends(self, *, since: datetime, until: datetime) -> list[Row]:
        """Replies people sent (auto-replies left out) whose Send was pressed in [since, until): who, when, and when
        that person took the conversation ("I'll take it") or first opened a reply (or a message written first) to it, after
        its previous reply."""
        after_previous = (
            "a.conversation_id = s.conversation_id AND a.actor = s.by_user AND a.at <= s.created_at AND a.at > "
            "coalesce((SELECT max(p.created_at) FROM sends p WHERE p.conversation_id = s.conversation_id "
            "AND p.state = 'sent' AND p.created_at < s.created_at), '')"
        )
        sql = (
            "SELECT s.id, s.by_user, s.created_at AS pressed, "
            f"(SELECT min(a.at) FROM audit a WHERE a.action = 'claimed' AND {after_previous}) AS claimed, "
            "(SELECT min(a.at) FROM audit a WHERE a.action IN ('reply_drafted', 'message_drafted') "
            f"AND {after_previous}) AS drafted "
            "FROM sends s WHERE s.state = 'sent' AND s.auto = 0 AND s.created_at >= ? AND s.created_at < ? "
            "ORDER BY s.created_at, s.id"
        )
        return self.query(sql, [iso(since), iso(until)])

    def recent_drafters(self, *, conversation_id: int, since: datetime, besides: str) -> list[str]:
        """People (other than `besides`) who opened a reply to a conversation since `since`."""
        sql = (
            "SELECT actor, max(at) FROM audit WHERE conversation_id = ? AND action = 'reply_drafted' AND at >= ? "
            "AND actor != ? GROUP BY actor"
        )
        return [r[0] for r in self.conn.execute(sql, [conversation_id, iso(since), besides]).fetchall()]

    def last_amazon_mail(self, *, accounts: Sequence[str | None] | None = None) -> datetime | None:
        """When the newest mail from Amazon (buyer message, notice, copy of a reply) arrived; of some accounts only
        when named (None is the first account, which also has the mails no conversation took)."""
        kinds = "m.kind IN ('buyer_message', 'amazon_notice', 'confirmation')"
        if accounts is None:
            row = self.conn.execute(f"SELECT max(m.received_at) FROM messages m WHERE {kinds}").fetchone()
            return parse_iso(row[0]) if row and row[0] else None
        names = ["" if a is None else a for a in accounts]
        row = self.conn.execute(
            "SELECT max(m.received_at) FROM messages m LEFT JOIN conversations c ON c.id = m.conversation_id "
            f"WHERE {kinds} AND COALESCE(c.account, '') IN ({', '.join('?' * len(names))})",
            names,
        ).fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    def newest_amazon_mail(self) -> datetime | None:
        """When the mail from Amazon stored last arrived (read from the newest rows back: cheap at every scrape)."""
        row = self.conn.execute(
            "SELECT received_at FROM messages WHERE kind IN ('buyer_message', 'amazon_notice', 'confirmation') "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    def open_deadline_counts(self, *, bounds: Sequence[datetime]) -> tuple[int, int, list[int]]:
        """Open conversations: how many have no deadline, how many have one, and how many have theirs at or before
        each of `bounds` (the metrics' stages, counted in one pass)."""
        at_or_before = "".join(", count(CASE WHEN deadline <= ? THEN 1 END)" for _ in bounds)
        sql = f"SELECT count(*) - count(deadline), count(deadline){at_or_before} FROM conversations WHERE state = 'open'"
        row = self.conn.execute(sql, [iso(b) for b in bounds]).fetchone()
        return int(row[0]), int(row[1]), [int(n) for n in row[2:]]
