"""Block Kit builders: escaping, limits, the card's content."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.cards import card as B
from tests.bot.cards.conftest import conv as open_conversation

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
AT = B.CardTime(now=NOW, tz=ZoneInfo("Europe/Berlin"))


def conv(**kw: object) -> dict[str, object]:
    """A buyer's conversation with a day left to answer, with every column a card shows."""
    return open_conversation(
        **{
            "id": 1,
            "kind": "buyer",
            "topic": None,
            "language": "de",
            "buyer_alias": "x@marketplace.amazon.de",
            "deadline": (NOW + timedelta(hours=23, minutes=59)).isoformat(),
            "message_count": 1,
            **kw,
        }
    )


def msg(text: str, **kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "text": text,
        "received_at": NOW.isoformat(),
        "attachments": "[]",
        "topic": None,
    }
    base.update(kw)
    return base


def test_escape_only_the_three_control_characters() -> None:
    assert B.escape("<!channel> & <https://evil|amazon.de> *bold*") == (
        "&lt;!channel&gt; &amp; &lt;https://evil|amazon.de&gt; *bold*"
    )


def test_buyer_text_cannot_mention_or_link() -> None:
    card = B.buyer_card(conv(), msg("Hi <!channel> <!here> <@U123> see <https://x.example|amazon.de>"), AT)
    dumped = json.dumps(card)
    for bad in ("<!channel>", "<!here>", "<@U123>", "<https://x.example"):
        assert bad not in dumped
    # every field that comes from a mail, not only the buyer's text
    sneaky = {"topic": "<!channel>", "subject": "<!here>", "sender": "<@U123>"}
    for card in (
        B.buyer_card(conv(topic=sneaky["topic"]), msg("x", **sneaky), AT),
        B.notice_card(conv(kind="notice"), msg("x", **sneaky), AT),
        B.other_card(conv(kind="other"), msg("x", **sneaky), AT),
    ):
        assert not any(bad in json.dumps(card) for bad in sneaky.values()), card


def test_card_shows_order_deadline_and_time_left() -> None:
    card = B.buyer_card(conv(), msg("Wo ist meine Rechnung?"), AT)
    dumped = json.dumps(card, ensure_ascii=False)
    assert "Max Müller · amazon.de" in dumped
    assert "`302-1234567-1234567`" in dumped
    assert "23 h 59 min left" in dumped
    assert "Wo ist meine Rechnung?" in dumped
    deadline_ts = int((NOW + timedelta(hours=23, minutes=59)).timestamp())
    assert f"<!date^{deadline_ts}^" in dumped
    assert "Wed 25 Nov 12:59 CET" in dumped  # the fallback in the team's timezone
    assert card["text"].startswith("New buyer message from Max Müller")


def test_presale_card_and_overdue() -> None:
    card = B.buyer_card(
        conv(order_id=None, deadline=(NOW - timedelta(minutes=90)).isoformat()), msg("Passt das?"), AT
    )
    dumped = json.dumps(card)
    assert "pre-sale" in dumped
    assert "overdue by 1 h 30 min" in dumped


