"""Shared by the Block Kit tests: the team's time on the cards, a conversation row, and Slack's refusals."""

from __future__ import annotations

from typing import Any

from bot.cards.card import CardTime
from bot.sandbox.block_kit import block_problem
from tests.support.clock import BERLIN, TEAM_TIME

AT = CardTime(now=TEAM_TIME, tz=BERLIN)


def refused(blocks: list[dict[str, Any]]) -> list[str]:
    """What real Slack would refuse in these blocks (empty when all pass)."""
    return [p for p in (block_problem(b) for b in blocks) if p]


def conv(**kw: Any) -> dict[str, Any]:
    """An open buyer conversation as the store gives it; `kw` changes or adds columns."""
    base: dict[str, Any] = {
        "id": 7,
        "state": "open",
        "buyer_name": "Max Müller",
        "marketplace": "amazon.de",
        "order_id": "302-1234567-1234567",
    }
    base.update(kw)
    return base
