"""Which conversation a mail belongs to: the buyer's relay alias (without Amazon's +suffix) and the order id."""

from __future__ import annotations

import logging

from bot.mail.model import ParsedMail
from bot.store.store import Row

log = logging.getLogger(__name__)


def conversation_key(parsed: ParsedMail) -> str:
    """Buyer relay alias (without a +suffix) and order id, within its account; pre-sale questions by alias alone."""
    if parsed.is_raw or not parsed.buyer_alias:
        return f"mail:{parsed.dedupe_key}"
    key = f"{alias_base(parsed.buyer_alias)}|{parsed.order_id or '-'}"
    return (
        f"{parsed.account}|{key}" if parsed.account else key
    )  # the first account's keys are as they always were


def alias_base(address: str | None) -> str:
    """A relay alias without its +suffix (Amazon adds case ids to the same buyer's alias), lower-case."""
    local, _, domain = (address or "").lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if local and domain else ""


def same_buyer(conv: Row, parsed: ParsedMail) -> bool:
    """Whether a buyer message belongs to this conversation: a buyer conversation of the same account and relay
    alias, and no two different order ids."""
    if conv.get("kind") != "buyer" or not parsed.buyer_alias or conv.get("account") != parsed.account:
        return False
    if alias_base(conv.get("buyer_alias")) != alias_base(parsed.buyer_alias):
        return False
    return not (conv.get("order_id") and parsed.order_id and conv["order_id"] != parsed.order_id)
