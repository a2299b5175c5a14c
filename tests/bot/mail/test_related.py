"""A notice and the buyer's conversation about the same order link to each other's cards, both ways."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.mail.related import link_buyer, link_notice
from bot.sandbox.slack_api import FakeSlack
from tests.bot.workers.conftest import NOW, Rig


@pytest.fixture
def rig(tmp_path: Path, fake_slack: FakeSlack) -> Rig:
    """Intake, outbox and poster over one store, as the workers' tests have them."""
    return Rig(tmp_path, fake_slack)


async def test_a_return_notice_and_the_buyers_conversation_point_at_each_other(rig: Rig) -> None:
    await rig.mail("en_shipping.eml")  # order 111-7366207-0755439
    await rig.poster.drain()
    await rig.mail("notice_return.eml")  # a return request for the same order
    await rig.poster.drain()
    buyer_card, notice_card = rig.slack.posts("C0INBOX", top_level=True)
    [to_notice] = rig.slack.posts("C0INBOX", thread_ts=buyer_card["ts"])
    [to_buyer] = rig.slack.posts("C0INBOX", thread_ts=notice_card["ts"])
    there = json.dumps(to_notice["blocks"], ensure_ascii=False)
    assert "Amazon about this order" in there and "Return request" in there
    # the stand-in's permalink to the notice card
    assert f"#C0INBOX/{notice_card['ts']}|open its card" in there
    back = json.dumps(to_buyer["blocks"], ensure_ascii=False)
    assert "John Smith's conversation about this order" in back and f"#C0INBOX/{buyer_card['ts']}" in back


async def test_nothing_to_link_without_a_buyer_conversation_or_an_order(rig: Rig) -> None:
    await rig.mail("notice_return.eml")
    await rig.poster.drain()
    [card] = rig.slack.posts("C0INBOX", top_level=True)
    assert rig.slack.posts("C0INBOX", thread_ts=card["ts"]) == []
    assert link_notice(rig.store, notice_id=1, order_id=None, channel_of=lambda _: "C0INBOX", due=NOW) == 0


async def test_a_buyer_who_writes_after_the_notice_is_linked_to_it_both_ways(rig: Rig) -> None:
    await rig.mail("notice_return.eml")  # Amazon's return request first: no buyer conversation yet
    await rig.poster.drain()
    await rig.mail("en_shipping.eml")  # then the buyer writes about the same order (111-7366207-0755439)
    await rig.poster.drain()
    notice_card, buyer_card = rig.slack.posts("C0INBOX", top_level=True)
    [to_buyer] = rig.slack.posts("C0INBOX", thread_ts=notice_card["ts"])
    [to_notice] = rig.slack.posts("C0INBOX", thread_ts=buyer_card["ts"])
    assert f"#C0INBOX/{buyer_card['ts']}" in json.dumps(to_buyer["blocks"], ensure_ascii=False)
    assert f"#C0INBOX/{notice_card['ts']}" in json.dumps(to_notice["blocks"], ensure_ascii=False)
    await rig.mail("notice_return.eml")  # the same notice again (a redelivery): nothing linked twice
    await rig.poster.drain()
    assert len(rig.slack.posts("C0INBOX", thread_ts=notice_card["ts"])) == 1


async def test_each_note_goes_to_the_channel_of_the_card_it_is_under(rig: Rig) -> None:
    """Accounts may post to different channels: a note is queued where its own card is, not where the other's is."""
    order = "111-7366207-0755439"
    notice = rig.store.create_conversation(
        key="mail:n", kind="notice", order_id=order, notice_type="return_request"
    )
    buyer = rig.store.create_conversation(key="alias:b", kind="buyer", order_id=order)
    channels = {notice: "C0NOTICES", buyer: "C0BUYERS"}
    assert link_buyer(rig.store, buyer, order, channels.__getitem__, NOW) == 2
    queued = rig.store.query("SELECT conversation_id, channel FROM outbox WHERE dedupe_key LIKE 'related:%'")
    assert sorted((r["conversation_id"], r["channel"]) for r in queued) == [
        (notice, "C0NOTICES"),
        (buyer, "C0BUYERS"),
    ]
