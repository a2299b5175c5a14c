"""The floors the CPU-bound benchmarks are measured against: the same work done with the bare libraries.

Each floor runs in the same benchmark run, on the same machine and the same data, right beside the figure it is
the bar for (see docs/benchmarks.md): a slower or busier machine slows the floor as much as the bot, so the ratio
of the two holds where an absolute limit would not.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from pathlib import Path

import httpx
from bare_bolt import bare_app
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.mail.source import FETCH_BATCH
from bot.sandbox.fake_services import FakeServices
from bot.sandbox.slack_api import FakeSlack

# The escalator's two queries as they are today (bot/clock/escalation.py, Escalator.due_conversations and next_due),
# copied rather than imported: a slower query in the bot then shows against this floor instead of moving it.
DUE_SQL = (
    "SELECT * FROM conversations WHERE state = 'open' AND deadline IS NOT NULL "
    "AND (next_sla_at IS NULL OR next_sla_at <= ?) ORDER BY deadline LIMIT ?"
)
NEXT_DUE_SQL = "SELECT min(next_sla_at) FROM conversations WHERE state = 'open' AND deadline IS NOT NULL"


# ---- intake: stdlib parse + plain INSERT ----


def floor_database(path: Path) -> sqlite3.Connection:
    """A WAL database with one table of a few columns per mail (the bot's durability: WAL, synchronous=NORMAL)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE mails (id INTEGER PRIMARY KEY, message_id TEXT UNIQUE, sender TEXT, subject TEXT, "
        "sent TEXT, text TEXT, raw BLOB)"
    )
    return conn


def _text(msg: Message) -> str | None:
    """The first text part, decoded (the least a card needs: the buyer's words)."""
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                try:
                    return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
                except LookupError:
                    return payload.decode("utf-8", errors="replace")
    return None


def floor_ingest(conn: sqlite3.Connection, batch: Sequence[bytes]) -> None:
    """One fetched batch the stdlib way: each mail parsed by the parser bot/mail/parser.py uses (BytesParser, its
    default compat32 policy), a few headers and the first text part read, all inserted in one transaction."""
    rows = []
    for raw in batch:
        msg = BytesParser().parsebytes(raw)
        rows.append(
            (
                str(msg.get("message-id", "")) or None,
                str(msg.get("from", "")),
                str(msg.get("subject", "")),
                str(msg.get("date", "")),
                _text(msg),
                raw,
            )
        )
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT OR IGNORE INTO mails (message_id, sender, subject, sent, text, raw) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")


def mail_files(folder: Path) -> list[Path]:
    """A Maildir's files in delivery order, listed as the bot's directory source lists them."""
    folders = [folder / "cur", folder / "new"] if (folder / "new").is_dir() else [folder]
    files = [
        f for d in folders if d.is_dir() for f in d.iterdir() if f.is_file() and not f.name.startswith(".")
    ]
    return sorted(files, key=lambda f: (f.stat().st_mtime, f.name))


def floor_ingest_folder(folder: Path, db: Path) -> float:
    """Seconds to list, read, parse and store every mail of a folder the stdlib way, FETCH_BATCH per transaction."""
    started = time.perf_counter()
    conn = floor_database(db)
    batch: list[bytes] = []
    for file in mail_files(folder):
        batch.append(file.read_bytes())
        if len(batch) == FETCH_BATCH:
            floor_ingest(conn, batch)
            batch = []
    if batch:
        floor_ingest(conn, batch)
    conn.close()
    return time.perf_counter() - started


# ---- SLA: the bare indexed query ----


def floor_sla_query(conn: sqlite3.Connection, now: str, limit: int = 500) -> int:
    """The sweep's two queries with plain sqlite3 (tuples, no row objects); returns how many are due."""
    due = conn.execute(DUE_SQL, [now, limit]).fetchall()
    conn.execute(NEXT_DUE_SQL).fetchone()
    return len(due)


def full_scans(conn: sqlite3.Connection) -> int:
    """How many of the floor's queries scan the whole table instead of searching an index (the floor is only a bar
    for the bot's query while it is itself indexed)."""
    plans = [
        conn.execute(f"EXPLAIN QUERY PLAN {DUE_SQL}", ["", 1]).fetchall(),
        conn.execute(f"EXPLAIN QUERY PLAN {NEXT_DUE_SQL}").fetchall(),
    ]
    return sum(1 for plan in plans if not any("USING INDEX" in str(row[-1]) for row in plan))


# ---- backlog: a bare start up to the first card ----


@dataclass
class BareStart:
    """A bare start's phases in seconds: connected to Slack, then its first card posted."""

    connected: float
    first_card: float


async def bare_start(folder: Path, db: Path, now: datetime) -> BareStart:
    """What any bot has to do before the first card of a backlog, with the bare libraries, against fresh stand-ins.

    A bare Bolt app checks its token and connects over Socket Mode; the folder is listed and its first batch parsed
    and stored (floor_ingest); the order is looked up as the bot does (a Login with Amazon token, getOrder, DHL
    tracking, with plain httpx); one card is posted.
    """
    slack = await FakeSlack().start()
    services = await FakeServices(clock=lambda: now).start()
    order, number = "302-9999999-1111111", "00340434169999999999"
    services.ship_with_dhl(order, number, now)
    urls = services.urls(services.base_url)
    handler: AsyncSocketModeHandler | None = None
    try:
        started = time.perf_counter()
        app = bare_app(slack.base_url, slack.bot_token)
        await app.client.auth_test()
        handler = AsyncSocketModeHandler(app, slack.app_token)
        await handler.connect_async()  # type: ignore[no-untyped-call]
        connected = time.perf_counter() - started
        files = mail_files(folder)[:FETCH_BATCH]
        conn = floor_database(db)
        floor_ingest(conn, [f.read_bytes() for f in files])
        conn.close()
        async with httpx.AsyncClient() as http:
            token = await http.post(
                urls["lwa_api_url"],
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": services.refresh_token,
                    "client_id": services.client_id,
                    "client_secret": services.client_secret,
                },
            )
            (
                await http.get(
                    f"{urls['sp_api_url']}/orders/2026-01-01/orders/{order}",
                    params={"includedData": "FULFILLMENT,PACKAGES,PROCEEDS"},
                    headers={"x-amz-access-token": token.json()["access_token"]},
                )
            ).raise_for_status()
            (
                await http.get(
                    f"{urls['dhl_api_url']}/track/shipments",
                    params={"trackingNumber": number},
                    headers={"DHL-API-Key": services.dhl_key},
                )
            ).raise_for_status()
        text = "Wo ist mein Paket?"
        await app.client.chat_postMessage(
            channel="C0INBOX",
            text=text,
            blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": f"*{order}*\n{text}"}}],
        )
        first_card = time.perf_counter() - started
    finally:
        if handler is not None:
            await handler.close_async()  # type: ignore[no-untyped-call]
        await slack.stop()
        await services.stop()
    return BareStart(connected, first_card)
