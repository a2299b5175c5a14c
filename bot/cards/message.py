"""The window to message a buyer first: the reply window with a choice of the ways Amazon allows now."""

from __future__ import annotations

from typing import Any

from bot.cards.card import truncate
from bot.cards.ids import ViewId
from bot.cards.reply import reply_modal
from bot.replies.proactive import channel_label
from bot.store.store import Row

INVOICE_NOTE = "Amazon sends the invoice with its own words: the text below is kept in the thread, not sent."


def message_modal(
    conv: Row, *, text: str, metadata: dict[str, Any], channels: list[str], notes: list[str]
) -> dict[str, Any]:
    """The modal: how it goes (the first way preselected), the text, the guard's confirmation."""
    view = reply_modal(conv, text=text, metadata=metadata, title="Message the buyer", notes=notes)
    view["callback_id"] = ViewId.MESSAGE
    options = [
        {"text": {"type": "plain_text", "text": truncate(channel_label(c), 75)}, "value": c} for c in channels
    ]
    choice = {
        "type": "input",
        "block_id": "channel",
        "label": {"type": "plain_text", "text": "How it goes"},
        "element": {
            "type": "static_select",
            "action_id": "channel",
            "options": options,
            "initial_option": options[0],
        },
    }
    hint = {
        "type": "context",
        "elements": [
            {
                "type": "mrkdwn",
                "text": "Only the ways Amazon allows for this order now are offered. A message written first must "
                "name the order id. "
                + (INVOICE_NOTE if any(c.endswith(":invoice") for c in channels) else ""),
            }
        ],
    }
    blocks = [b for b in view["blocks"] if b.get("block_id") != "follow_up"]
    at = next(n for n, b in enumerate(blocks) if b.get("block_id") == "reply")
    view["blocks"] = [*blocks[:at], choice, hint, *blocks[at:]]
    return view
