"""Replies: advice, drafts, the guard, submitting once, retries, decisions, and who is drafting, on the real parts."""

# Through Slack, not repeated here: click → modal → SMTP, the guard keeping the modal open, two people submitting
# at once and a resubmission being the same send (tests/scenarios/test_reply.py); a refused sender's modal error
# (tests/handlers/test_commands.py); Retry, It was sent, No response needed, Mark handled and releasing another
# person's claim refused for someone who is no responder (tests/handlers/test_replies.py).

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import build_deps
from bot.clock.clocks import Clock, FakeClock
from bot.deps import Deps
from bot.mail.source import IncomingMail
from bot.replies.library import TemplateProblem
from bot.replies.model import parse_metadata
from bot.replies.products import Product
from bot.sandbox.slack_api import FakeSlack
from bot.services.amazon import Item, Money, Order
from bot.store.store import Row
from tests.conftest import fixture_mail, make_settings
from tests.support.clock import TEAM_TIME, pinned_clock

ORDER = "302-1234567-1234567"  # de_invoice.eml
FR_ORDER = "404-1111111-2222222"  # fr_damaged.eml
DAMAGED_ORDER = "302-7654321-7654321"  # de_damaged_topic.eml
SMTP = {
    "smtp_host": "127.0.0.1",
    "smtp_port": 2525,
    "smtp_tls": "plain",
    "smtp_from": "service@example-shop.de",
    "reply_signature": "Example Shop Kundenservice",
}

Build = Callable[..., Deps]


@pytest.fixture
async def build(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[Build]:
    """The bot's parts as build_deps wires them (sending set up unless told otherwise), on the pinned clock."""
    built: list[Deps] = []

    def make(*, clock: Clock | None = None, **overrides: Any) -> Deps:
        settings = make_settings(tmp_path / str(len(built)), fake_slack, **{**SMTP, **overrides})
        client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url)
        deps = build_deps(settings, clock=clock or pinned_clock(), client=client)
        built.append(deps)
        return deps

    yield make
    for deps in built:
        await deps.enricher.close()
        await deps.http.aclose()
        deps.store.close()


async def mail(deps: Deps, name: str = "de_invoice.eml") -> Row:
    await deps.intake.handle(IncomingMail(fixture_mail(name), "ref", pinned_clock().now()))
    return deps.store.conversations()[-1]


def actions(deps: Deps) -> list[str]:
    return [a["action"] for a in deps.store.query("SELECT * FROM audit ORDER BY id")]


def redraw_queued(deps: Deps, conv: Row) -> bool:
    return deps.store.update_pending(conversation_id=int(conv["id"]))


def save_order(deps: Deps, order_id: str, total: str, fulfilled_by: str = "MERCHANT") -> None:
    order = Order(
        order_id=order_id,
        marketplace="A13V1IB3VIYZZH",
        status="Shipped",
        fulfilled_by=fulfilled_by,
        purchase_date="2026-11-20T10:00:00Z",
        total=Money(total, "EUR"),
        items=[Item(title="Tasse en porcelaine", quantity=1, sku="CUP-1", unit_price=Money(total, "EUR"))],
    )
    deps.store.save_order(order_id=order_id, data=order.to_json())


# ---- advice ----


async def test_advice_suggests_templates_for_the_latest_message_in_its_language(build: Build) -> None:
    deps = build()
    conv = await mail(deps)
    advice = deps.replies.advice(conv)
    assert advice.latest is not None and advice.latest["kind"] == "buyer_message"
    assert advice.latest["id"] == deps.store.conversation_messages(conversation_id=conv["id"])[0]["id"]
    assert advice.suggested[0].key == "invoice_request" and advice.suggested[0].language == "de"
    assert advice.reason.startswith("invoice request (") and "“rechnung”" in advice.reason
    assert {t.key for t in advice.others} == set(deps.library.template_keys())
    assert advice.recommendation is None  # no order known: the refund matrix has nothing to go on


