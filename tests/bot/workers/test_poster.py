"""The poster against the Slack stand-in: cards, threads, updates, 429s, backlog order, crash recovery."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.sandbox.slack_api import FakeSlack
from tests.bot.workers.conftest import Rig
from tests.conftest import fixture_mail


async def test_card_is_posted_with_content_and_metadata_and_recorded(rig: Rig) -> None:
    await rig.mail("de_invoice.eml")
    await rig.poster.drain()
    [card] = rig.slack.posts("C0INBOX")
    text = json.dumps(card["blocks"], ensure_ascii=False)
    assert "Max Müller · amazon.de" in text and "302-1234567-1234567" in text and "Rechnung schicken" in text
    assert card["metadata"] == {
        "event_type": "inbox_bot_post",
        "event_payload": {"key": "card:<0100018f-de-invoice-0002@email.amazonses.com>"},
    }
    conv = rig.store.conversations()[0]
    assert conv["slack_ts"] == card["ts"] and conv["slack_channel"] == "C0INBOX"
    assert rig.store.pending_outbox_count() == 0


async def test_follow_up_is_threaded_and_the_card_refreshed(rig: Rig) -> None:
    await rig.mail("de_invoice.eml")
    await rig.poster.drain()
    await rig.mail("de_followup_aw.eml")
    await rig.poster.drain()
    [card] = rig.slack.posts("C0INBOX", top_level=True)
    [reply] = rig.slack.posts("C0INBOX", thread_ts=card["ts"])
    assert "Rechnung ist aber immer noch nicht da" in json.dumps(reply["blocks"], ensure_ascii=False)
    assert len(rig.slack.calls_of("chat.update")) == 1
    refreshed = json.dumps(card["blocks"], ensure_ascii=False)
    assert "Message 2 in this conversation" in refreshed and "immer noch nicht da" in refreshed


async def test_thread_post_waits_for_its_parent_card(rig: Rig) -> None:
    await rig.mail("de_invoice.eml")
    await rig.mail("de_followup_aw.eml")
    rig.slack.fail("chat.postMessage", status=500, error="internal_error", retry_after=None)
    await rig.poster.drain()  # the card fails; the thread post and update must wait for it
    assert rig.slack.posts() == []
    rig.clock.advance(seconds=10)
    await rig.poster.drain()
    rig.clock.advance(seconds=10)
    await rig.poster.drain()
    [card] = rig.slack.posts("C0INBOX", top_level=True)
    assert len(rig.slack.posts("C0INBOX", thread_ts=card["ts"])) == 1


async def test_rate_limit_is_honoured_and_nothing_is_posted_twice(rig: Rig) -> None:
    await rig.mail("de_invoice.eml")
    rig.slack.fail("chat.postMessage", status=429, retry_after=1)
    await rig.poster.drain()
    item = rig.store.outbox_item(outbox_id=1)
    assert item["state"] == "pending" and "rate limited" in item["last_error"]
    assert item["next_attempt_at"] >= "2026-11-24T16:30:01"
    assert rig.store.due_outbox() == []  # not before Retry-After
    rig.clock.advance(seconds=1)
    await rig.poster.drain()
    assert len(rig.slack.posts()) == 1
    assert rig.poster.slack.rate_limited == 1
    assert rig.slack.calls_of("conversations.history") == []  # a 429 is known not to have posted


async def test_rate_limit_waits_as_long_as_slacks_retry_after_says(rig: Rig) -> None:
    """Retry-After 3, not the stand-in's default 1: the outbox and the channel's pause both follow Slack's value."""
    import time

    await rig.mail("de_invoice.eml")
    rig.slack.fail("chat.postMessage", status=429, retry_after=3)
    started = time.monotonic()
    await rig.poster.drain()
    assert rig.store.outbox_item(outbox_id=1)["next_attempt_at"] >= "2026-11-24T16:30:03"
    rig.clock.advance(seconds=2)
    assert rig.store.due_outbox() == []
    rig.clock.advance(seconds=1)
    await rig.poster.drain()
    assert len(rig.slack.posts()) == 1
    assert time.monotonic() - started >= 2.9  # the gateway paused the channel, not only the outbox item


async def test_backlog_is_posted_earliest_deadline_first(rig: Rig) -> None:
    for name, date in [
        ("en_shipping.eml", "Mon, 23 Nov 2026 20:00:00 +0000"),
        ("fr_damaged.eml", "Tue, 24 Nov 2026 10:00:00 +0000"),
        ("es_return.eml", "Mon, 23 Nov 2026 18:00:00 +0000"),
    ]:
        raw = fixture_mail(name)
        start = raw.index(b"Date: ")
        end = raw.index(b"\r\n", start)
        await rig.mail(name, raw[:start] + b"Date: " + date.encode() + raw[end:])
    await rig.poster.drain()
    order = [p["text"] for p in rig.slack.posts(top_level=True)]
    assert ["Luc" in order[0], "John" in order[1], "Camille" in order[2]] == [True, True, True]


