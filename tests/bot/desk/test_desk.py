"""The desk behind the commands and the Home tab: order ids, refusals, queue filters, on call, cases, help, home."""

# Through the whole bot in tests/handlers/test_commands.py, not repeated here: /order with items and tracking,
# an id without digits enough and an unknown order, /inbox with `mine` and a wrong filter, /oncall's rotation and
# `me for 8h`, help through the command, the Home tab via views.publish, 500 conversations within the limits.
# /case add, list and closing an unknown case through the bot: tests/bot/clock/test_cases.py.

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import build_deps
from bot.clock.clocks import FakeClock
from bot.deps import Deps
from bot.desk.desk import MAX_LIST, Refusal, order_id_in
from bot.sandbox.block_kit import block_problem
from bot.sandbox.slack_api import FakeSlack
from bot.store.store import iso
from tests.conftest import make_settings
from tests.support.clock import BERLIN, TEAM_TIME

Build = Callable[..., Deps]


@pytest.fixture
async def build(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[Build]:
    """Deps on a clock standing still at TEAM_TIME (Thursday 10:00 in Berlin), talking to the Slack stand-in."""
    built: list[Deps] = []

    def make(**overrides: Any) -> Deps:
        client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url)
        settings = make_settings(tmp_path / str(len(built)), fake_slack, **overrides)
        deps = build_deps(settings, clock=FakeClock(TEAM_TIME), client=client)
        built.append(deps)
        return deps

    yield make
    for deps in built:
        await deps.http.aclose()
        deps.store.close()


def conversation(deps: Deps, key: str, *, due_in: timedelta | None, **fields: Any) -> int:
    now = deps.clock.now()
    return deps.store.create_conversation(
        key=key,
        kind="buyer",
        buyer_name=fields.pop("buyer_name", f"Käufer {key}"),
        deadline=iso(now + due_in) if due_in is not None else None,
        **fields,
    )


def text_of(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(str((b.get("text") or {}).get("text", "")) for b in blocks)


# ---- order ids ----


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("302-1234567-1234567", "302-1234567-1234567"),
        ("302 1234567 1234567", "302-1234567-1234567"),
        ("30212345671234567", "302-1234567-1234567"),
        ("302-1234567 1234567", "302-1234567-1234567"),
        ("Bestellung #028-7654321-1234567, bitte prüfen.", "028-7654321-1234567"),
        ("order 302-1234567-1234567 and 404-1111111-2222222", "302-1234567-1234567"),
        ("12-34", None),
        ("", None),
        ("1302-1234567-1234567", None),  # part of a longer number
        ("302-1234567-12345678", None),
        ("302-123456-1234567", None),
    ],
)
def test_order_ids_are_found_however_they_were_pasted(text: str, found: str | None) -> None:
    assert order_id_in(text) == found


async def test_order_without_an_id_says_how_to_ask_with_the_teams_command(build: Build) -> None:
    deps = build(command_order="/bestellung")
    with pytest.raises(Refusal) as e:
        await deps.desk.order("   ")
    assert str(e.value) == (
        "“(nothing)” has no Amazon order id in it. Try `/bestellung 302-1234567-1234567`."
    )
    with pytest.raises(Refusal, match="“where is it” has no Amazon order id"):
        await deps.desk.order("where is it")


async def test_order_without_sp_api_says_what_to_connect(build: Build, fake_slack: FakeSlack) -> None:
    deps = build()
    with pytest.raises(Refusal, match=r"Order details need the SP-API connected.*SP_API_REFRESH_TOKEN"):
        await deps.desk.order("302-1234567-1234567")
    assert fake_slack.calls == []  # nothing was looked up


# ---- the queue ----


async def test_the_queue_lists_open_conversations_by_deadline_with_filters(build: Build) -> None:
    deps = build()
    mine = conversation(deps, "mine", due_in=timedelta(hours=5), claimed_by="U0AGENT")
    theirs = conversation(deps, "theirs", due_in=timedelta(hours=3), claimed_by="U0LEAD")
    late = conversation(deps, "late", due_in=-timedelta(minutes=1))
    soon = conversation(deps, "soon", due_in=timedelta(hours=2))
    conversation(deps, "no-clock", due_in=None)  # a notice without a clock is not queued
    done = conversation(deps, "done", due_in=timedelta(hours=1))
    deps.store.answer(conversation_id=done, by="U0AGENT")

    def ids(filter_: str) -> list[int]:
        return [int(c["id"]) for c in deps.desk.queue(filter_=filter_, user="U0AGENT")]

    assert ids("") == [late, soon, theirs, mine]
    assert ids("mine") == [mine]
    assert ids("unclaimed") == [late, soon]
    assert ids("breached") == [late]
    with pytest.raises(Refusal, match="“all” is not a filter: use `/posteingang mine`"):
        build(command_inbox="/posteingang").desk.queue(filter_="all")