@pytest.mark.parametrize(
    ("total", "says"),
    [("19.90", "Offer a partial refund if the buyer keeps it"), ("39.90", "See the photos first")],
)
async def test_advice_recommends_what_the_refund_matrix_says_for_the_order(
    build: Build, total: str, says: str
) -> None:
    deps = build()
    conv = await mail(
        deps, "de_damaged_topic.eml"
    )  # "… die Glaskanne ist zerbrochen": damaged, whatever is asked
    save_order(deps, DAMAGED_ORDER, total)
    advice = deps.replies.advice(conv)
    assert advice.suggested[0].key == "damaged" and advice.suggested[0].language == "de"
    assert advice.recommendation is not None
    assert advice.recommendation.startswith(f":scales: *Recommended:* {says}")
    assert f"order value {total} EUR" in advice.recommendation


async def test_where_is_my_order_on_an_amazon_fulfilled_order_suggests_amazons_tracking(build: Build) -> None:
    deps = build()
    conv = await mail(deps, "de_unknown_charset.eml")  # "wann kommt mein Paket?"
    save_order(deps, "302-4545454-5656565", "30.00")
    merchant = [t.key for t in deps.replies.advice(conv).suggested]
    assert merchant[0] == "where_is_my_order" and "fba_delivery" not in merchant
    save_order(deps, "302-4545454-5656565", "30.00", fulfilled_by="AMAZON")
    fba = [t.key for t in deps.replies.advice(conv).suggested]
    assert fba[0] == "fba_delivery" and not {"where_is_my_order", "late_or_lost"} & set(fba)
    draft = deps.replies.draft(
        conv, user="U0AGENT", template="fba_delivery"
    )  # no tracking needed: no refusal
    assert "Lieferung verfolgen" in draft.text


async def test_a_parcel_the_carrier_returned_to_us_suggests_saying_so_first(build: Build) -> None:
    deps = build()
    conv = await mail(deps, "de_unknown_charset.eml")  # "wann kommt mein Paket?"
    save_order(deps, "302-4545454-5656565", "30.00")
    deps.store.upsert_package(
        order_id="302-4545454-5656565",
        tracking_number="00340434161094042557",
        carrier="dhl",
        status="in_transit",
    )
    assert deps.replies.advice(conv).suggested[0].key != "returned_to_sender"
    deps.store.upsert_package(
        order_id="302-4545454-5656565",
        tracking_number="00340434161094042557",
        carrier="dhl",
        status="returned",
    )
    assert deps.replies.advice(conv).suggested[0].key == "returned_to_sender"


# ---- drafting ----


async def test_a_draft_renders_the_template_and_carries_what_the_submission_needs(build: Build) -> None:
    deps = build()
    conv = await mail(deps)
    draft = deps.replies.draft(conv, user="U0AGENT", template="invoice_request")
    assert draft.text.startswith("Hallo Max Müller,") and ORDER in draft.text
    assert draft.text.rstrip().endswith("Example Shop Kundenservice")
    assert draft.template is not None and draft.template.key == "invoice_request" and draft.notes == []
    latest = deps.replies.latest_buyer_message(conv)
    assert latest is not None
    stored = deps.store.draft(key=draft.key)
    assert stored is not None
    assert (
        stored["conversation_id"],
        stored["user"],
        stored["template"],
        stored["reply_to_row"],
        stored["language"],
        stored["text"],
        stored["attachments"],
    ) == (conv["id"], "U0AGENT", "invoice_request", latest["id"], "de", draft.text, [])
    meta = draft.metadata  # all the modal carries: the draft's key and its conversation
    assert meta == {"d": draft.key, "c": conv["id"]} and len(draft.key) == 32
    assert parse_metadata(json.dumps(meta)) == meta
    assert deps.replies.draft(conv, user="U0AGENT").key != draft.key  # each draft its own key
    assert actions(deps).count("reply_drafted") == 2