def test_long_text_is_cut_to_limits_with_the_rest_for_the_thread() -> None:
    text = ("Lorem ipsum dolor sit amet. " * 600).strip()
    card = B.buyer_card(conv(), msg(text), AT)
    for block in card["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= B.SECTION_TEXT
    shown, rest = B.split_for_card(text)
    assert rest and (shown + " " + " ".join(rest)).split() == text.split()
    assert all(len(part) <= B.CHUNK for part in rest)
    assert "continues in the thread" in json.dumps(card)
    assert B.continuation(msg(text), 1)["blocks"][0]["text"]["text"].startswith(">")


def test_header_and_blocks_respect_limits() -> None:
    card = B.buyer_card(conv(buyer_name="N" * 400), msg("x"), AT)
    assert len(card["blocks"][0]["text"]["text"]) <= B.HEADER_TEXT
    assert len(card["blocks"]) <= B.MAX_BLOCKS


def test_attachments_are_listed() -> None:
    atts = json.dumps([{"filename": "foto.jpg", "content_type": "image/jpeg", "size": 204800}])
    assert ":paperclip: foto.jpg (200 KB)" in json.dumps(B.buyer_card(conv(), msg("x", attachments=atts), AT))


def test_notice_card_says_when_action_is_needed() -> None:
    notice = B.notice_card(conv(kind="notice", notice_type="message_not_delivered"), msg("blocked"), AT)
    dumped = json.dumps(notice)
    assert "NOT delivered" in dumped and "Needs action" in dumped


def test_raw_card_cannot_break_out_of_its_code_block() -> None:
    card = B.raw_card(
        conv(kind="raw"), msg("", parse_error="boom", subject="<!channel>"), AT, "```<!channel>```"
    )
    dumped = json.dumps(card)
    assert "<!channel>" not in dumped.replace("```<!channel>", "")  # subject escaped
    assert card["blocks"][2]["text"]["text"].count("```") == 2


def test_a_suspicious_mail_says_why_and_offers_nothing_to_click() -> None:
    from bot.sandbox.block_kit import block_problem

    message = {
        "sender": "eve@marketplace.amazon.evilcorp.com",
        "subject": "<!channel> Ihre Bestellung",
        "text": "Bitte bestätigen Sie Ihre Bankdaten: <https://evil.example|hier>",
        "suspicion": "its sender domain marketplace.amazon.evilcorp.com looks like Amazon's but is none of Amazon's domains",
    }
    card = B.suspicious_card(conv(kind="suspicious"), message, AT)
    text = json.dumps(card, ensure_ascii=False)
    assert "Suspicious mail" in text and "looks like Amazon" in text and "Do not answer it" in text
    assert "<!channel>" not in text and "<https://evil.example|" not in text  # shown as text, never as a link
    assert all(b["type"] != "actions" for b in card["blocks"])  # no reply, no no-response button
    assert [block_problem(b) for b in card["blocks"]] == [None] * len(card["blocks"])


EVIL = "<!channel> <@U123> & <https://evil.example|click>"


def mrkdwn_texts(node: object, *, plain: bool = False) -> list[str]:
    """Every text Slack reads as mrkdwn in a message or view: the fallback `text`, mrkdwn objects, confirm texts.
    plain_text objects are left out: Slack shows them literally (escaping them would show '&lt;')."""
    out: list[str] = []
    if isinstance(node, dict):
        is_plain = node.get("type") == "plain_text"
        for key, value in node.items():
            if key == "text" and isinstance(value, str) and not is_plain:
                out.append(value)
            elif key not in ("value", "url", "private_metadata", "action_id", "block_id", "initial_value"):
                out.extend(mrkdwn_texts(value))
    elif isinstance(node, list):
        for item in node:
            out.extend(mrkdwn_texts(item))
    return out


def every_message_the_cards_build() -> dict[str, object]:
    """Each builder of bot/cards with the buyer's name, subject, text, alias … all set to mentions and a link."""
    from bot.cards import clock as C
    from bot.cards import order as O
    from bot.cards import reply as R
    from bot.replies.library import Template
    from bot.services.amazon import Item, Money, Order, Package
    from bot.services.carriers.model import Event, Status, Tracking

    c = conv(
        buyer_name=EVIL,
        marketplace=EVIL,
        order_id=EVIL,
        topic=EVIL,
        language=EVIL,
        buyer_alias=EVIL,
        notice_type=EVIL,
        message_count=2,
        claimed_by="U0AGENT",
    )
    files = json.dumps([{"filename": EVIL, "size": 2048}])
    m = msg(
        f"{EVIL}\n" * 400,  # long: continued in the thread
        subject=EVIL,
        sender=EVIL,
        message_id=EVIL,
        attachments=files,
        parse_error=EVIL,
        no_response_link="https://sellercentral.amazon.de/x",
    )
    big = {**m, "location": EVIL, "size": 70_000_000}
    order = Order(
        order_id=EVIL,
        marketplace="A1PA6795UKMFR9",
        status=EVIL,
        fulfilled_by="MERCHANT",
        purchase_date="2026-11-20T10:00:00Z",
        total=Money(EVIL, "EUR"),
        items=[Item(EVIL, 1)],
        packages=[Package(EVIL, EVIL, ship_time="2026-11-21T10:00:00Z")],
    )
    parcel = Tracking(
        carrier=EVIL,
        tracking_number=EVIL,
        status=Status.EXCEPTION,
        last_event=Event(description=EVIL, location=EVIL, time=None),
        error=EVIL,
    )
    view = O.OrderView(order_id=EVIL, order=order, packages=[parcel], error=EVIL)
    t = Template(EVIL, "de", EVIL, EVIL, (), (), True, False, "", "")
    sla = {"stage": "urgent", "deadline": NOW.isoformat(), "mentions": [], "buyer": EVIL, "order_id": EVIL}
    digest = {
        "date": "2026-11-25",
        "open": 1,
        "answered_yesterday": 0,
        "breaches_yesterday": 0,
        "queue": [{"buyer": EVIL, "order_id": EVIL, "deadline": None}],
    }
    send = {"id": 3, "by_user": "U0AGENT", "text": EVIL, "error": EVIL, "message_id": EVIL}
    return {
        "buyer card": B.buyer_card(c, m, AT, extra=O.order_blocks(view, AT, conversation_id=1)),
        "raw card": B.raw_card({**c, "kind": "raw"}, m, AT, EVIL),
        "too large card": B.raw_card({**c, "kind": "raw"}, big, AT, EVIL),
        "notice card": B.notice_card({**c, "kind": "notice"}, m, AT, extra=O.evidence_blocks(view, AT)),
        "other card": B.other_card(c, m, AT),
        "follow-up": B.followup_message(m, AT),
        "continuation": B.continuation(m, 1),
        "confirmation": B.confirmation_note(m, AT),
        "reply buttons": {
            "blocks": R.reply_blocks(
                c, AT, suggested=[t], others=[t], reason=EVIL, no_response_link=None, invoice=True
            )
        },
        "notice actions": {"blocks": R.notice_actions(c, AT)},
        "modal": R.reply_modal(c, text=EVIL, metadata={"d": "0" * 32, "c": 1}),
        **{f"send note {e}": R.send_note(send, e, AT) for e in ("sent", "retrying", "uncertain", "failed")},
        "thread offer": {"text": "Send this to the buyer?", "blocks": R.thread_offer(EVIL, "1.2|3.4")},
        "reminder": C.reminder(sla, AT),
        "reminder (DM)": C.reminder(sla, AT, direct=True),
        "digest": C.digest({"digest": digest}, AT),
    }


def test_no_buyer_derived_text_can_mention_anyone_or_link_anywhere() -> None:
    """Whatever a buyer writes (as name, subject, text, file name …) is escaped in every field Slack reads as
    mrkdwn, the notification's fallback text included: no @channel, no mention, no disguised link."""
    for name, message in every_message_the_cards_build().items():
        texts = mrkdwn_texts(message)
        assert texts, name
        for text in texts:
            for raw in ("<!channel>", "<@U123>", "<https://evil"):
                assert raw not in text, f"{name}: {raw} in {text[:200]!r}"
        if name not in (
            "confirmation",
            "notice actions",
            "send note uncertain",
        ):  # the others show buyer words
            assert any("&lt;!channel&gt; &lt;@U123&gt; &amp; &lt;https://evil" in text for text in texts), (
                name
            )


def test_a_share_reads_as_a_percentage_or_a_dash() -> None:
    from bot.cards.card import percent

    assert percent(0.125) == "12.5 %" and percent(0.0) == "0.0 %" and percent(None) == "—"
