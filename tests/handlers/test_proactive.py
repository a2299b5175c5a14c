"""The 'Message the buyer…' listeners through the whole bot (SP-API paths: tests/scenarios/test_message_buyer.py)."""

from __future__ import annotations

from typing import Any

from tests.conftest import eventually
from tests.support.desk import Desk, texts


async def open_window(desk: Desk, choice: str) -> dict[str, Any]:
    await desk.click("U0AGENT", "message_buyer", selected=choice)
    await desk.slack.wait_for(lambda: desk.slack.open_view("U0AGENT") is not None)
    view = desk.slack.open_view("U0AGENT")
    assert view is not None
    return view


async def test_the_menu_opens_the_window_with_the_chosen_template(desk: Desk) -> None:
    assert "Message the buyer…" in texts(desk.card["blocks"])
    view = await open_window(desk, "damaged")
    assert view["callback_id"] == "message_modal"
    text = next(b for b in view["blocks"] if b.get("block_id") == "reply")["element"]["initial_value"]
    assert "Bestellung 302-1234567-1234567 beschädigt" in text
    channel = next(b for b in view["blocks"] if b.get("block_id") == "channel")["element"]
    assert [o["value"] for o in channel["options"]] == ["email"]  # no SP-API here: the relay alias only
    assert "SP-API is not set up" in texts(view["blocks"])


async def test_send_queues_one_e_mail_and_a_stale_window_keeps_the_modal_open(desk: Desk) -> None:
    view = await open_window(desk, "blank")
    stale = {**view, "private_metadata": "{not json"}
    desk.slack.views[view["id"]] = stale
    ack = await desk.people.submit_view(user="U0AGENT")
    assert "out of date" in ack["payload"]["errors"]["reply"]
    desk.slack.views[view["id"]] = view
    text = "Hallo, zu Bestellung 302-1234567-1234567: die Rechnung folgt heute."
    ack = await desk.people.submit_view(
        user="U0AGENT",
        values={
            "reply": {"text": {"type": "plain_text_input", "value": text}},
            "channel": {"channel": {"type": "static_select", "selected_option": {"value": "email"}}},
        },
    )
    assert not ack.get("payload")
    await eventually(lambda: len(desk.smtp.messages) == 1, what="the e-mail")
    [send] = desk.deps.store.sends()
    latest = desk.deps.store.latest_buyer_message(conversation_id=int(desk.conv["id"]))
    assert latest is not None  # the window answers the buyer's open message (once, whoever sends first)
    assert (send["channel"], send["reply_to_row"], send["text"]) == ("email", latest["id"], text)


async def test_a_template_the_conversation_cannot_fill_is_explained(desk: Desk) -> None:
    await desk.click("U0AGENT", "message_buyer", selected="where_is_my_order")  # needs a tracking number
    told = await desk.told("U0AGENT")
    assert told.startswith(":warning: ") and "tracking_number" in told
    assert desk.slack.open_view("U0AGENT") is None