async def test_a_blank_draft_keeps_the_conversations_language(build: Build) -> None:
    deps = build()
    conv = await mail(deps, "fr_damaged.eml")
    draft = deps.replies.draft(conv, user="U0AGENT", text="Bonjour")
    assert draft.text == "Bonjour" and draft.template is None
    stored = deps.store.draft(key=draft.key) or {}
    assert (stored["template"], stored["language"], stored["text"]) == (None, "fr", "Bonjour")


async def test_a_template_missing_in_the_buyers_language_is_shown_in_english_with_a_note(
    build: Build,
) -> None:
    deps = build()
    conv = await mail(deps, "br_plus_alias.eml")
    deps.store.update_conversation(conversation_id=int(conv["id"]), language="tr")  # Turkish: no templates
    conv = deps.store.conversation(conversation_id=int(conv["id"])) or conv
    draft = deps.replies.draft(conv, user="U0AGENT", template="wrong_item")
    assert draft.template is not None and draft.template.language == "en"
    assert draft.language == "en" and (deps.store.draft(key=draft.key) or {})["language"] == "en"
    [note] = draft.notes
    assert (
        note.startswith(":globe_with_meridians: No Turkish version of “")
        and "the English one is shown" in note
    )


async def test_a_draft_warns_of_a_claim_of_someone_else_and_of_sending_not_set_up(build: Build) -> None:
    deps = build(smtp_host="")
    conv = await mail(deps)
    deps.replies.claim(conv, user="U0LEAD")
    conv = deps.store.conversation(conversation_id=int(conv["id"])) or {}
    notes = deps.replies.draft(conv, user="U0AGENT", template="acknowledgement").notes
    assert notes[0] == ":warning: <@U0LEAD> has claimed this conversation: check the thread before you send."
    assert notes[1].startswith(":no_entry: Sending is not set up (INBOX_BOT_SMTP_HOST)")
    own = deps.replies.draft(conv, user="U0LEAD", template="acknowledgement").notes
    assert not any("has claimed" in n for n in own)  # their own claim


async def test_an_invoice_draft_attaches_the_orders_pdf_or_says_there_is_none(
    build: Build, tmp_path: Path
) -> None:
    folder = tmp_path / "invoices"
    folder.mkdir()
    deps = build(invoice_folder=folder)
    conv = await mail(deps)
    with pytest.raises(TemplateProblem, match=f"no invoice PDF for order {ORDER}"):
        deps.replies.draft(conv, user="U0AGENT", template="invoice_resent", invoice=True)
    (folder / f"RE-0041_{ORDER}.pdf").write_bytes(b"%PDF-1.4 old")
    (folder / f"RE-0042_{ORDER}.pdf").write_bytes(b"%PDF-1.4 new")
    (folder / f"RE-0043_{ORDER}.txt").write_text("not a pdf")
    draft = deps.replies.draft(conv, user="U0AGENT", template="invoice_resent", invoice=True)
    assert draft.attachments == [str(folder / f"RE-0042_{ORDER}.pdf")]
    assert (deps.store.draft(key=draft.key) or {})["attachments"] == draft.attachments
    assert f":paperclip: RE-0042_{ORDER}.pdf will be attached" in draft.notes


async def test_a_products_manual_is_offered_and_attached_only_for_that_products_orders(
    build: Build, tmp_path: Path
) -> None:
    manual = tmp_path / "KM-1 Anleitung.pdf"
    manual.write_bytes(b"%PDF-1.4 manual")
    products = [Product(name="Cup", sku_prefix="CUP-", files=[manual], howto={"de": "Erst ausspülen."})]
    deps = build(products=products)
    conv = await mail(deps)
    assert deps.replies.manuals_for(conv) == []  # no order known yet: nothing to offer
    with pytest.raises(TemplateProblem, match="no manual"):
        deps.replies.draft(conv, user="U0AGENT", template="how_to_use", manual=True)
    save_order(deps, ORDER, "12.00")  # an order of the cup (SKU CUP-1)
    assert deps.replies.manuals_for(conv) == [manual]
    draft = deps.replies.draft(conv, user="U0AGENT", template="how_to_use", manual=True)
    assert draft.attachments == [str(manual)] and "Erst ausspülen." in draft.text
    assert ":paperclip: KM-1 Anleitung.pdf will be attached" in draft.notes
    outcome = deps.replies.submit(draft.metadata, draft.text, user="U0AGENT")
    assert outcome.errors == {} and json.loads(outcome.send["attachments"]) == [{"path": str(manual)}]
    other = build(products=[Product(name="Lamp", sku_prefix="LAMP-", files=[manual])])
    conv = await mail(other)
    save_order(other, ORDER, "12.00")
    assert other.replies.manuals_for(conv) == []  # another product's manual is never offered


