"""The stand-in's reading side: history, thread replies and paging as Slack serves them."""

from __future__ import annotations

from bot.sandbox.slack_api import FakeSlack
from tests.bot.sandbox.test_slack_api import client_of


async def test_history_is_newest_first_top_level_paged_and_shows_metadata_only_on_request(
    fake_slack: FakeSlack,
) -> None:
    client = client_of(fake_slack)
    posted = []
    for n in range(3):
        posted.append(
            await client.chat_postMessage(
                channel="C0INBOX",
                text=f"card {n}",
                metadata={"event_type": "card", "event_payload": {"n": n}},
            )
        )
    await client.chat_postMessage(channel="C0INBOX", text="in a thread", thread_ts=posted[0]["ts"])
    first = await client.conversations_history(channel="C0INBOX", limit=2)
    assert [m["text"] for m in first["messages"]] == ["card 2", "card 1"] and first["has_more"]
    assert "metadata" not in first["messages"][0]
    rest = await client.conversations_history(
        channel="C0INBOX",
        limit=2,
        cursor=first["response_metadata"]["next_cursor"],
        include_all_metadata=True,
    )
    assert [m["text"] for m in rest["messages"]] == ["card 0"] and not rest["has_more"]
    assert rest["messages"][0]["metadata"]["event_payload"] == {"n": 0}
    recent = await client.conversations_history(channel="C0INBOX", oldest=posted[1]["ts"])
    assert [m["text"] for m in recent["messages"]] == ["card 2", "card 1"]
    thread = await client.conversations_replies(channel="C0INBOX", ts=posted[0]["ts"])
    assert [m["text"] for m in thread["messages"]] == ["card 0", "in a thread"]


async def test_with_a_clock_messages_are_stamped_with_its_time_and_stay_in_order() -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 11, 26, 9, 0, tzinfo=UTC).timestamp()
    slack = FakeSlack(clock=lambda: moment)  # a clock that stands still: each ts still comes after the last
    await slack.start()
    try:
        client = client_of(slack)
        first = await client.chat_postMessage(channel="C0INBOX", text="a")
        second = await client.chat_postMessage(channel="C0INBOX", text="b")
        assert first["ts"] == f"{int(moment)}.000000" and float(second["ts"]) > float(first["ts"])
        history = await client.conversations_history(channel="C0INBOX")
        assert [m["text"] for m in history["messages"]] == ["b", "a"]
    finally:
        await slack.stop()


async def test_a_channel_the_bot_is_not_in_cannot_be_read(fake_slack: FakeSlack) -> None:
    import pytest
    from slack_sdk.errors import SlackApiError

    fake_slack.not_joined.add("C0INBOX")
    with pytest.raises(SlackApiError) as refused:
        await client_of(fake_slack).conversations_history(channel="C0INBOX", limit=1)
    assert refused.value.response["error"] == "not_in_channel"
