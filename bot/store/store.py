"""The bot's memory: conversations, messages, Slack posts, the outbox and the audit log, in SQLite (WAL)."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.clock.clocks import Clock
from bot.store.schema import MIGRATIONS
from bot.store.sends import SendRecords

log = logging.getLogger(__name__)

Row = dict[str, Any]

# Who answered when the seller replied in Seller Central (Amazon's copy of the reply arrived), not from Slack.
ANSWERED_OUTSIDE_SLACK = "seller_central"


class ConversationState(StrEnum):
    """Where a conversation stands; only the store's transitions below change it."""

    OPEN = "open"  # waiting for an answer: the 24-hour clock runs
    ANSWERED = "answered"  # a reply went out: the clock stops
    CLOSED = "closed"  # no response needed, or a notice handled in Seller Central


def iso(when: datetime) -> str:
    """A UTC timestamp as sortable ISO 8601 text."""
    if when.tzinfo is None:
        raise ValueError("naive datetime given to the store")
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def parse_iso(text: str | None) -> datetime | None:
    """The inverse of iso()."""
    return datetime.fromisoformat(text) if text else None


# ---- store -----------------------------------------------------------------------------------------


@dataclass
class Store(SendRecords):
    """Small keyword-only functions over one SQLite database."""

    db: sqlite_utils.Database
    clock: Clock
    _message_columns: str | None = field(
        default=None, init=False, repr=False
    )  # every column but the raw mail

    @classmethod
    def open(cls, path: Path | str, *, clock: Clock) -> Store:
        """Open (creating with owner-only permissions) and migrate the database."""
        if str(path) != ":memory:":
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        db = sqlite_utils.Database(conn)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        store = cls(db=db, clock=clock)
        store.migrate()
        return store

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()

    @property
    def schema_version(self) -> int:
        """The number of migrations applied."""
        return int(self.db.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Apply the migrations this database lacks, each in its own transaction."""
        for version, step in enumerate(MIGRATIONS, start=1):
            if self.schema_version >= version:
                continue
            with self.transaction():
                step(self.db)
                self.db.conn.execute(f"PRAGMA user_version={version}")
            log.info("database migrated to schema version %d", version)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of work; nested use joins the outer transaction."""
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def now(self) -> str:
        """The clock's time as stored text."""
        return iso(self.clock.now())

    def integrity_ok(self) -> bool:
        """SQLite's own integrity check."""
        return bool(self.db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")

    # ---- conversations ----

    def conversation(self, *, conversation_id: int) -> Row | None:
        """One conversation by id."""
        return self.query_one("SELECT * FROM conversations WHERE id = ?", [conversation_id])

    def conversation_by_key(self, *, key: str) -> Row | None:
        """One conversation by its key (relay alias + order id)."""
        return self.query_one("SELECT * FROM conversations WHERE key = ?", [key])

    def conversation_by_card(self, *, channel: str, ts: str) -> Row | None:
        """The conversation whose parent card is this Slack message."""
        sql = "SELECT * FROM conversations WHERE slack_channel = ? AND slack_ts = ?"
        return self.query_one(sql, [channel, ts])

    def conversation_for_message_ids(self, *, message_ids: list[str]) -> Row | None:
        """The conversation that holds any of these Message-IDs (for In-Reply-To / References)."""
        if not message_ids:
            return None
        marks = ",".join("?" * len(message_ids))
        row = self.db.conn.execute(
            f"SELECT conversation_id FROM messages WHERE message_id IN ({marks}) "
            "AND conversation_id IS NOT NULL ORDER BY id DESC LIMIT 1",
            message_ids,
        ).fetchone()
        return self.conversation(conversation_id=row[0]) if row else None

    def query(self, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> list[Row]:
        """Rows of a plain query as dicts (the hot paths: no per-call schema look-ups)."""
        cur = self.db.conn.execute(sql, args)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, values, strict=True)) for values in cur.fetchall()]

    def query_one(self, sql: str, args: list[Any] | tuple[Any, ...] = ()) -> Row | None:
        """The first row of a plain query, or None."""
        rows = self.query(sql, args)
        return rows[0] if rows else None

    def _update(self, table: str, row_id: int, fields: dict[str, Any]) -> None:
        """A plain UPDATE of one row by id."""
        if not fields:
            return
        sets = ", ".join(f"{name} = ?" for name in fields)
        self.db.conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", [*fields.values(), row_id])

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        """A plain INSERT of one row (the hot paths: no per-call schema look-ups); returns its rowid."""
        names = ", ".join(row)
        cur = self.db.conn.execute(
            f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(row))})", list(row.values())
        )
        return int(cur.lastrowid or 0)

    def create_conversation(self, **fields: Any) -> int:
        """Insert an open conversation and return its id."""
        if "state" in fields:
            raise ValueError("a conversation starts open; its state changes through answer/settle/reopen")
        now = self.now()
        row = {**fields, "state": ConversationState.OPEN.value, "created_at": now, "updated_at": now}
        return self._insert("conversations", row)

    def open_conversation_for_order(self, *, order_id: str) -> Row | None:
        """The open buyer conversation about an order, earliest deadline first (for Amazon's copies of replies)."""
        sql = "SELECT * FROM conversations WHERE state = 'open' AND kind = 'buyer' AND order_id = ? ORDER BY deadline, id LIMIT 1"
        return self.query_one(sql, [order_id])

    def update_conversation(self, *, conversation_id: int, **fields: Any) -> None:
        """Change fields of a conversation other than its state, stamping updated_at (states: the transitions)."""
        if "state" in fields:
            raise ValueError(
                "a conversation's state changes through answer/settle/reopen, which stamp who and when"
            )
        self._update("conversations", conversation_id, {**fields, "updated_at": self.now()})

    def answer(self, *, conversation_id: int, by: str, at: datetime | None = None) -> None:
        """The buyer was answered (by a person's id, or ANSWERED_OUTSIDE_SLACK): the clock stops."""
        self._transition(
            conversation_id,
            ConversationState.ANSWERED,
            answered_by=by,
            answered_at=iso(at) if at else self.now(),
        )

    def settle(self, *, conversation_id: int, by: str) -> None:
        """No response needed, or a notice handled: closed by a person, the clock stops."""
        self._transition(conversation_id, ConversationState.CLOSED, closed_by=by, closed_at=self.now())

    def reopen(self, *, conversation_id: int, opened_at: datetime, deadline: datetime, **fields: Any) -> None:
        """A new buyer message on an answered or closed conversation: a fresh clock from its arrival."""
        self._transition(
            conversation_id,
            ConversationState.OPEN,
            opened_at=iso(opened_at),
            deadline=iso(deadline),
            next_sla_at=None,
            sla_stage=None,
            **fields,
        )

    def _transition(self, conversation_id: int, state: ConversationState, **fields: Any) -> None:
        self._update(
            "conversations", conversation_id, {**fields, "state": state.value, "updated_at": self.now()}
        )

    def conversations(self, *, state: str | None = None) -> list[Row]:
        """All conversations, optionally of one state, earliest deadline first."""
        where, args = ("state = ?", [state]) if state else (None, [])
        sql = f"SELECT * FROM conversations {'WHERE ' + where if where else ''} ORDER BY deadline, id"
        return self.query(sql, args)

    # ---- messages ----

    def has_message(self, *, message_id: str) -> bool:
        """Whether a Message-ID was stored already."""
        return (
            self.db.conn.execute("SELECT 1 FROM messages WHERE message_id = ?", [message_id]).fetchone()
            is not None
        )

    def has_source_ref(self, *, source_ref: str) -> bool:
        """Whether a mail from this place in a mailbox (file, IMAP UID) was stored already."""
        sql = "SELECT 1 FROM messages WHERE source_ref = ?"
        return self.db.conn.execute(sql, [source_ref]).fetchone() is not None

    def insert_message(self, **fields: Any) -> int:
        """Insert one message row and return its id."""
        for name in ("attachments", "refs"):
            if name in fields and not isinstance(fields[name], str):
                fields[name] = json.dumps(fields[name], ensure_ascii=False)
        return self._insert("messages", {**fields, "created_at": self.now()})

    def message(self, *, row_id: int) -> Row | None:
        """One message row."""
        return self.query_one("SELECT * FROM messages WHERE id = ?", [row_id])

    def _columns_but_raw(self) -> str:
        if self._message_columns is None:
            self._message_columns = ", ".join(c for c in self.db.table("messages").columns_dict if c != "raw")
        return self._message_columns

    def conversation_messages(self, *, conversation_id: int) -> list[Row]:
        """A conversation's messages, oldest first, without the raw mail."""
        sql = f"SELECT {self._columns_but_raw()} FROM messages WHERE conversation_id = ? ORDER BY received_at, id"
        return self.query(sql, [conversation_id])

    def latest_buyer_message(self, *, conversation_id: int) -> Row | None:
        """The conversation's newest message from the buyer (the one a reply answers now), without the raw mail."""
        sql = (
            f"SELECT {self._columns_but_raw()} FROM messages WHERE conversation_id = ? AND direction = 'in' "
            "ORDER BY received_at DESC, id DESC LIMIT 1"
        )
        return self.query_one(sql, [conversation_id])

    # ---- Slack posts ----

    def slack_posts(self, *, conversation_id: int | None = None) -> list[Row]:
        """Recorded Slack posts, optionally of one conversation."""
        where, args = ("conversation_id = ?", [conversation_id]) if conversation_id else (None, [])
        return self.query(f"SELECT * FROM slack_posts {'WHERE ' + where if where else ''} ORDER BY id", args)

    # ---- outbox ----

    def enqueue(self, *, kind: str, dedupe_key: str, due_by: str | None, **fields: Any) -> bool:
        """Queue one Slack action; False if the same action was queued before (idempotent)."""
        if isinstance(fields.get("payload"), dict):
            fields["payload"] = json.dumps(fields["payload"], ensure_ascii=False)
        now = self.now()
        row = {
            "kind": kind,
            "dedupe_key": dedupe_key,
            "due_by": due_by,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            **fields,
        }
        cur = self.db.conn.execute(
            f"INSERT OR IGNORE INTO outbox ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        return cur.rowcount == 1

    def due_outbox(self, *, limit: int = 100) -> list[Row]:
        """Outbox items ready to go, earliest buyer deadline first."""
        sql = (
            "SELECT * FROM outbox WHERE state IN ('pending', 'in_flight') AND next_attempt_at <= ? "
            "ORDER BY due_by IS NULL, due_by, id LIMIT ?"
        )
        return self.query(sql, [self.now(), limit])

    def update_pending(self, *, conversation_id: int) -> bool:
        """Whether a redraw of this card is queued and not started (a new one would draw the same state)."""
        row = self.db.conn.execute(
            "SELECT 1 FROM outbox WHERE kind = 'update_card' AND conversation_id = ? AND state = 'pending' LIMIT 1",
            [conversation_id],
        ).fetchone()
        return row is not None

    def pending_outbox_count(self) -> int:
        """How many outbox items are not done yet."""
        return int(self.db.conn.execute("SELECT count(*) FROM outbox WHERE state != 'done'").fetchone()[0])

    def next_outbox_time(self) -> datetime | None:
        """When the earliest waiting outbox item becomes due."""
        row = self.db.conn.execute(
            "SELECT min(next_attempt_at) FROM outbox WHERE state IN ('pending', 'in_flight')"
        ).fetchone()
        return parse_iso(row[0]) if row and row[0] else None

    def outbox_item(self, *, outbox_id: int) -> Row:
        """One outbox item."""
        row = self.query_one("SELECT * FROM outbox WHERE id = ?", [outbox_id])
        if row is None:
            raise KeyError(f"no outbox item {outbox_id}")
        return row

    def mark_in_flight(self, *, outbox_id: int) -> int:
        """Record that a send is about to be attempted; returns the attempt number."""
        with self.transaction():
            self.db.conn.execute(
                "UPDATE outbox SET state = 'in_flight', attempts = attempts + 1 WHERE id = ?", [outbox_id]
            )
            return int(
                self.db.conn.execute("SELECT attempts FROM outbox WHERE id = ?", [outbox_id]).fetchone()[0]
            )

    def complete_outbox(
        self,
        *,
        outbox_id: int,
        channel: str | None = None,
        ts: str | None = None,
        thread_ts: str | None = None,
        role: str | None = None,
    ) -> None:
        """Mark an item done and, for a post, record where it landed — atomically."""
        item = self.outbox_item(outbox_id=outbox_id)
        now = self.now()
        with self.transaction():
            if ts and channel and role:
                self.db.conn.execute(
                    "INSERT OR IGNORE INTO slack_posts (conversation_id, message_row, outbox_id, role, channel, ts, "
                    "thread_ts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        item["conversation_id"],
                        item["message_row"],
                        outbox_id,
                        role,
                        channel,
                        ts,
                        thread_ts,
                        now,
                    ],
                )
                if role == "card" and item["conversation_id"]:
                    self.update_conversation(
                        conversation_id=item["conversation_id"], slack_channel=channel, slack_ts=ts
                    )
            self._update("outbox", outbox_id, {"state": "done", "done_at": now, "last_error": None})

    def defer_outbox(
        self,
        *,
        outbox_id: int,
        until: datetime,
        error: str | None,
        failed: bool = False,
        not_sent: bool = False,
    ) -> None:
        """Try again later (or give up with `failed`), keeping the reason; `not_sent` undoes the attempt count."""
        state = "failed" if failed else "pending"
        self.db.conn.execute(
            "UPDATE outbox SET state = ?, next_attempt_at = ?, last_error = ?, "
            "attempts = max(0, attempts - ?) WHERE id = ?",
            [state, iso(until), (error or "")[:2000] or None, 1 if not_sent else 0, outbox_id],
        )

    # ---- orders and packages ----

    def order_row(self, *, order_id: str) -> Row | None:
        """The cached order (its JSON in `data`) and the state of its last lookup."""
        return self.query_one("SELECT * FROM orders WHERE order_id = ?", [order_id])

    def save_order(self, *, order_id: str, data: dict[str, Any]) -> None:
        """Cache a fetched order, clearing any earlier error."""
        self.db.table("orders").upsert(
            {
                "order_id": order_id,
                "data": json.dumps(data, ensure_ascii=False),
                "fetched_at": self.now(),
                "error": None,
                "error_at": None,
                "not_found": 0,
                "next_attempt_at": None,
            },
            pk="order_id",
        )

    def order_failed(
        self, *, order_id: str, error: str, not_found: bool, next_attempt_at: datetime | None
    ) -> None:
        """Remember why an order could not be fetched and when to try again (never, if not found)."""
        self.db.table("orders").upsert(
            {
                "order_id": order_id,
                "error": error[:500],
                "error_at": self.now(),
                "not_found": int(not_found),
                "next_attempt_at": iso(next_attempt_at) if next_attempt_at else None,
            },
            pk="order_id",
        )

    def orders_to_retry(self) -> list[str]:
        """Orders of open conversations never looked up (the bot stopped before) or whose last lookup failed and
        whose retry time has come."""
        rows = self.db.conn.execute(
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
        row = self.db.conn.execute(
            "SELECT id FROM packages WHERE order_id = ? AND tracking_number = ?", [order_id, tracking_number]
        ).fetchone()
        if row:
            self.db.table("packages").update(row[0], fields)
            return int(row[0])
        table = self.db.table("packages").insert(
            {"order_id": order_id, "tracking_number": tracking_number, **fields}
        )
        return int(table.last_pk or 0)

    def due_packages(self, *, limit: int = 100) -> list[Row]:
        """Packages whose next tracking lookup is due, most overdue first."""
        sql = "SELECT * FROM packages WHERE next_check_at IS NOT NULL AND next_check_at <= ? ORDER BY next_check_at LIMIT ?"
        return self.query(sql, [self.now(), limit])

    def conversations_for_order(self, *, order_id: str) -> list[Row]:
        """Conversations (and notices) about an order, with a card in Slack or about to get one."""
        return self.query("SELECT * FROM conversations WHERE order_id = ? ORDER BY id", [order_id])

    # ---- audit and mailbox ----

    def audit(self, *, actor: str, action: str, conversation_id: int | None = None, **detail: Any) -> None:
        """Append one line to the audit log."""
        self._insert(
            "audit",
            {
                "at": self.now(),
                "actor": actor,
                "action": action,
                "conversation_id": conversation_id,
                "detail": json.dumps(detail, ensure_ascii=False, default=str),
            },
        )

    def mailbox_state(self, *, source: str) -> tuple[int | None, int]:
        """(UIDVALIDITY, last UID read) of one mailbox."""
        row = self.db.conn.execute(
            "SELECT uidvalidity, last_uid FROM mailbox_state WHERE source = ?", [source]
        ).fetchone()
        return (row[0], row[1] or 0) if row else (None, 0)

    def set_mailbox_state(self, *, source: str, uidvalidity: int, last_uid: int) -> None:
        """Remember how far a mailbox was read."""
        self.db.table("mailbox_state").upsert(
            {"source": source, "uidvalidity": uidvalidity, "last_uid": last_uid, "updated_at": self.now()},
            pk="source",
        )
