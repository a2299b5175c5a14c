"""The answering listeners through the whole bot: menus, send as is, release, retries, thread offers, stale windows."""

from __future__ import annotations

import asyncio
import json
from email.message import EmailMessage
from pathlib import Path

from bot.mail.source import IncomingMail
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail
from tests.support.clock import pinned_clock
from tests.support.desk import Desk, open_desk, texts
from tests.support.smtp import SmtpServer

# The template button → modal → send path, the guard keeping the modal open, double submits, Retry after a refused
# send, thread offers sent on purpose, claims, "No response needed" and the invoice are the scenarios of
# tests/scenarios/test_reply.py; "Mark handled" on an A-to-z notice is tests/scenarios/test_claims.py.


async def test_the_more_replies_menu_opens_the_chosen_template(desk: Desk) -> None:
    await desk.click("U0AGENT", "reply_pick", selected="damaged")
    await desk.slack.wait_for(lambda: desk.slack.open_view("U0AGENT") is not None)
    view = desk.slack.open_view("U0AGENT")
    assert view is not None and view["callback_id"] == "reply_modal"
    text = next(b for b in view["blocks"] if b.get("block_id") == "reply")["element"]["initial_value"]
    assert "Bestellung 302-1234567-1234567 beschädigt" in text and text.endswith("Example Shop Kundenservice")
    meta = json.loads(view["private_metadata"])
    assert set(meta) == {"d", "c"}  # the draft's key and its conversation: the draft is in the store
    assert (desk.deps.store.draft(key=meta["d"]) or {})["template"] == "damaged"
    assert desk.smtp.messages == []  # nothing goes out before Send


