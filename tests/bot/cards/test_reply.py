"""Block Kit for answering: reply buttons, notice actions, the reply modal, send notes and the thread offer."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.cards import reply as R
from bot.replies.library import Template
from bot.store.store import ANSWERED_OUTSIDE_SLACK, iso
from tests.bot.cards.conftest import AT, conv, refused
from tests.support.clock import TEAM_TIME


def template(key: str, *, label: str | None = None, safe: bool = False) -> Template:
    return Template(
        key=key,
        language="en",
        title=key,
        label=label or key.replace("_", " ").capitalize(),
        intents=(key,),
        requires=(),
        safe=safe,
        proactive=False,
        source="",
        path=f"templates/en/{key}.md.j2",
    )


def actions(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def by_action(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    [element] = [e for e in actions(blocks) if e["action_id"] == action_id]
    return element


def replies(conversation: dict[str, Any], **kw: Any) -> list[dict[str, Any]]:
    args: dict[str, Any] = {
        "suggested": [],
        "others": [],
        "reason": "the buyer's question",
        "no_response_link": None,
        "invoice": False,
    }
    args.update(kw)
    return R.reply_blocks(conversation, AT, **args)


def test_suggested_templates_come_first_and_the_rest_in_a_menu() -> None:
    suggested = [template(k) for k in ("invoice_request", "where_is_my_order", "damaged", "return_request")]
    others = [*suggested, template("thanks"), template("cancel_order")]
    blocks = replies(conv(), suggested=suggested, others=others, reason="an <invoice> request")
    assert refused(blocks) == []
    elements = actions(blocks)
    buttons = [e for e in elements if e["action_id"].startswith("reply_template:")]
    assert [b["action_id"] for b in buttons] == [
        "reply_template:invoice_request",
        "reply_template:where_is_my_order",
        "reply_template:damaged",
    ]
    assert [b["value"] for b in buttons] == ["invoice_request", "where_is_my_order", "damaged"]
    assert [b.get("style") for b in buttons] == ["primary", None, None]
    menu = by_action(blocks, "reply_pick")
    assert [o["value"] for o in menu["options"]] == ["return_request", "thanks", "cancel_order"]
    assert by_action(blocks, "reply_blank")["text"]["text"] == "Write a reply"
    claim = by_action(blocks, "claim")
    assert (claim["text"]["text"], claim["value"]) == ("I'll take it", "claim")
    assert blocks[-1]["elements"][0]["text"] == "Suggested for an &lt;invoice&gt; request"
    unsure = replies(conv(), suggested=suggested, others=others, reason="could be a <or> b", unsure=True)
    assert blocks[:-1] == unsure[:-1]
    assert unsure[-1]["elements"][0]["text"] == (
        ":grey_question: Not sure what the buyer wants: could be a &lt;or&gt; b. Templates for both come first."
    )


def test_only_safe_suggestions_can_be_sent_as_is_after_a_confirmation() -> None:
    suggested = [template("where_is_my_order", safe=True), template("damaged")]
    blocks = replies(conv(), suggested=suggested, others=suggested)
    send = by_action(blocks, "send_as_is")
    assert [o["value"] for o in send["options"]] == ["where_is_my_order"]
    assert send["confirm"]["confirm"]["text"] == "Send"
    assert "send_as_is" not in {e["action_id"] for e in actions(replies(conv(), suggested=[template("x")]))}


def test_invoice_and_no_response_buttons_appear_when_they_can_be_used() -> None:
    link = "https://sellercentral.amazon.de/messaging/no-response?id=1"
    blocks = replies(conv(), invoice=True, no_response_link=link)
    assert refused(blocks) == []
    assert by_action(blocks, "send_invoice")["text"]["text"] == "Send invoice"
    closing = by_action(blocks, "no_response")
    assert closing["url"] == link and closing["style"] == "danger"
    assert closing["confirm"]["confirm"]["text"] == "Yes, close it"
    plain = {e["action_id"] for e in actions(replies(conv()))}
    assert plain == {"reply_blank", "claim"}


def test_menus_and_labels_stay_within_slacks_limits() -> None:
    others = [template(f"t{n}", label=f"Template number {n} " + "x" * 100) for n in range(150)]
    blocks = replies(conv(), suggested=others[:1], others=others)
    assert refused(blocks) == []
    menu = by_action(blocks, "reply_pick")
    assert len(menu["options"]) == 100 and menu["options"][0]["value"] == "t1"
    assert all(len(o["text"]["text"]) <= 75 for o in menu["options"])
    assert by_action(blocks, "reply_template:t0")["text"]["text"].endswith("…")


def test_a_claimed_conversation_says_who_is_on_it_and_offers_release() -> None:
    blocks = replies(conv(claimed_by="U0AGENT"))
    assert blocks[0]["elements"][0]["text"] == ":raising_hand: <@U0AGENT> is on it"
    release = by_action(blocks, "claim")
    assert (release["text"]["text"], release["value"]) == ("Release", "release")


def test_a_settled_conversation_shows_only_who_settled_it() -> None:
    answered_at = iso(TEAM_TIME - timedelta(hours=1))
    answered = replies(conv(state="answered", answered_by="U0AGENT", answered_at=answered_at))
    assert [b["type"] for b in answered] == ["context"]
    text = answered[0]["elements"][0]["text"]
    assert text.startswith(":white_check_mark: Answered by <@U0AGENT> <!date^")
    outside = R.status_line(conv(state="answered", answered_by=ANSWERED_OUTSIDE_SLACK), AT)
    assert outside == ":white_check_mark: Answered in Seller Central"
    closed = replies(conv(state="closed", closed_by="U0LEAD"))
    assert closed[0]["elements"][0]["text"] == ":no_entry_sign: No response needed: decided by <@U0LEAD>"
    assert actions(closed) == []
    assert R.status_line(conv(), AT) == ""


def test_notice_actions_offer_claim_and_mark_handled_until_handled() -> None:
    open_notice = R.notice_actions(conv(), AT)
    assert refused(open_notice) == []
    assert by_action(open_notice, "claim")["value"] == "claim"
    handled = by_action(open_notice, "notice_handled")
    assert handled["style"] == "primary" and handled["confirm"]["confirm"]["text"] == "Yes, handled"

    claimed = R.notice_actions(conv(claimed_by="U0AGENT"), AT)
    assert claimed[0]["elements"][0]["text"] == ":raising_hand: <@U0AGENT> is on it"
    assert by_action(claimed, "claim")["value"] == "release"

    done = R.notice_actions(conv(state="closed", closed_by="U0LEAD", closed_at=iso(TEAM_TIME)), AT)
    assert refused(done) == [] and actions(done) == []
    assert done[0]["elements"][0]["text"].startswith(":white_check_mark: Handled by <@U0LEAD> <!date^")


def test_the_reply_modal_carries_the_draft_within_limits() -> None:
    metadata = {"c": 7, "r": 12, "t": "invoice_request", "l": "de"}
    modal = R.reply_modal(
        conv(buyer_name="<Max>"),
        text="Guten Tag,\n" + "a" * 4000,
        metadata=metadata,
        title="Reply to the buyer of order 302-1234567-1234567",
        notes=["Rendered in English: no German template", "n" * 2500],
    )
    assert refused(modal["blocks"]) == []
    assert modal["type"] == "modal" and modal["callback_id"] == "reply_modal"
    assert len(modal["title"]["text"]) <= 24 and modal["title"]["text"].endswith("…")
    assert json.loads(modal["private_metadata"]) == metadata
    head = modal["blocks"][0]["text"]["text"]
    assert head == "*To:* &lt;Max&gt; (amazon.de) · order `302-1234567-1234567`"
    assert modal["blocks"][1]["elements"][0]["text"] == "Rendered in English: no German template"
    assert len(modal["blocks"][2]["elements"][0]["text"]) <= 2000
    [field, follow_up, confirm] = [b for b in modal["blocks"] if b["type"] == "input"]
    assert follow_up["block_id"] == "follow_up" and follow_up["optional"] is True
    assert follow_up["element"]["initial_option"]["value"] == "none"  # no template: no reminder preset
    assert field["block_id"] == "reply" and field["element"]["action_id"] == "text"
    assert confirm["block_id"] == "confirm" and confirm["optional"] is True  # only warnings can be confirmed
    assert [o["value"] for o in confirm["element"]["options"]] == ["yes"]
    assert field["element"]["max_length"] == R.MODAL_TEXT_LIMIT
    assert field["element"]["initial_value"] == ("Guten Tag,\n" + "a" * 4000)[: R.MODAL_TEXT_LIMIT]


def test_the_templates_follow_up_is_preset_and_any_length_can_be_chosen_off() -> None:
    modal = R.reply_modal(conv(), text="Hi", metadata={}, follow_up_hours=48)
    [follow_up] = [b for b in modal["blocks"] if b.get("block_id") == "follow_up"]
    options = follow_up["element"]["options"]
    assert follow_up["element"]["initial_option"] == next(o for o in options if o["value"] == "48")
    assert follow_up["element"]["initial_option"]["text"]["text"] == "in 2 days"
    assert options[0]["value"] == "none" and "1" in [o["value"] for o in options]
    odd = R.reply_modal(conv(), text="Hi", metadata={}, follow_up_hours=36)  # a team template's own length
    [follow_up] = [b for b in odd["blocks"] if b.get("block_id") == "follow_up"]
    assert follow_up["element"]["initial_option"]["text"]["text"] == "in 36 hours"
    assert refused(odd["blocks"]) == []


def test_a_presale_modal_has_no_order() -> None:
    modal = R.reply_modal(conv(order_id=None, buyer_name=None, marketplace=None), text="Hi", metadata={})
    assert modal["blocks"][0]["text"]["text"] == "*To:* the buyer (Amazon)"


def send(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 42,
        "by_user": "U0AGENT",
        "text": "Guten Tag,\n\nanbei die Rechnung.\nBeste Grüße",
        "sent_at": iso(TEAM_TIME),
        "message_id": "<reply-42@example-shop.de>",
        "auto": 0,
        "error": None,
    }
    base.update(kw)
    return base


def test_a_sent_note_quotes_the_reply_and_says_who_sent_it() -> None:
    note = R.send_note(send(), "sent", AT)
    assert refused(note["blocks"]) == []
    text = note["blocks"][0]["text"]["text"]
    assert text.startswith(":outbox_tray: *Sent to the buyer* by <@U0AGENT> <!date^")
    assert text.endswith("\n> Guten Tag,\n>\n> anbei die Rechnung.\n> Beste Grüße")
    assert note["blocks"][1]["elements"][0]["text"] == "Message-ID &lt;reply-42@example-shop.de&gt;"
    auto = R.send_note(send(auto=1), "sent", AT)["blocks"][0]["text"]["text"]
    assert "automatically (where-is-my-order auto-reply)" in auto and "<@U0AGENT>" not in auto


def test_retrying_uncertain_and_failed_sends_offer_the_right_buttons() -> None:
    retrying = R.send_note(send(error="451 4.7.1 Greylisted"), "retrying", AT)
    assert refused(retrying["blocks"]) == [] and actions(retrying["blocks"]) == []
    assert "not sent yet (451 4.7.1 Greylisted); retrying" in retrying["blocks"][0]["elements"][0]["text"]

    uncertain = R.send_note(send(), "uncertain", AT)
    assert refused(uncertain["blocks"]) == []
    assert "Seller Central → Buyer Messages → Sent" in uncertain["blocks"][0]["text"]["text"]
    assert [(e["action_id"], e["value"], e.get("style")) for e in actions(uncertain["blocks"])] == [
        ("retry_send", "42", "danger"),
        ("mark_sent", "42", None),
    ]

    failed = R.send_note(send(error="550 <rejected> " + "x" * 900), "failed", AT)
    assert refused(failed["blocks"]) == [] and failed["text"] == "Reply NOT sent"
    text = failed["blocks"][0]["text"]["text"]
    assert "was not sent:* 550 &lt;rejected&gt; x" in text and text.endswith("…")
    assert [(e["action_id"], e["value"]) for e in actions(failed["blocks"])] == [("retry_send", "42")]
    assert "unknown problem" in R.send_note(send(), "failed", AT)["blocks"][0]["text"]["text"]


def test_a_sent_note_for_the_longest_reply_the_modal_allows_fits_slack() -> None:
    text = "Please check the list:\n" + "\n".join(f"- item {n} & co" for n in range(400))
    note = R.send_note(send(text=text[: R.MODAL_TEXT_LIMIT]), "sent", AT)
    assert refused(note["blocks"]) == []


def test_the_thread_offer_quotes_the_message_and_asks_before_sending() -> None:
    blocks = R.thread_offer("Hi <!channel>\n\nthanks & bye", "1764148800.000100|1764148900.000200")
    assert refused(blocks) == []
    assert (
        blocks[0]["text"]["text"] == "Send this to the buyer?\n> Hi &lt;!channel&gt;\n>\n> thanks &amp; bye"
    )
    assert [(e["action_id"], e["value"]) for e in actions(blocks)] == [
        ("thread_send", "1764148800.000100|1764148900.000200"),
        ("thread_keep", "1764148800.000100|1764148900.000200"),
    ]
    assert "Only you see this" in blocks[-1]["elements"][0]["text"]


def test_the_thread_offer_for_a_long_message_fits_slack() -> None:
    text = "\n".join(f"Q&A {n}" for n in range(400))
    assert refused(R.thread_offer(text, "1.1|1.2")) == []