async def test_drafting_names_who_opened_a_reply_lately_and_has_not_sent(build: Build) -> None:
    clock = FakeClock(TEAM_TIME)
    deps = build(clock=clock)
    conv = await mail(deps)
    deps.replies.draft(conv, user="U0LEAD")
    clock.advance(minutes=5)
    deps.replies.draft(conv, user="U0ONCALL")
    assert sorted(deps.replies.drafting(conv, besides="U0AGENT")) == ["U0LEAD", "U0ONCALL"]
    assert deps.replies.drafting(conv, besides="U0LEAD") == ["U0ONCALL"]  # never yourself
    warned = deps.replies.draft(conv, user="U0AGENT").notes
    assert any("<@U0LEAD> opened a reply to this conversation" in n for n in warned)
    draft = deps.replies.draft(conv, user="U0ONCALL", text="Bonjour")
    assert deps.replies.submit(draft.metadata, "Hallo Max, die Rechnung kommt.", user="U0ONCALL").created
    assert deps.replies.drafting(conv, besides="U0AGENT") == ["U0LEAD"]  # U0ONCALL has sent since
    clock.advance(minutes=11)  # U0LEAD's draft is 16 minutes old
    assert deps.replies.drafting(conv, besides="U0AGENT") == []


# ---- the guard ----


async def test_check_lets_tracking_numbers_through_and_finds_a_phone_number(build: Build) -> None:
    deps = build()
    conv = await mail(deps)
    deps.store.upsert_package(
        order_id=ORDER, tracking_number="00340434161094042557", carrier="dhl", status="in_transit"
    )
    assert deps.replies.check(conv, f"Ihre Sendung {ORDER} hat die Nummer 00340434161094042557.") == []
    second = "Das zweite Paket hat die Nummer 00340434161094042558."  # another parcel: a number, not a phone
    assert deps.replies.check(conv, second) == []
    found = deps.replies.check(conv, "Unsere Nummer: 030 1234567.")
    assert [v.rule for v in found] == ["phone_number"] and found[0].excerpt == "030 1234567"


async def test_check_covers_the_attachments_and_the_teams_switched_off_rules(build: Build) -> None:
    deps = build()
    conv = await mail(deps)
    assert deps.replies.check(conv, "Anbei die Rechnung.", ["/invoices/RE-1.pdf"]) == []
    assert [v.rule for v in deps.replies.check(conv, "Schreiben Sie an info@example-shop.de")] == [
        "email_address"
    ]
    relaxed = build(guard_disabled_rules="email_address")
    conv = await mail(relaxed)
    assert relaxed.replies.check(conv, "Schreiben Sie an info@example-shop.de") == []


# ---- submitting ----


async def test_submit_queues_one_send_wakes_the_mailer_and_records_the_edit(build: Build) -> None:
    deps = build()
    conv = await mail(deps)
    draft = deps.replies.draft(conv, user="U0AGENT", template="invoice_request")
    outcome = deps.replies.submit(draft.metadata, draft.text + "\nDanke!", user="U0AGENT")
    assert outcome.created and outcome.errors == {} and outcome.send is not None
    send = outcome.send
    assert (send["state"], send["by_user"], send["template"], send["language"]) == (
        "queued",
        "U0AGENT",
        "invoice_request",
        "de",
    )
    assert send["edited"] and send["reply_to_row"] == draft.reply_to_row
    assert deps.mailer.wake.is_set() and actions(deps)[-1] == "reply_queued"
    unedited = build()
    conv = await mail(unedited)
    draft = unedited.replies.draft(conv, user="U0AGENT", template="invoice_request")
    plain = unedited.replies.submit(draft.metadata, draft.text + "  \n", user="U0AGENT").send
    assert plain is not None and not plain["edited"]  # trailing blanks are no edit