async def test_inbox_links_each_card_and_shortens_a_long_queue(build: Build, fake_slack: FakeSlack) -> None:
    deps = build()
    card = fake_slack._m_chat_postMessage({"channel": "C0INBOX", "text": "a card"})
    conversation(
        deps,
        "a",
        due_in=timedelta(minutes=1),
        buyer_name="Max <Müller>",
        slack_channel="C0INBOX",
        slack_ts=card["ts"],
    )
    conversation(deps, "b", due_in=timedelta(minutes=2), slack_channel="C0INBOX", slack_ts="1.000009")  # gone
    for n in range(MAX_LIST + 3):
        conversation(deps, f"n{n}", due_in=timedelta(hours=1, minutes=n))
    answer = await deps.desk.inbox(" UNCLAIMED ", "U0AGENT")
    assert answer.text == f"Open conversations (unclaimed): {MAX_LIST + 5}"
    body = text_of(answer.blocks)
    assert f"• <http://127.0.0.1:{fake_slack.port}/#C0INBOX/{card['ts']}|Max &lt;Müller&gt;>:" in body
    assert "• Käufer b:" in body  # its card cannot be linked: listed without the link
    assert "_… and 5 more_" in body and "Käufer n37" in body and "Käufer n38" not in body
    assert [block_problem(b) for b in answer.blocks] == [None] * len(answer.blocks)


async def test_an_empty_inbox_says_so(build: Build) -> None:
    answer = await build().desk.inbox("", "U0AGENT")
    assert answer.text == "Open conversations: 0" and "_Nothing open. Well done._" in text_of(answer.blocks)


# ---- on call ----


def berlin(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("text", "until"),
    [
        ("me", berlin(27)),  # the end of today (Thursday) in the team's timezone
        ("me for 8h", berlin(26, 18)),
        ("me for 8 h", berlin(26, 18)),
        ("me for 2d", berlin(28, 10)),
        ("me until sun", berlin(30)),  # the end of Sunday
        ("me until Sunday", berlin(30)),
        ("me until fri", berlin(28)),
        ("me until thu", berlin(27)),  # today is Thursday: the end of today
        ("me until wed", berlin(26) + timedelta(days=7)),  # next Wednesday, not yesterday
    ],
)
async def test_oncall_takes_durations_and_weekdays(build: Build, text: str, until: datetime) -> None:
    deps = build()
    answer = deps.desk.oncall(text, "U0AGENT")
    [override] = deps.escalator.overrides()
    assert (override.user, override.start, override.end) == ("U0AGENT", TEAM_TIME, until)
    assert deps.escalator.on_call() == "U0AGENT"
    assert "<@U0AGENT> is on call until" in text_of(answer.blocks) and "(set by <@U0AGENT>)" in text_of(
        answer.blocks
    )


async def test_oncall_puts_a_mentioned_person_on_call(build: Build) -> None:
    deps = build()
    deps.desk.oncall("<@U0ONCALL|omar> for 4h", "U0LEAD")
    assert deps.escalator.on_call() == "U0ONCALL"
    assert deps.escalator.on_call(TEAM_TIME + timedelta(hours=4)) is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("omar for 8h", "“omar” is not a person: mention them"),
        ("<#C0INBOX> for 8h", "is not a person"),
        ("me for 3w", "“for 3w”: say `for 8h`, `for 2d` or `until sun`."),
        ("me until someday", "say `for 8h`"),
        ("me tomorrow", "say `for 8h`"),
    ],
)
async def test_oncall_refuses_what_it_cannot_read(build: Build, text: str, says: str) -> None:
    deps = build()
    with pytest.raises(Refusal, match=re.escape(says)):
        deps.desk.oncall(text, "U0AGENT")
    assert deps.escalator.overrides() == []


