"""The window to message a buyer first."""

from __future__ import annotations

import json

from bot.cards.message import message_modal

CONV = {"id": 7, "buyer_name": "Max Müller", "marketplace": "amazon.de", "order_id": "302-1234567-1234567"}


def test_the_ways_come_first_and_the_first_is_preselected() -> None:
    view = message_modal(
        CONV,
        text="Hallo",
        metadata={"d": "k", "c": 7},
        channels=["amazon:unexpectedProblem", "email"],
        notes=["note one"],
    )
    assert view["callback_id"] == "message_modal" and json.loads(view["private_metadata"]) == {
        "d": "k",
        "c": 7,
    }
    ids = [b.get("block_id") for b in view["blocks"]]
    assert ids.index("channel") < ids.index("reply") < ids.index("confirm")
    assert "follow_up" not in ids  # a follow-up belongs to answers, not to messages written first
    channel = view["blocks"][ids.index("channel")]["element"]
    assert [o["value"] for o in channel["options"]] == ["amazon:unexpectedProblem", "email"]
    assert channel["initial_option"]["value"] == "amazon:unexpectedProblem"
    assert channel["options"][1]["text"]["text"] == "E-mail to the buyer's relay address"
    assert "note one" in json.dumps(view["blocks"]) and "own words" not in json.dumps(view["blocks"])


def test_the_invoice_way_says_the_text_is_not_sent() -> None:
    view = message_modal(CONV, text="", metadata={"d": "k", "c": 7}, channels=["amazon:invoice"], notes=[])
    assert "not sent" in json.dumps(view["blocks"])