async def test_submit_refuses_people_who_are_no_responders(build: Build) -> None:
    deps = build(responders="U0AGENT", leads="U0LEAD")
    conv = await mail(deps)
    draft = deps.replies.draft(conv, user="U0OTHER", template="acknowledgement")
    assert any("may send replies to buyers" in n for n in draft.notes)  # told before they write
    deps.mailer.wake.clear()
    outcome = deps.replies.submit(draft.metadata, draft.text, user="U0OTHER")
    assert outcome.send is None and not outcome.created
    assert outcome.errors["reply"] == (
        "Only <@U0AGENT> (responders) or <@U0LEAD> (leads) may send replies to buyers. "
        "You can claim it and discuss it in the thread."
    )
    assert deps.store.sends() == [] and not deps.mailer.wake.is_set()
    [line] = [a for a in deps.store.query("SELECT * FROM audit ORDER BY id") if a["action"] == "refused"]
    assert line["actor"] == "U0OTHER" and line["conversation_id"] == conv["id"]
    assert json.loads(line["detail"])["what"] == "send replies to buyers"
    assert not any("may send" in n for n in deps.replies.draft(conv, user="U0AGENT").notes)
    lead = deps.replies.draft(conv, user="U0LEAD", template="acknowledgement")
    assert deps.replies.submit(lead.metadata, lead.text, user="U0LEAD").created


async def test_submit_refuses_what_the_guard_finds_and_sends_nothing(build: Build) -> None:
    deps = build()
    conv = await mail(deps)
    draft = deps.replies.draft(conv, user="U0AGENT")
    outcome = deps.replies.submit(
        draft.metadata, "Bitte bewerten Sie uns! Anruf: +49 221 1234567", user="U0AGENT"
    )
    error = outcome.errors["reply"]
    assert error.startswith("Not sent. • ") and "phone numbers" in error and "review" in error
    assert deps.store.sends() == [] and not deps.mailer.wake.is_set()


async def test_submit_without_sending_set_up_or_for_another_conversation(build: Build) -> None:
    deps = build()
    conv = await mail(deps)
    draft = deps.replies.draft(conv, user="U0AGENT", template="acknowledgement")
    forged = deps.replies.submit({**draft.metadata, "c": 9999}, draft.text, user="U0AGENT")
    assert forged.errors == {"reply": "This window is out of date: close it and start again."}
    deps.replies.can_send = False
    off = deps.replies.submit(draft.metadata, draft.text, user="U0AGENT")
    assert "INBOX_BOT_SMTP_HOST and INBOX_BOT_SMTP_FROM" in off.errors["reply"]
    assert deps.store.sends() == []


async def test_submitting_the_same_draft_again_is_the_same_send(build: Build) -> None:
    deps = build()
    conv = await mail(deps)
    draft = deps.replies.draft(conv, user="U0AGENT", template="acknowledgement")
    first = deps.replies.submit(draft.metadata, draft.text, user="U0AGENT")
    deps.mailer.wake.clear()
    again = deps.replies.submit(draft.metadata, draft.text, user="U0AGENT")
    assert again.send is not None and first.send is not None and again.send["id"] == first.send["id"]
    assert not again.created and again.errors == {}
    assert not deps.mailer.wake.is_set() and actions(deps).count("reply_queued") == 1
    assert len(deps.store.sends()) == 1


