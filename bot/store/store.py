"""The bot's memory in SQLite or PostgreSQL (bot/store/engine.py): every SQL statement of the bot lives in this package.

`Store` joins the record groups; each is a module of its own (conversations, outbox, orders, sends, reply drafts, the
clock's notifications and overrides, cases, claim evidence, the numbers for digests and reports).
"""

from __future__ import annotations

from bot.store.base import ANSWERED_OUTSIDE_SLACK, ConversationState, Row, StoreBase, iso, parse_iso
from bot.store.cases import CaseRecords
from bot.store.claims import ClaimRecords
from bot.store.clock import ClockRecords
from bot.store.conversations import ConversationRecords
from bot.store.drafts import DraftRecords
from bot.store.followups import FollowUpRecords
from bot.store.orders import OrderRecords
from bot.store.outbox import OutboxRecords
from bot.store.sends import SendRecords
from bot.store.stats import StatsRecords

__all__ = ["ANSWERED_OUTSIDE_SLACK", "ConversationState", "Row", "Store", "StoreBase", "iso", "parse_iso"]


class Store(
    OutboxRecords,
    FollowUpRecords,
    ConversationRecords,
    OrderRecords,
    SendRecords,
    DraftRecords,
    ClockRecords,
    CaseRecords,
    ClaimRecords,
    StatsRecords,
):
    """Small keyword-only functions over one database."""
