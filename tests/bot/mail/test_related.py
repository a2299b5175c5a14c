"""A notice and the buyer's conversation about the same order link to each other's cards, both ways."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.mail.related import link_notice
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
    assert link_notice(rig.store, notice_id=1, order_id=None, channel="C0INBOX", due=NOW) == 0