def refused(deps: Deps) -> list[tuple[str, str]]:
    """(who, what) of each refusal in the audit log."""
    rows = [r for r in deps.store.query("SELECT * FROM audit ORDER BY id") if r["action"] == "refused"]
    return [(r["actor"], json.loads(r["detail"])["what"]) for r in rows]


async def test_only_leads_put_someone_else_on_call(build: Build) -> None:
    deps = build(responders="U0AGENT", leads="U0LEAD")
    for user in ("U0AGENT", "U0OTHER"):  # a responder is no lead
        with pytest.raises(Refusal, match=re.escape("Only <@U0LEAD> (leads) may put someone else on call.")):
            deps.desk.oncall("<@U0ONCALL> for 8h", user)
    assert deps.escalator.overrides() == []
    assert refused(deps) == [("U0AGENT", "put someone else on call"), ("U0OTHER", "put someone else on call")]
    deps.desk.oncall("me for 8h", "U0OTHER")  # taking it yourself is always allowed
    deps.desk.oncall("<@U0ONCALL> for 2h", "U0LEAD")
    assert [o.user for o in deps.escalator.overrides()] == ["U0OTHER", "U0ONCALL"]


async def test_only_leads_set_overrides_longer_than_the_limit(build: Build) -> None:
    deps = build(responders="U0AGENT", leads="U0LEAD", max_override_hours=12)
    for text in ("me for 13h", "me for 2d", "me until sun", "me for 3650d"):
        with pytest.raises(Refusal) as e:
            deps.desk.oncall(text, "U0AGENT")
        assert str(e.value) == (
            "Only <@U0LEAD> (leads) may set an on-call override longer than 12 hours. "
            "You can take up to `/oncall me for 12h`."
        )
    assert deps.escalator.overrides() == []
    assert refused(deps) == [("U0AGENT", "set an on-call override longer than 12 hours")] * 4
    deps.desk.oncall("me for 12h", "U0AGENT")
    deps.desk.oncall("me for 3650d", "U0LEAD")
    assert [(o.user, o.end) for o in deps.escalator.overrides()] == [
        ("U0AGENT", TEAM_TIME + timedelta(hours=12)),
        ("U0LEAD", TEAM_TIME + timedelta(days=3650)),
    ]
    with pytest.raises(Refusal, match="longer than the calendar"):
        deps.desk.oncall("me for 9999999999d", "U0LEAD")


async def test_oncall_without_a_rotation_says_how_to_set_one_up(build: Build) -> None:
    answer = build().desk.oncall("", "U0AGENT")
    assert answer.text == "No on-call rotation is set up"
    assert "INBOX_BOT_ONCALL_MEMBERS" in text_of(answer.blocks) and "`/oncall me`" in text_of(answer.blocks)


async def test_oncall_lists_who_covers_and_the_rotation_after(build: Build) -> None:
    deps = build(oncall_members="U0ONCALL,U0LEAD")
    deps.desk.oncall("me for 2h", "U0AGENT")
    answer = deps.desk.oncall("", "U0AGENT")
    assert answer.text == "On call now: U0AGENT"
    first, *rest = text_of(answer.blocks).splitlines()
    assert first.startswith("*Now:* <@U0AGENT> until") and first.endswith("(covering)")
    assert rest and not any("(covering)" in line for line in rest)
    assert rest[0].startswith("• <@U0") and "U0AGENT" not in rest[0]


# ---- cases ----


async def test_cases_are_added_listed_updated_and_closed(build: Build) -> None:
    deps = build()
    desk = deps.desk
    added = desk.case("add 1234567890 Listing suppressed for ASIN B0CAFE0001", "U0AGENT")
    assert added.text == "Tracking case 1234567890" and "for <@U0AGENT>" in text_of(added.blocks)
    listed = desk.case("", "U0LEAD")
    assert listed.text == "Open Amazon cases: 1"
    assert "*1234567890* Listing suppressed for ASIN B0CAFE0001: <@U0AGENT>" in text_of(listed.blocks)
    deps.clock.advance(days=3)  # type: ignore[attr-defined]
    updated = desk.case("update 1234567890", "U0LEAD")
    assert updated.text == "Case 1234567890 updated: its two weeks start again"
    case = deps.store.case(case_id="1234567890")
    assert case is not None and case["last_update_at"] == iso(TEAM_TIME + timedelta(days=3))
    closed = desk.case("CLOSE 1234567890", "U0LEAD")
    assert closed.text == "Case 1234567890 closed"
    again = desk.case("list", "U0LEAD")
    assert again.text == "Open Amazon cases: 0" and "_No open cases._" in text_of(again.blocks)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("add 12ab Something", "“12ab” is not a case id"),
        ("update 1234567890", "No open case 1234567890"),
        ("remind 1234567890", "Use `/fall add 1234567890 what it is about`, `/fall update ID`"),
        ("close", "Use `/fall add"),
    ],
)
async def test_case_commands_it_cannot_carry_out_are_refused(build: Build, text: str, says: str) -> None:
    deps = build(command_case="/fall")
    with pytest.raises(Refusal, match=re.escape(says)):
        deps.desk.case(text, "U0AGENT")