def dated(name: str, date: str) -> bytes:
    raw = fixture_mail(name)
    start = raw.index(b"Date: ")
    end = raw.index(b"\r\n", start)
    return raw[:start] + b"Date: " + date.encode() + raw[end:]


async def test_a_more_urgent_mail_arriving_mid_drain_goes_next(rig: Rig) -> None:
    rig.intake.on_queued = rig.poster.wake.set  # as the app wires them
    await rig.mail("fr_damaged.eml", dated("fr_damaged.eml", "Tue, 24 Nov 2026 10:00:00 +0000"))
    await rig.mail("de_invoice.eml", dated("de_invoice.eml", "Tue, 24 Nov 2026 11:00:00 +0000"))
    rig.slack.delays = {"chat.postMessage": 0.2}
    drain = asyncio.create_task(rig.poster.drain())
    await rig.slack.wait_for(lambda: len(rig.slack.calls_of("chat.postMessage")) == 1)
    # while the first card is on its way, an older message (an earlier deadline) is stored
    await rig.mail("en_shipping.eml", dated("en_shipping.eml", "Mon, 23 Nov 2026 20:00:00 +0000"))
    await drain
    while await rig.poster.drain():
        pass
    order = [p["text"] for p in rig.slack.posts(top_level=True)]
    assert ["Camille" in order[0], "John" in order[1], "Max" in order[2]] == [True, True, True], order


async def test_crash_between_post_and_record_does_not_post_twice(rig: Rig) -> None:
    await rig.mail("de_invoice.eml")
    rig.slack.hold("chat.postMessage")
    task = asyncio.create_task(rig.poster.drain())
    await rig.slack.wait_for(lambda: len(rig.slack.posts()) == 1)
    task.cancel()  # the process "dies" after Slack posted, before the store recorded it
    with pytest.raises(asyncio.CancelledError):
        await task
    assert rig.store.conversations()[0]["slack_ts"] is None
    restarted = rig.new_poster()
    await restarted.drain()
    assert len(rig.slack.posts()) == 1
    assert len(rig.slack.calls_of("chat.postMessage")) == 1
    assert rig.store.conversations()[0]["slack_ts"] == rig.slack.posts()[0]["ts"]
    assert rig.slack.calls_of("conversations.history")  # it looked before posting again


async def test_refused_blocks_fall_back_to_plain_text_with_the_buyer_words(rig: Rig) -> None:
    await rig.mail("de_invoice.eml")
    rig.slack.fail("chat.postMessage", status=200, error="invalid_blocks", retry_after=None)
    await rig.poster.drain()
    [post] = rig.slack.posts()
    assert post["blocks"] == [] and "Rechnung schicken" in post["text"]


async def test_slack_outage_is_retried_with_backoff_and_logged(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    await rig.mail("de_invoice.eml")
    rig.slack.fail("chat.postMessage", status=200, error="channel_not_found", retry_after=None, times=3)
    for _ in range(3):
        await rig.poster.drain()
        rig.clock.advance(seconds=600)
    assert "channel_not_found" in caplog.text
    await rig.poster.drain()
    assert len(rig.slack.posts()) == 1


async def test_a_claim_while_a_redraw_is_under_way_is_on_the_card(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """A click's store work may run between the poster reading a conversation and marking its redraw in flight (on
    PostgreSQL it runs in the store's thread): the redraw draws the state as stored once it is in flight, so a claim
    merged into it is shown (a change after that queues its own redraw)."""
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.app import build_deps

    rig = Rig(tmp_path, fake_slack)
    client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url)
    deps = build_deps(rig.settings, clock=rig.clock, client=client, store=rig.store)
    store = rig.store
    await rig.mail("de_invoice.eml")
    await deps.poster.drain()
    [card] = fake_slack.posts("C0INBOX", top_level=True)
    conv = store.conversation_by_card(channel="C0INBOX", ts=card["ts"])
    assert conv is not None
    deps.outbox.conversation_changed(int(conv["id"]))  # a redraw queued (the order was refreshed, say)
    [item] = [i for i in store.due_outbox() if i["kind"] == "update_card"]

    def claim_it() -> None:  # "I'll take it", as the listener does after its ack
        deps.replies.claim(store.conversation(conversation_id=int(conv["id"])) or {}, user="U0AGENT")

    await asyncio.gather(deps.poster.process(item), store.run(claim_it))
    while await deps.poster.drain():
        pass
    [card] = fake_slack.posts("C0INBOX", top_level=True)
    assert "U0AGENT" in json.dumps(card["blocks"])
