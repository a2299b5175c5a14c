"""Thread notes about Amazon's notices: the link between a notice and the buyer's conversation about the same order,
and the reply Amazon did not deliver (with the ways to send it again)."""

from __future__ import annotations

import json
from typing import Any

from bot.cards.card import NOTICE_TITLES, CardTime, Message, escape, quoted, slack_date, truncate
from bot.cards.ids import ActionId
from bot.cards.reply import button
from bot.store.store import Row, parse_iso


def related_note(payload: dict[str, Any], at: CardTime) -> Message:
    """A link to the other card about the same order: the notice from the buyer's card, and the other way round."""
    order = f" `{escape(str(payload.get('order_id')))}`" if payload.get("order_id") else ""
    if payload.get("kind") == "notice":
        what = NOTICE_TITLES.get(str(payload.get("notice_type")), "a notice from Amazon")
        text = f":link: Amazon about this order{order}: *{escape(what)}*"
    else:
        text = f":link: {escape(payload.get('buyer_name') or 'The buyer')}'s conversation about this order{order}"
    link = payload.get("link")
    text += f" · <{link}|open its card>" if link else " (its card is in this channel)"
    return {
        "text": "Also about this order",
        "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}],
    }


def undelivered_note(notice: Row, send: Row | None, at: CardTime) -> Message:
    """Amazon says a reply did not reach the buyer: which one, with which files, and what Amazon wrote."""
    if send is not None:
        when = parse_iso(send.get("sent_at"))
        names = [
            str(a.get("path", "")).rsplit("/", 1)[-1] for a in json.loads(send.get("attachments") or "[]")
        ]
        head = f"the reply <@{send['by_user']}> sent" + (f" {slack_date(when, at.tz)}" if when else "")
        head += f" (with {escape(', '.join(names))})" if names else ""
        sent_text = quoted(str(send.get("text") or ""), 1200)
    else:
        head, sent_text = "a message sent outside this bot (Seller Central or another tool)", ""
    text = (
        f":warning: *Amazon did not deliver {head}.*\n{sent_text}\n*Amazon wrote:*\n"
        f"{quoted(str(notice.get('text') or ''), 800)}\nThe conversation is open again: the buyer still waits."
    )
    buttons = [button("Write again", ActionId.BLANK, "", "primary")]
    if send is not None:  # or the same words through Amazon's messaging, where Amazon allows it now
        buttons.append(
            button("Send it through Amazon instead…", ActionId.MESSAGE_BUYER, f"send:{send['id']}")
        )
    return {
        "text": "Amazon did not deliver a reply to the buyer",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 2900)}},
            {"type": "actions", "elements": buttons},
        ],
    }