async def test_only_responders_track_update_and_close_cases_everyone_lists_them(build: Build) -> None:
    deps = build(responders="U0LEAD")
    desk = deps.desk
    desk.case("add 1234567890 Listing suppressed", "U0LEAD")
    for text in ("add 2345678901 mine", "update 1234567890", "close 1234567890"):
        with pytest.raises(Refusal) as e:
            desk.case(text, "U0AGENT")
        assert str(e.value) == "Only <@U0LEAD> (responders) may track, update or close Amazon cases."
    assert refused(deps) == [("U0AGENT", "track, update or close Amazon cases")] * 3
    assert desk.case("", "U0AGENT").text == "Open Amazon cases: 1"
    case = deps.store.case(case_id="1234567890")
    assert case is not None and case["owner"] == "U0LEAD" and case["last_update_at"] == iso(TEAM_TIME)


async def test_a_case_tracked_already_is_not_added_twice(build: Build) -> None:
    desk = build().desk
    desk.case("add 1234567890 first", "U0AGENT")
    with pytest.raises(Refusal, match=r"Case 1234567890 is tracked already \(owner <@U0AGENT>\)"):
        desk.case("add 1234567890 second", "U0LEAD")


# ---- help ----


async def test_help_names_the_teams_own_commands(build: Build) -> None:
    deps = build(
        command_order="/bestellung",
        command_inbox="/posteingang",
        command_oncall="/dienst",
        command_case="/fall",
    )
    answer = deps.desk.help()
    text = text_of(answer.blocks)
    for line in (
        "`/bestellung 302-1234567-1234567`",
        "`/posteingang [mine|unclaimed|breached]`",
        "`/dienst me for 8h`",
        "`/fall add 1234567890 summary`",
        "`@inbox-bot send <template>`",
    ):
        assert line in text
    assert "/order" not in text and block_problem(answer.blocks[0]) is None


# ---- the Home tab ----


def valid_home(view: dict[str, Any]) -> None:
    slack = FakeSlack()
    assert slack._check_view(view, "home") is None, slack.refused


async def test_an_empty_home_is_valid_block_kit_and_says_what_to_do(build: Build) -> None:
    view = build().desk.home("U0AGENT")
    valid_home(view)
    text = text_of(view["blocks"])
    assert "Mine (0)" in text and "Nothing claimed" in text and "_Nothing open._" in text
    assert "_No rotation set up._" in text and "Late Response Rate (7 days): *—*" in text


async def test_a_busy_home_is_valid_block_kit(build: Build) -> None:
    deps = build(oncall_members="U0ONCALL,U0LEAD")
    deps.desk.oncall("me for 2h", "U0AGENT")
    for n in range(80):
        conversation(
            deps,
            f"k{n}",
            due_in=timedelta(minutes=30 * n - 60),
            buyer_name=f"*Käufer* _{n}_ <@U0LEAD> & {'ä' * 60}",
            order_id=f"302-{n:07d}-1234567",
            claimed_by="U0AGENT" if n % 3 == 0 else "U0LEAD",
        )
    view = deps.desk.home("U0AGENT")
    valid_home(view)
    text = text_of(view["blocks"])
    assert "Mine (27)" in text and "Queue by deadline (80 open)" in text and "and 20 more" in text
    assert "Now: <@U0AGENT>" in text and "Next: <@U0" in text
    assert "&lt;@U0LEAD&gt; &amp;" in text  # buyer names cannot mention or format