async def test_a_template_this_conversation_cannot_fill_is_explained_not_opened(desk: Desk) -> None:
    buttons = [e["action_id"] for b in desk.card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    if "reply_template:where_is_my_order" in buttons:  # suggested, as a button
        await desk.click("U0AGENT", "reply_template:where_is_my_order")
    else:  # or in the menu of the others
        await desk.click("U0AGENT", "reply_pick", selected="where_is_my_order")
    told = await desk.told("U0AGENT")
    assert told.startswith(":warning: ") and "tracking_number" in told
    assert desk.seen_by("U0AGENT")[0]["thread_ts"] == desk.card["ts"]
    assert desk.slack.open_view("U0AGENT") is None


async def test_send_as_is_sends_a_safe_template_without_the_modal_once(desk: Desk) -> None:
    await asyncio.gather(  # two people choose from the menu at the same moment
        desk.click("U0AGENT", "send_as_is", selected="acknowledgement"),
        desk.click("U0LEAD", "send_as_is", selected="invoice_request"),
    )
    await eventually(lambda: len(desk.smtp.messages) == 1, what="one reply")
    await desk.note("sent to the buyer")
    [send] = desk.deps.store.sends()
    loser = "U0LEAD" if send["by_user"] == "U0AGENT" else "U0AGENT"
    told = await desk.told(loser)
    assert told.startswith(":warning: ") and "already answered" in told
    [mail] = desk.smtp.messages
    assert isinstance(mail, EmailMessage)
    expected = "Wir haben Ihr Anliegen erhalten" if send["by_user"] == "U0AGENT" else "Rechnung"
    assert expected in mail.get_content()
    assert desk.slack.open_view("U0AGENT") is None and desk.slack.open_view("U0LEAD") is None  # no modal
    await asyncio.sleep(0.2)
    assert len(desk.smtp.messages) == 1


async def test_release_gives_a_claimed_conversation_back(desk: Desk) -> None:
    await desk.click("U0ONCALL", "claim", value="claim")
    await desk.slack.wait_for(lambda: "<@U0ONCALL> is on it" in texts(desk.card["blocks"]))
    await desk.click("U0ONCALL", "claim", value="release")
    await desk.slack.wait_for(lambda: "is on it" not in texts(desk.card["blocks"]))
    assert desk.conv["claimed_by"] is None and "I'll take it" in texts(desk.card["blocks"])


async def test_retrying_a_reply_that_went_out_meanwhile_sends_nothing_more(desk: Desk) -> None:
    desk.smtp.refuse("550 5.7.1 Sender not authorised")
    await desk.click("U0AGENT", "send_as_is", selected="acknowledgement")
    failed = await desk.note("NOT sent")
    await desk.click("U0AGENT", "retry_send", ts=failed["ts"])
    await eventually(lambda: len(desk.smtp.messages) == 1, what="the retried reply")
    await desk.note("sent to the buyer")

    await desk.click("U0LEAD", "retry_send", ts=failed["ts"])  # the old note's button, pressed again
    assert await desk.told("U0LEAD") == "This reply was sent already."
    assert desk.seen_by("U0LEAD")[0]["thread_ts"] == desk.card["ts"]  # in the thread the note is in
    await asyncio.sleep(0.2)
    assert len(desk.smtp.messages) == 1 and desk.deps.store.sends()[0]["state"] == "sent"


async def test_it_was_sent_settles_a_send_the_bot_was_stopped_in(desk: Desk) -> None:
    desk.smtp.refuse("550 5.7.1 Sender not authorised")
    await desk.click("U0AGENT", "send_as_is", selected="acknowledgement")
    await desk.note("NOT sent")
    [send] = desk.deps.store.sends()
    desk.deps.store.update_send(send_id=int(send["id"]), state="sending")  # as a crash mid-send leaves it
    desk.deps.mailer.recover()  # what the bot does at its next start
    uncertain = await desk.note("may or may not have been sent")
    await desk.click("U0LEAD", "mark_sent", ts=uncertain["ts"])
    await eventually(lambda: desk.deps.store.sends()[0]["state"] == "sent", what="the send confirmed")
    assert desk.conv["state"] == "answered" and desk.conv["answered_by"] == "U0AGENT"  # who wrote it
    await desk.slack.wait_for(lambda: "Answered by <@U0AGENT>" in texts(desk.card["blocks"]))
    assert desk.smtp.messages == []  # confirmed, never sent twice


async def test_keep_internal_answers_the_offer_in_place(desk: Desk) -> None:
    await desk.people.say(
        user="U0AGENT", channel="C0INBOX", text="Intern: ERP prüfen", thread_ts=desk.card["ts"]
    )
    await desk.told("U0AGENT")
    offer = desk.seen_by("U0AGENT")[0]
    await desk.click("U0AGENT", "thread_keep", ts=offer["ts"])
    await desk.slack.wait_for(lambda: offer["text"] == "Kept internal: not sent to the buyer.")
    assert offer["blocks"] == [] and len(desk.seen_by("U0AGENT")) == 1  # replaced, not added
    assert desk.slack.open_view("U0AGENT") is None and desk.smtp.messages == []


async def test_a_thread_message_deleted_before_review_is_not_sent(desk: Desk) -> None:
    await desk.people.say(
        user="U0AGENT", channel="C0INBOX", text="Oops, wrong card", thread_ts=desk.card["ts"]
    )
    await desk.told("U0AGENT")
    offer = desk.seen_by("U0AGENT")[0]
    [message] = desk.thread()
    desk.slack.messages["C0INBOX"].remove(message)  # the person deletes their message
    desk.slack._by_ts.pop(("C0INBOX", message["ts"]))
    await desk.click("U0AGENT", "thread_send", ts=offer["ts"])
    await desk.slack.wait_for(lambda: "gone" in offer["text"])
    assert offer["text"] == "That message is gone (deleted?): nothing to send."
    assert desk.slack.open_view("U0AGENT") is None


async def test_a_reply_window_that_is_out_of_date_is_refused_in_the_window(desk: Desk) -> None:
    await desk.click("U0AGENT", "reply_blank")
    await desk.slack.wait_for(lambda: desk.slack.open_view("U0AGENT") is not None)
    view = desk.slack.open_view("U0AGENT")
    assert view is not None
    view["private_metadata"] = "{not json"  # e.g. a window from before an upgrade
    ack = await desk.people.submit_view(
        user="U0AGENT", values={"reply": {"text": {"type": "plain_text_input", "value": "Hallo"}}}
    )
    assert ack["payload"] == {
        "response_action": "errors",
        "errors": {"reply": "This window is out of date: close it and start again."},
    }
    assert desk.slack.open_view("U0AGENT") is not None and desk.deps.store.sends() == []


async def test_a_reply_button_on_a_message_that_is_no_card_says_so(desk: Desk) -> None:
    button = {"type": "button", "action_id": "reply_blank", "text": {"type": "plain_text", "text": "Write"}}
    stray = desk.slack._m_chat_postMessage(
        {"channel": "C0INBOX", "text": "old", "blocks": [{"type": "actions", "elements": [button]}]}
    )
    await desk.click("U0AGENT", "reply_blank", ts=stray["ts"])
    assert await desk.told("U0AGENT") == "This card belongs to no conversation the bot knows."
    assert desk.slack.open_view("U0AGENT") is None


async def test_when_the_reply_window_cannot_open_the_person_is_told_to_click_again(desk: Desk) -> None:
    desk.slack.fail("views.open", status=200, error="expired_trigger_id", retry_after=None)
    await desk.click("U0AGENT", "reply_template:invoice_request")
    assert await desk.told("U0AGENT") == "The reply window could not open (expired_trigger_id): click again."
    await desk.click("U0AGENT", "reply_template:invoice_request")  # and it works the next time
    await desk.slack.wait_for(lambda: desk.slack.open_view("U0AGENT") is not None)


def refused(desk: Desk) -> list[tuple[str, int | None, str]]:
    """(who, conversation, what) of each refusal in the audit log."""
    rows = [r for r in desk.deps.store.query("SELECT * FROM audit ORDER BY id") if r["action"] == "refused"]
    return [(r["actor"], r["conversation_id"], json.loads(r["detail"])["what"]) for r in rows]


async def test_what_only_responders_may_do_on_a_card_is_refused_saying_who_may(
    tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer
) -> None:
    """U0ONCALL is no responder: every button that decides for the team is refused, told and audited."""
    async with open_desk(tmp_path, fake_slack, smtp, responders="U0AGENT", leads="U0LEAD") as desk:
        who = "Only <@U0AGENT> (responders) or <@U0LEAD> (leads) may"
        conv_id = int(desk.conv["id"])
        desk.smtp.refuse("550 5.7.1 Sender not authorised")
        await desk.click("U0AGENT", "send_as_is", selected="acknowledgement")
        failed = await desk.note("NOT sent")
        await desk.click("U0ONCALL", "retry_send", ts=failed["ts"])
        assert await desk.told("U0ONCALL", 1) == f":warning: {who} send a reply again."
        [send] = desk.deps.store.sends()
        assert send["state"] == "failed"

        desk.deps.store.update_send(send_id=int(send["id"]), state="sending")  # as a crash mid-send leaves it
        desk.deps.mailer.recover()
        uncertain = await desk.note("may or may not have been sent")
        await desk.click("U0ONCALL", "mark_sent", ts=uncertain["ts"])
        assert await desk.told("U0ONCALL", 2) == (
            f":warning: {who} confirm that a reply was sent. If you know it reached the buyer, tell them in the thread."
        )
        assert desk.deps.store.sends()[0]["state"] == "uncertain" and desk.conv["state"] == "open"

        await desk.click("U0ONCALL", "no_response")
        assert await desk.told("U0ONCALL", 3) == (
            f":warning: {who} close a conversation without a reply. You can discuss it in the thread."
        )
        assert desk.conv["state"] == "open"

        await desk.click("U0AGENT", "claim", value="claim")
        await desk.slack.wait_for(lambda: "<@U0AGENT> is on it" in texts(desk.card["blocks"]))
        await desk.click("U0ONCALL", "claim", value="release")
        assert await desk.told("U0ONCALL", 4) == (
            f":warning: {who} release someone else's claim. Ask <@U0AGENT> in the thread."
        )
        assert desk.conv["claimed_by"] == "U0AGENT"

        await desk.deps.intake.handle(
            IncomingMail(fixture_mail("notice_atoz.eml"), "t2", desk.deps.clock.now())
        )
        await desk.slack.wait_for(lambda: len(desk.slack.posts("C0INBOX", top_level=True)) == 2)
        notice = desk.slack.posts("C0INBOX", top_level=True)[1]
        notice_id = int((await desk.stored_card(notice["ts"]))["id"])
        await desk.click("U0ONCALL", "notice_handled", ts=notice["ts"])
        assert await desk.told("U0ONCALL", 5) == (
            f":warning: {who} mark an Amazon notice handled. You can discuss it in the thread."
        )
        assert desk.deps.store.conversation(conversation_id=notice_id)["state"] == "open"
        assert refused(desk) == [
            ("U0ONCALL", conv_id, "send a reply again"),
            ("U0ONCALL", conv_id, "confirm that a reply was sent"),
            ("U0ONCALL", conv_id, "close a conversation without a reply"),
            ("U0ONCALL", conv_id, "release someone else's claim"),
            ("U0ONCALL", notice_id, "mark an Amazon notice handled"),
        ]
        assert desk.smtp.messages == []

        await desk.click("U0LEAD", "claim", value="release")  # a lead releases another person's claim
        await eventually(lambda: desk.conv["claimed_by"] is None, what="the claim released by a lead")
        await desk.click("U0AGENT", "mark_sent", ts=uncertain["ts"])  # a responder confirms
        await eventually(lambda: desk.conv["state"] == "answered", what="the send confirmed by a responder")
        await desk.click("U0LEAD", "notice_handled", ts=notice["ts"])
        await eventually(
            lambda: desk.deps.store.conversation(conversation_id=notice_id)["state"] == "closed",
            what="the notice handled by a lead",
        )
        assert len(refused(desk)) == 5 and desk.smtp.messages == []


async def test_a_retry_button_naming_another_cards_send_does_nothing(desk: Desk) -> None:
    """A send id that went through Slack is checked against the card it was clicked on."""
    desk.smtp.refuse("550 5.7.1 Sender not authorised")
    await desk.click("U0AGENT", "send_as_is", selected="acknowledgement")
    failed = await desk.note("NOT sent")
    other = await desk.deps.intake.handle(
        IncomingMail(fixture_mail("en_shipping.eml"), "t2", desk.deps.clock.now())
    )
    message = desk.deps.store.conversation_messages(conversation_id=other.conversation_id)[0]
    foreign, _ = desk.deps.store.create_send(
        key="other",
        conversation_id=other.conversation_id,
        reply_to_row=message["id"],
        text="Hi",
        by_user="U0AGENT",
    )
    desk.deps.store.update_send(send_id=int(foreign["id"]), state="failed", error="550")
    await desk.click("U0AGENT", "retry_send", ts=failed["ts"], value=str(foreign["id"]))
    await asyncio.sleep(0.3)
    assert desk.deps.store.send(send_id=int(foreign["id"]))["state"] == "failed"  # type: ignore[index]
    assert desk.smtp.messages == []


async def test_a_long_german_draft_with_umlauts_is_sent_whole_from_the_reply_window(desk: Desk) -> None:
    """The window's private_metadata (3,000 characters at most) carries only the draft's key, so a draft of any
    length opens, is submitted and goes out as written."""
    sentence = (
        "Grüße aus Köln: Ihre Kaffeemühle ist unterwegs, und wir kümmern uns persönlich um Ihre Bestellung. "
    )
    long = ("Sehr geehrter Herr Müller,\n\n" + sentence * 25).strip()
    assert 2300 < len(long) < 2700 and len(long.encode()) > 2500
    await desk.say("U0AGENT", long, thread_ts=desk.card["ts"])
    await desk.told("U0AGENT")
    offer = desk.seen_by("U0AGENT")[0]
    await desk.click("U0AGENT", "thread_send", ts=offer["ts"])
    await desk.slack.wait_for(lambda: desk.slack.open_view("U0AGENT") is not None)
    view = desk.slack.open_view("U0AGENT")
    assert view is not None and len(view["private_metadata"]) < 100
    ack = await desk.submit("U0AGENT")
    assert ack.get("payload") in (None, {}), ack
    await eventually(lambda: len(desk.smtp.messages) == 1, what="the reply")
    body = desk.smtp.messages[0].get_body(("plain",))
    assert body is not None and body.get_content().replace("\r\n", "\n").strip() == long
    [send] = desk.deps.store.sends()
    assert send["text"] == long and not send["edited"]


async def test_a_forged_reply_window_naming_files_or_another_conversations_draft_is_refused(
    desk: Desk,
) -> None:
    await desk.deps.intake.handle(IncomingMail(fixture_mail("fr_damaged.eml"), "t2", pinned_clock().now()))
    await desk.slack.wait_for(lambda: len(desk.slack.posts("C0INBOX", top_level=True)) == 2)
    own = desk.conv
    other = next(c for c in desk.deps.store.conversations() if c["id"] != own["id"])
    theirs = desk.deps.replies.draft(other, user="U0LEAD", text="Bonjour")
    view = await desk.open_reply("U0AGENT", "reply_blank")
    mine = json.loads(view["private_metadata"])
    values = {"reply": {"text": {"type": "plain_text_input", "value": "Hallo"}}}
    for forged in (
        {**mine, "a": ["/etc/passwd"]},  # files of its own to attach
        {"d": theirs.key, "c": own["id"]},  # another conversation's draft in this card's window
        {"d": theirs.key, "c": other["id"]},  # someone else's draft
    ):
        view["private_metadata"] = json.dumps(forged)
        ack = await desk.people.submit_view(user="U0AGENT", values=values)
        assert ack["payload"] == {
            "response_action": "errors",
            "errors": {"reply": "This window is out of date: close it and start again."},
        }, forged
    await asyncio.sleep(0.2)
    assert desk.deps.store.sends() == [] and desk.smtp.messages == []


async def test_a_warning_is_sent_only_when_confirmed_and_a_block_never(desk: Desk) -> None:
    """An emoji only warns: the first Send explains, "Send it anyway" sends it (audited); a link is never sent."""
    await desk.open_reply("U0AGENT", "reply_blank")
    ack = await desk.submit("U0AGENT", "Guten Tag, Ihr Ersatz ist unterwegs 🙂")
    error = ack["payload"]["errors"]["reply"]
    assert error.startswith("Check before sending") and "🙂" in error and "write it in words instead" in error
    blocked = await desk.submit("U0AGENT", "Anleitung: https://example-shop.de/anleitung 🙂", confirm=True)
    assert (
        blocked["payload"]["errors"]["reply"].startswith("Not sent.")
        and "remove the link" in blocked["payload"]["errors"]["reply"]
    )
    assert desk.deps.store.sends() == []
    ok = await desk.submit("U0AGENT", "Guten Tag, Ihr Ersatz ist unterwegs 🙂", confirm=True)
    assert "errors" not in (ok.get("payload") or {})
    await eventually(lambda: len(desk.smtp.messages) == 1, what="the confirmed reply")
    audit = [
        a
        for a in desk.deps.store.query("SELECT * FROM audit ORDER BY id")
        if a["action"] == "guard_warning_confirmed"
    ]
    assert (
        len(audit) == 1
        and audit[0]["actor"] == "U0AGENT"
        and json.loads(audit[0]["detail"])["rules"] == ["emoji"]
    )


async def test_a_notice_is_marked_handled_with_how_it_ended(desk: Desk) -> None:
    await desk.deps.intake.handle(IncomingMail(fixture_mail("notice_atoz.eml"), "t2", desk.deps.clock.now()))
    await desk.slack.wait_for(lambda: len(desk.slack.posts("C0INBOX", top_level=True)) == 2)
    notice = desk.slack.posts("C0INBOX", top_level=True)[1]
    conv_id = int((await desk.stored_card(notice["ts"]))["id"])
    await desk.click("U0LEAD", "notice_handled_as", ts=notice["ts"], selected="appealed")
    await eventually(
        lambda: (desk.deps.store.conversation(conversation_id=conv_id) or {}).get("state") == "closed",
        what="the notice closed",
    )
    assert (desk.deps.store.conversation(conversation_id=conv_id) or {})["outcome"] == "appealed"
    await desk.slack.wait_for(lambda: "Handled by <@U0LEAD>" in texts(notice["blocks"]))
    assert "Appealed" in texts(notice["blocks"])


async def test_an_outcome_slack_should_not_have_sent_is_not_stored(desk: Desk) -> None:
    await desk.deps.intake.handle(IncomingMail(fixture_mail("notice_atoz.eml"), "t2", desk.deps.clock.now()))
    await desk.slack.wait_for(lambda: len(desk.slack.posts("C0INBOX", top_level=True)) == 2)
    notice = desk.slack.posts("C0INBOX", top_level=True)[1]
    conv = await desk.stored_card(notice["ts"])
    desk.deps.replies.handled(conv, user="U0LEAD", outcome="<script>")
    assert (desk.deps.store.conversation(conversation_id=int(conv["id"])) or {})["outcome"] is None
