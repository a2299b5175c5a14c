"""Thread notes about Amazon's notices: the link to the other card, and the reply Amazon did not deliver."""

from __future__ import annotations

import json
from typing import Any

from bot.cards.notices import related_note, undelivered_note
from tests.bot.cards.conftest import AT
from tests.support.clock import TEAM_TIME


def buttons(note: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [
        (e["action_id"], e.get("value"))
        for b in note["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def test_related_note_links_both_ways() -> None:
    notice = related_note(
        {"kind": "notice", "notice_type": "a_to_z_claim", "order_id": "302-1-2", "link": "https://x/p1"}, AT
    )
    text = json.dumps(notice["blocks"])
    assert "A-to-z Guarantee claim" in text and "`302-1-2`" in text and "<https://x/p1|open its card>" in text
    buyer = related_note({"kind": "buyer", "buyer_name": "Max", "order_id": "302-1-2"}, AT)
    assert "Max's conversation" in json.dumps(
        buyer["blocks"]
    ) and "its card is in this channel" in json.dumps(buyer["blocks"])


def test_an_undelivered_reply_offers_writing_again_or_amazon_messaging() -> None:
    send = {
        "id": 42,
        "by_user": "U0AGENT",
        "sent_at": TEAM_TIME.isoformat(),
        "text": "Hier ist Ihre Rechnung.",
        "attachments": json.dumps([{"path": "/srv/invoices/RE-0042.pdf"}]),
    }
    note = undelivered_note({"text": "The buyer has opted out."}, send, AT)
    text = json.dumps(note["blocks"], ensure_ascii=False)
    assert "the reply <@U0AGENT> sent" in text and "RE-0042.pdf" in text and "opted out" in text
    assert buttons(note) == [("reply_blank", None), ("message_buyer", "send:42")]
    outside = undelivered_note({"text": "not delivered"}, None, AT)
    assert buttons(outside) == [("reply_blank", None)]  # nothing of ours to send again
    assert "outside this bot" in json.dumps(outside["blocks"])