async def test_a_second_answer_to_the_same_buyer_message_is_refused(build: Build) -> None:
    deps = build()
    conv = await mail(deps)
    mine = deps.replies.draft(conv, user="U0AGENT", template="acknowledgement")
    deps.replies.submit(mine.metadata, mine.text, user="U0AGENT")
    again = deps.replies.draft(conv, user="U0AGENT", template="invoice_request")
    told = deps.replies.submit(again.metadata, again.text, user="U0AGENT")
    assert told.errors["reply"] == "You already answered this message (queued): see the thread."
    lead = deps.replies.draft(conv, user="U0LEAD", template="invoice_request")
    other = deps.replies.submit(lead.metadata, lead.text, user="U0LEAD")
    assert other.errors["reply"] == "<@U0AGENT> already answered this message (queued): see the thread."
    same_key = deps.replies.submit(
        lead.metadata, mine.text, user="U0LEAD", key=mine.key
    )  # e.g. one thread message
    assert same_key.errors["reply"] == "<@U0AGENT> already answered this message: see the thread."
    not_theirs = deps.replies.submit(mine.metadata, mine.text, user="U0LEAD")  # a window is its opener's
    assert not_theirs.errors["reply"] == "This window is out of date: close it and start again."
    assert len(deps.store.sends()) == 1


# ---- after sending ----


async def a_send(deps: Deps, state: str) -> tuple[Row, int]:
    conv = await mail(deps)
    send, _ = deps.store.create_send(
        key=f"k-{state}", conversation_id=int(conv["id"]), reply_to_row=None, text="Hallo", by_user="U0AGENT"
    )
    deps.store.update_send(
        send_id=int(send["id"]),
        state=state,
        attempts=3,
        error="451 greylisted",
        next_attempt_at="2099-01-01T00:00:00+00:00",
    )
    return conv, int(send["id"])


@pytest.mark.parametrize("state", ["failed", "uncertain"])
async def test_retry_queues_a_failed_or_uncertain_send_again(build: Build, state: str) -> None:
    deps = build()
    _, send_id = await a_send(deps, state)
    deps.mailer.wake.clear()
    retried = deps.replies.retry(send_id, user="U0LEAD")
    assert retried is not None
    assert (retried["state"], retried["attempts"], retried["error"]) == ("queued", 0, None)
    assert retried["next_attempt_at"] <= deps.store.now()  # due at once
    assert deps.mailer.wake.is_set() and actions(deps)[-1] == "send_retried"


async def test_retry_leaves_a_send_that_went_out_alone(build: Build) -> None:
    deps = build()
    _, send_id = await a_send(deps, "sent")
    deps.mailer.wake.clear()
    kept = deps.replies.retry(send_id, user="U0LEAD")
    assert kept is not None and kept["state"] == "sent" and kept["attempts"] == 3
    assert not deps.mailer.wake.is_set() and "send_retried" not in actions(deps)
    assert deps.replies.retry(9999, user="U0LEAD") is None


async def test_mark_sent_answers_the_conversation_in_the_senders_name(build: Build) -> None:
    deps = build()
    conv, send_id = await a_send(deps, "uncertain")
    deps.replies.mark_sent(send_id, user="U0LEAD")
    send = deps.store.send(send_id=send_id)
    assert send is not None and send["state"] == "sent" and send["sent_at"] and send["error"] is None
    answered = deps.store.conversation(conversation_id=int(conv["id"])) or {}
    assert answered["state"] == "answered" and answered["answered_by"] == "U0AGENT"
    audit = deps.store.query("SELECT * FROM audit WHERE action = 'send_confirmed' ORDER BY id")
    assert [a["actor"] for a in audit] == ["U0LEAD"]
    assert redraw_queued(deps, conv)


async def test_mark_sent_only_confirms_an_uncertain_send(build: Build) -> None:
    deps = build()
    conv, send_id = await a_send(deps, "failed")
    deps.replies.mark_sent(send_id, user="U0LEAD")
    assert (deps.store.send(send_id=send_id) or {})["state"] == "failed"
    assert (deps.store.conversation(conversation_id=int(conv["id"])) or {})["state"] == "open"
    assert not redraw_queued(deps, conv)


# ---- decisions ----


