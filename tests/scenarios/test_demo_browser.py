"""The demo in a real browser (Debian's Chromium driven by Playwright): what a newcomer sees and does."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Page, async_playwright, expect

from bot.sandbox.demo import Demo
from bot.sandbox.fake_services import ParcelEvent
from bot.sandbox.world import SAMPLES

CHROMIUM = os.environ.get("INBOX_BOT_CHROMIUM", "/usr/bin/chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    world = Demo(port=free_port(), workdir=tmp_path, post_interval=0.05)
    await world.start()
    yield world
    await world.stop()


@pytest.fixture
async def page(demo: Demo) -> AsyncIterator[Page]:
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = await browser.new_context(
            viewport={"width": 1500, "height": 950}, timezone_id="Europe/Berlin"
        )
        tab = await context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        await tab.goto(demo.url)
        yield tab
        await browser.close()
        assert not errors, f"the page raised JavaScript errors: {errors}"


def card(page: Page, title: str):  # type: ignore[no-untyped-def]
    return page.locator("#messages .msg", has=page.locator(".block-header", has_text=title))


async def test_sample_cards_then_a_new_buyer_message_and_its_follow_up(demo: Demo, page: Page) -> None:
    # The sample mailbox arrives as cards, rendered from the bot's real Block Kit.
    for sample in SAMPLES:
        await expect(card(page, f"{sample.name} · {sample.marketplace}")).to_have_count(1, timeout=15_000)
    invoice = card(page, "Max Müller · amazon.de")
    await expect(invoice).to_contain_text("302-1234567-1234567")
    await expect(invoice).to_contain_text("Rechnung schicken")
    await expect(invoice).to_contain_text("left")  # the answer-by countdown
    await expect(card(page, "Erika Mustermann · amazon.de")).to_contain_text("none (pre-sale question)")
    # Order and tracking are on the cards, from the fake SP-API and carriers.
    await expect(invoice).to_contain_text("Kaffeemühle Edelstahl")
    await expect(invoice).to_contain_text("Delivered")
    claim = page.locator(
        "#messages .msg", has=page.locator(".block-header", has_text="A-to-z Guarantee claim")
    )
    await expect(claim).to_contain_text("Evidence for your response")
    await expect(claim).to_contain_text("Respond by")
    broken = card(page, "Sabine Weber · amazon.de")
    await expect(broken).to_contain_text("Recommended: See the photos first")  # the refund matrix: 35 EUR
    await expect(broken).to_contain_text("Suggested for damaged (")
    await expect(broken).to_contain_text("because of “zerbrochen”")
    # Her photo is in the card's thread, uploaded with Slack's upload flow, and the browser can draw it.
    await expect(broken.locator(".replies-link")).to_have_text("1 reply", timeout=15_000)
    await broken.locator(".replies-link").click()
    photo = page.locator("#thread img.file-image")
    await expect(photo).to_have_count(1)
    await expect(photo).to_have_attribute("title", "karaffe.png")
    assert await photo.evaluate("img => img.complete && img.naturalWidth") == 240
    late = card(page, "John Smith · amazon.co.uk")
    await expect(late).to_contain_text("Problem reported by the carrier")
    await expect(late.get_by_role("button", name="Track", exact=True)).to_have_count(1)

    # A visitor writes as a buyer: the relay mail lands in the mailbox and its card appears.
    form = page.locator("#buyer-form")
    await form.locator("input[name=name]").fill("Jana Schmidt")
    await form.locator("input[name=order_id]").fill("302-1111111-2222222")
    await form.locator("textarea[name=text]").fill("Hallo, wo bleibt mein Paket? <!channel> bitte schnell")
    await page.locator("#buyer-send").click()
    new_card = card(page, "Jana Schmidt · amazon.de")
    await expect(new_card).to_have_count(1, timeout=15_000)
    await expect(new_card).to_contain_text("wo bleibt mein Paket")
    await expect(new_card).to_contain_text("<!channel>")  # shown as text: a buyer cannot ping the channel
    await expect(new_card.locator(".mention.broadcast")).to_have_count(0)
    await expect(new_card).to_contain_text("In transit")
    await expect(new_card).to_contain_text("Wasserfilter-Kartusche")

    # The parcel moves at the carrier; "Refresh order & tracking" brings it onto the card.
    demo.services.parcels["00340434161094099999"].events.append(
        ParcelEvent(29, "delivered", "Die Sendung wurde zugestellt.", "Bremen, DE")
    )
    await new_card.get_by_role("button", name="Refresh order & tracking").click()
    await expect(new_card).to_contain_text("Delivered", timeout=10_000)

    # The same buyer writes again about the same order: it goes into the card's thread.
    await form.locator("textarea[name=text]").fill("Nachtrag: die Sendungsnummer wäre nett.")
    await page.locator("#buyer-send").click()
    await expect(new_card.locator(".replies-link")).to_have_text("1 reply", timeout=15_000)
    await new_card.locator(".replies-link").click()
    thread = page.locator("#thread")
    await expect(thread).to_contain_text("The buyer wrote again")
    await expect(thread).to_contain_text("Sendungsnummer")

    # The team talks in the thread (internal: it stays in Slack).
    await page.locator("#user-switcher").select_option("U0LEAD")
    await page.locator("#thread-input").fill("Ich schaue mir die Sendung an.")
    await page.locator("#thread-composer button").click()
    mine = thread.locator('.msg[data-who="Lena Lead"]', has_text="Ich schaue mir die Sendung an.")
    await expect(mine).to_have_count(1)
    # Only Lena sees the bot's question whether it should go to the buyer: nothing is sent by itself.
    await expect(thread.locator(".msg.ephemeral", has_text="Send this to the buyer?")).to_have_count(1)


async def test_buyer_panel_refuses_bad_input_clearly(demo: Demo) -> None:
    async with aiohttp.ClientSession() as session:
        for body, message in (
            ({"name": "", "text": "hi"}, "needs a name and a message"),
            ({"name": "A", "text": "hi", "order_id": "12-34"}, "order id looks like"),
        ):
            async with session.post(demo.url + "demo/buyer", json=body) as response:
                assert response.status == 400
                assert message in (await response.json())["error"]
        async with session.post(demo.url + "demo/buyer", data=b"not json") as response:
            assert response.status == 400
    assert (
        len(list((demo.maildir / "new").iterdir())) + len(list((demo.maildir / "cur").iterdir()))
        == len(SAMPLES) + 1
    )  # the samples and the A-to-z claim: nothing written for the bad input


async def test_answering_a_card_from_the_page_reaches_the_buyer(demo: Demo, page: Page) -> None:
    invoice = card(page, "Max Müller · amazon.de")
    await expect(invoice).to_contain_text("Kaffeemühle Edelstahl", timeout=15_000)
    await invoice.get_by_role("button", name="Rechnung: wo finden").click()
    modal = page.locator("#modal")
    await expect(modal).to_be_visible()
    await expect(modal.locator("textarea")).to_have_value(re.compile(r"^Hallo Max Müller,"))

    # The guard answers on Send: a link to the shop keeps the modal open with the reason.
    original = await modal.locator("textarea").input_value()
    await modal.locator("textarea").fill(original + "\nMehr auf www.example-shop.de")
    await page.locator("#modal-submit").click()
    await expect(modal.locator(".error")).to_contain_text("no links")
    await modal.locator("textarea").fill(original)
    await page.locator("#modal-submit").click()
    await expect(modal).to_be_hidden()

    mail = page.locator("#mails .mail").first
    await expect(mail).to_contain_text(
        "Re: Sonstiges-Anfrage von Amazon-Kunde Max Müller (Bestellung: 302-1234567-1234567)", timeout=15_000
    )
    await expect(mail).to_contain_text("Meine Bestellungen")
    await expect(invoice).to_contain_text("Answered by @Anna Agent")
    await invoice.locator(".replies-link").click()
    await expect(page.locator("#thread")).to_contain_text("Sent to the buyer")
    assert len(demo.relay.snapshot()) == 1
    if os.environ.get("DEMO_SCREENSHOT"):  # the README's picture: cards, the thread, the reply the buyer got
        await page.screenshot(path=os.environ["DEMO_SCREENSHOT"])


async def test_send_invoice_goes_through_amazons_send_invoice(demo: Demo, page: Page) -> None:
    invoice = card(page, "Max Müller · amazon.de")
    await invoice.get_by_role("button", name="Send invoice").click()
    modal = page.locator("#modal")
    await expect(modal).to_contain_text("Rechnung-302-1234567-1234567.pdf will be attached")
    await expect(modal).to_contain_text("send the invoice")  # Amazon's way, chosen first
    await page.locator("#modal-submit").click()
    mail = page.locator("#mails .mail").first
    await expect(mail).to_contain_text("Amazon message “invoice”", timeout=15_000)
    await expect(mail).to_contain_text("Rechnung-302-1234567-1234567.pdf")
    [sent] = demo.services.messaging.sent
    pdf = demo.services.messaging.uploads[sent.body["attachments"][0]["uploadDestinationId"]]
    assert pdf.startswith(b"%PDF") and len(pdf) > 300 and demo.relay.snapshot() == []


async def test_a_fast_clock_shows_the_escalation_to_on_call(tmp_path: Path) -> None:
    world = Demo(port=free_port(), workdir=tmp_path, post_interval=0.05, speed=3600)  # an hour a second
    await world.start()
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            tab = await browser.new_page(viewport={"width": 1500, "height": 950})
            await tab.goto(world.url)
            invoice = card(tab, "Max Müller · amazon.de")  # 3.5 hours left at the start
            await expect(invoice.locator(".replies-link")).to_be_visible(timeout=20_000)
            await expect(invoice).to_contain_text("🚨", timeout=20_000)  # overdue by now
            await invoice.locator(".replies-link").click()
            thread = tab.locator("#thread")
            await expect(thread).to_contain_text("Urgent", timeout=10_000)
            await expect(thread).to_contain_text("@Omar Oncall please take it")
            await expect(thread).to_contain_text("@Lena Lead")
            await browser.close()
    finally:
        await world.stop()


async def test_a_promise_made_in_a_reply_comes_due_on_a_fast_clock(tmp_path: Path) -> None:
    world = Demo(port=free_port(), workdir=tmp_path, post_interval=0.05, speed=600)  # ten minutes a second
    await world.start()
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            tab = await browser.new_page(viewport={"width": 1500, "height": 950})
            await tab.goto(world.url)
            lamp = card(tab, "John Smith · amazon.co.uk")
            await expect(lamp).to_contain_text("Desk Lamp", timeout=20_000)
            await lamp.get_by_role("button", name="Parcel late").click()
            modal = tab.locator("#modal")
            await expect(modal).to_be_visible()
            remind = modal.locator("select[data-block-id=follow_up]")
            await expect(remind).to_have_value("48")  # the template asks the buyer to choose: 2 days preset
            await remind.select_option("1")  # the person shortens it to an hour
            await tab.locator("#modal-submit").click()
            await expect(modal).to_be_hidden()
            await expect(lamp).to_contain_text("waiting for the buyer", timeout=15_000)
            await expect(lamp).to_contain_text("follow-up due", timeout=20_000)  # an hour is six seconds here
            await lamp.locator(".replies-link").click()
            thread = tab.locator("#thread")
            reminder = thread.locator(".msg", has=tab.get_by_role("button", name="Snooze 4 h"))
            await expect(reminder).to_contain_text("⏰ Follow-up due")
            await expect(reminder).to_contain_text("@Anna Agent")
            await reminder.get_by_role("button", name="Done").click()
            await expect(thread).to_contain_text("Follow-up done by @Anna Agent", timeout=10_000)
            await browser.close()
    finally:
        await world.stop()


async def test_command_box_and_home_tab(demo: Demo, page: Page) -> None:
    await expect(card(page, "Max Müller · amazon.de")).to_contain_text(
        "Kaffeemühle Edelstahl", timeout=15_000
    )
    await page.locator("#composer-input").fill("/order 302-1234567-1234567")
    await page.locator("#composer button").click()
    answer = page.locator("#messages .msg.ephemeral")
    await expect(answer).to_contain_text("Order 302-1234567-1234567", timeout=10_000)
    await expect(answer).to_contain_text("Only visible to you")
    await page.locator("#composer-input").fill("/inbox")
    await page.locator("#composer button").click()
    await expect(page.locator("#messages .msg.ephemeral").last).to_contain_text("Open conversations: 5")
    await page.locator("#home-tab").click()
    await expect(page.locator("#messages")).to_contain_text("Queue by deadline (5 open)", timeout=10_000)
    await expect(page.locator("#messages")).to_contain_text("On call")
