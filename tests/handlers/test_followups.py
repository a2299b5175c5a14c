"""Follow-ups through the whole bot: a reply sent from the window with the template's follow-up comes due in the
thread, is snoozed and done with its buttons; a button from another thread is refused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.clock.clocks import FakeClock
from bot.sandbox.slack_api import FakeSlack
from bot.store.store import parse_iso
from tests.support.clock import TEAM_TIME
from tests.support.desk import Desk, open_desk
from tests.support.smtp import SmtpServer


async def promise_comes_due(desk: Desk, clock: FakeClock) -> dict[str, Any]:
    """Send *damaged* (it promises a follow-up in 48 h) as the window presets it, let 48 h pass: the reminder."""
    await desk.click("U0AGENT", "reply_pick", selected="damaged")
    await desk.slack.wait_for(lambda: desk.slack.open_view("U0AGENT") is not None)
    await desk.people.submit_view(user="U0AGENT")
    await desk.slack.wait_for(lambda: bool(desk.conv.get("follow_up_at")), timeout=15)
    clock.advance(hours=48)
    desk.deps.followups.tick()
    return await desk.note("Follow-up due")


async def test_a_promise_comes_due_in_the_thread_is_snoozed_then_done(
    tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer
) -> None:
    clock = FakeClock(TEAM_TIME)
    async with open_desk(tmp_path, fake_slack, smtp, clock=clock) as desk:
        await desk.click("U0AGENT", "reply_pick", selected="damaged")  # asks for photos: `follow_up: 48h`
        await fake_slack.wait_for(lambda: fake_slack.open_view("U0AGENT") is not None)
        view = fake_slack.open_view("U0AGENT") or {}
        [choice] = [b for b in view["blocks"] if b.get("block_id") == "follow_up"]
        assert choice["element"]["initial_option"]["value"] == "48"
        await desk.people.submit_view(user="U0AGENT")  # as it is: the preset follow-up stays
        await fake_slack.wait_for(lambda: len(smtp.messages) == 1, timeout=15)
        await fake_slack.wait_for(lambda: bool(desk.conv.get("follow_up_at")))
        assert parse_iso(desk.conv["follow_up_at"]) == clock.now() + timedelta(hours=48)
        await fake_slack.wait_for(lambda: "waiting for the buyer" in str(desk.card["blocks"]))

        clock.advance(hours=48)
        assert desk.deps.followups.tick() == 1
        reminder = await desk.note("Follow-up due")
        assert "<@U0AGENT>" in str(reminder["blocks"])
        await fake_slack.wait_for(lambda: "follow-up due" in str(desk.card["blocks"]))

        await desk.click("U0LEAD", "follow_up_snooze:4", ts=reminder["ts"])
        await fake_slack.wait_for(lambda: "snoozed by <@U0LEAD>" in reminder["text"])
        assert parse_iso(desk.conv["follow_up_at"]) == clock.now() + timedelta(hours=4)
        assert desk.deps.followups.tick() == 0

        clock.advance(hours=4)
        assert desk.deps.followups.tick() == 1
        await fake_slack.wait_for(
            lambda: any("Follow-up due" in p["text"] and p["ts"] != reminder["ts"] for p in desk.thread())
        )
        second = [p for p in desk.thread() if "Follow-up due" in p["text"]][-1]
        assert second["ts"] != reminder["ts"]
        await desk.click("U0AGENT", "follow_up_done", ts=second["ts"])
        await fake_slack.wait_for(lambda: "done by <@U0AGENT>" in second["text"])
        assert desk.conv["follow_up_at"] is None and desk.conv["state"] == "answered"


async def test_a_reminder_about_an_earlier_promise_does_not_end_the_current_one(
    tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer
) -> None:
    clock = FakeClock(TEAM_TIME)
    async with open_desk(tmp_path, fake_slack, smtp, clock=clock) as desk:
        old = await promise_comes_due(desk, clock)
        conv_id = int(desk.conv["id"])
        # meanwhile the promise changed (a new reply promised again): the old reminder's Done must not end it
        desk.deps.store.snooze_follow_up(
            conversation_id=conv_id, until=clock.now() + timedelta(hours=48), by="U0LEAD"
        )
        current = desk.conv["follow_up_at"]
        await desk.click("U0AGENT", "follow_up_done", ts=old["ts"])
        await fake_slack.wait_for(lambda: any("out of date" in e["text"] for e in fake_slack.ephemerals))
        assert desk.conv["follow_up_at"] == current


async def test_a_follow_up_button_from_another_thread_changes_nothing(
    tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer
) -> None:
    clock = FakeClock(TEAM_TIME)
    async with open_desk(tmp_path, fake_slack, smtp, clock=clock) as desk:
        reminder = await promise_comes_due(desk, clock)
        conv_id, due = int(desk.conv["id"]), desk.conv["follow_up_at"]
        # the same button, its value pointing at the conversation, but clicked on a message outside its thread
        fake_slack.add_user_message(channel="C0INBOX", user="U0LEAD", text="elsewhere")
        elsewhere = fake_slack.posts("C0INBOX", top_level=True)[-1]
        elsewhere["blocks"] = reminder["blocks"]
        await desk.click("U0LEAD", "follow_up_done", ts=elsewhere["ts"], value=f"{conv_id}@{due}")
        await fake_slack.wait_for(lambda: any("does not belong" in e["text"] for e in fake_slack.ephemerals))
        assert desk.conv["follow_up_at"] == due