async def test_no_response_needed_closes_an_open_conversation_once(build: Build) -> None:
    deps = build()
    conv = await mail(deps)
    deps.replies.no_response(conv, user="U0LEAD")
    closed = deps.store.conversation(conversation_id=int(conv["id"])) or {}
    assert (closed["state"], closed["closed_by"]) == ("closed", "U0LEAD") and closed["deadline"]
    assert redraw_queued(deps, conv) and actions(deps).count("no_response_needed") == 1
    deps.replies.no_response(closed, user="U0AGENT")  # a second click changes nothing
    again = deps.store.conversation(conversation_id=int(conv["id"])) or {}
    assert again["closed_by"] == "U0LEAD" and actions(deps).count("no_response_needed") == 1


async def test_no_response_needed_leaves_an_answered_conversation_answered(build: Build) -> None:
    deps = build()
    conv = await mail(deps)
    deps.store.answer(conversation_id=int(conv["id"]), by="U0AGENT")
    answered = deps.store.conversation(conversation_id=int(conv["id"])) or {}
    deps.replies.no_response(answered, user="U0LEAD")
    assert (deps.store.conversation(conversation_id=int(conv["id"])) or {})["state"] == "answered"
    assert "no_response_needed" not in actions(deps) and not redraw_queued(deps, conv)


async def test_a_handled_notice_is_closed_with_its_type_in_the_audit(build: Build) -> None:
    deps = build()
    notice = await mail(deps, "notice_atoz.eml")
    deps.replies.handled(notice, user="U0LEAD")
    assert (deps.store.conversation(conversation_id=int(notice["id"])) or {})["state"] == "closed"
    [row] = deps.store.query("SELECT * FROM audit WHERE action = 'notice_handled' ORDER BY id")
    assert row["actor"] == "U0LEAD" and "a_to_z_claim" in row["detail"]
    assert redraw_queued(deps, notice)


async def test_claiming_and_releasing_redraw_the_card(build: Build) -> None:
    deps = build()
    conv = await mail(deps)
    deps.replies.claim(conv, user="U0AGENT")
    assert (deps.store.conversation(conversation_id=int(conv["id"])) or {})["claimed_by"] == "U0AGENT"
    deps.replies.claim(conv, user="U0AGENT", release=True)
    assert (deps.store.conversation(conversation_id=int(conv["id"])) or {})["claimed_by"] is None
    assert actions(deps)[-2:] == ["claimed", "released"]


async def test_a_window_naming_a_draft_of_another_conversation_or_files_of_its_own_is_refused(
    build: Build, tmp_path: Path
) -> None:
    """What a reply sends lives in the store: a forged private_metadata can neither name files to attach nor send
    another conversation's draft (with its invoice) from this window."""
    folder = tmp_path / "invoices"
    folder.mkdir()
    (folder / f"RE-0042_{ORDER}.pdf").write_bytes(b"%PDF-1.4 invoice")
    deps = build(invoice_folder=folder)
    conv = await mail(deps)
    other = await mail(deps, "fr_damaged.eml")
    theirs = deps.replies.draft(conv, user="U0AGENT", template="invoice_resent", invoice=True)
    mine = deps.replies.draft(other, user="U0AGENT", text="Bonjour")
    with pytest.raises(ValueError):
        parse_metadata(
            json.dumps({**mine.metadata, "a": ["/etc/passwd"]})
        )  # a window naming files of its own
    for forged in (
        {"d": theirs.key, "c": other["id"]},  # another conversation's draft, in this conversation's window
        {"d": "0" * 32, "c": other["id"]},  # a draft that does not exist
    ):
        outcome = deps.replies.submit(forged, "Bonjour", user="U0AGENT")
        assert outcome.errors == {"reply": "This window is out of date: close it and start again."}
    not_mine = deps.replies.submit(theirs.metadata, "Hallo", user="U0LEAD")  # someone else's draft
    assert not_mine.errors == {"reply": "This window is out of date: close it and start again."}
    assert deps.store.sends() == [] and actions(deps).count("draft_refused") == 3
    sent = deps.replies.submit(mine.metadata, "Bonjour", user="U0AGENT").send
    assert sent is not None and json.loads(sent["attachments"]) == []  # the stored draft's, not a window's
