"""Slash commands, mentions, permissions, the workspace check and the Home tab, through the whole bot."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.app import create_app
from bot.deps import Deps
from bot.mail.source import IncomingMail
from bot.sandbox.fake_services import FakeServices, Parcel, ParcelEvent, StoredOrder
from bot.sandbox.people import DeliveryError, People
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail, make_settings, running_bot
from tests.support.clock import pinned_clock
from tests.support.smtp import SmtpServer

ORDER = "302-1234567-1234567"
PARCEL = "00340434161094042557"


class Team:
    def __init__(self, deps: Deps, slack: FakeSlack, services: FakeServices, smtp: SmtpServer) -> None:
        self.deps, self.slack, self.services, self.smtp = deps, slack, services, smtp
        self.people = People(slack)

    def seen_by(self, user: str) -> list[dict[str, Any]]:
        return [e for e in self.slack.ephemerals if e["user"] == user]

    async def command(self, user: str, line: str) -> dict[str, Any]:
        command, _, text = line.partition(" ")
        return await self.people.command(user=user, channel="C0INBOX", command=command, text=text)

    @property
    def card(self) -> dict[str, Any]:
        return self.slack.posts("C0INBOX", top_level=True)[0]


@contextlib.asynccontextmanager
async def make_team(
    tmp_path: Path, slack: FakeSlack, services: FakeServices, smtp: SmtpServer, **extra: Any
) -> AsyncIterator[Team]:
    now = pinned_clock().now()
    services.orders[ORDER] = StoredOrder(
        ORDER,
        "A1PA6795UKMFR9",
        now - timedelta(days=3),
        [("Kaffeemühle Edelstahl", "B0CAFE0001", 1, "39.90")],
        "EUR",
        packages=[("DHL", PARCEL, "DHL Paket")],
    )
    services.parcels[PARCEL] = Parcel(
        PARCEL, "dhl", now - timedelta(days=1), [ParcelEvent(2, "transit", "Im Paketzentrum bearbeitet.")]
    )
    settings = make_settings(
        tmp_path,
        slack,
        oncall_members="U0ONCALL,U0AGENT",
        **services.urls(services.base_url),
        **smtp.settings(),
        **extra,
    )
    async with running_bot(settings) as deps:
        await deps.ready.wait()
        await deps.intake.handle(IncomingMail(fixture_mail("de_invoice.eml"), "t1", now))
        await slack.wait_for(lambda: len(slack.posts()) == 1)
        yield Team(deps, slack, services, smtp)


@pytest.fixture
async def team(
    tmp_path: Path, fake_slack: FakeSlack, fake_services: FakeServices, smtp: SmtpServer
) -> AsyncIterator[Team]:
    async with make_team(tmp_path, fake_slack, fake_services, smtp) as t:
        yield t


def text_of(items: list[dict[str, Any]]) -> str:
    return json.dumps([(i.get("text"), i.get("blocks")) for i in items], ensure_ascii=False)


async def test_order_shows_items_tracking_and_conversations_only_to_the_asker(team: Team) -> None:
    ack = await team.command("U0AGENT", "/order please check 302 1234567 1234567 thanks")
    assert "Looking up" in ack["payload"]["text"]
    await team.slack.wait_for(lambda: len(team.seen_by("U0AGENT")) == 1)
    shown = text_of(team.seen_by("U0AGENT"))
    assert "Kaffeemühle Edelstahl" in shown and "*In transit*" in shown and PARCEL in shown
    assert "Max Müller" in shown and "/#C0INBOX/" in shown  # a link to the card
    assert team.seen_by("U0LEAD") == [] and len(team.slack.posts(top_level=True)) == 1  # nobody else sees it

    [answer] = team.seen_by("U0AGENT")
    await team.people.click(
        user="U0AGENT", channel="C0INBOX", message_ts=answer["ts"], action_id="share_order"
    )
    await team.slack.wait_for(lambda: len(team.slack.posts(top_level=True)) == 2)
    assert "Shared by <@U0AGENT>" in json.dumps(team.slack.posts(top_level=True)[-1]["blocks"])


async def test_wrong_and_unknown_ids_get_a_clear_answer(team: Team) -> None:
    await team.command("U0AGENT", "/order 12-34")
    await team.command("U0AGENT", "/order 302-0000000-0000000")
    await team.slack.wait_for(lambda: len(team.seen_by("U0AGENT")) == 2)
    first, second = (e["text"] for e in team.seen_by("U0AGENT"))
    assert "has no Amazon order id" in first
    assert "knows no order `302-0000000-0000000`" in second


async def test_slow_amazon_still_acks_within_three_seconds(team: Team) -> None:
    team.services.delays["sp-api"] = 3.5
    started = time.monotonic()
    ack = await team.people.command(
        user="U0AGENT", channel="C0INBOX", command="/order", text="302-7654321-7654321"
    )
    assert time.monotonic() - started < 1.0 and ack["envelope_id"]
    await team.slack.wait_for(lambda: len(team.seen_by("U0AGENT")) == 1, timeout=10)
    assert "knows no order" in team.seen_by("U0AGENT")[0]["text"]


async def test_inbox_lists_by_deadline_with_filters(team: Team) -> None:
    await team.command("U0AGENT", "/inbox")
    await team.command("U0AGENT", "/inbox mine")
    await team.command("U0AGENT", "/inbox everything")
    await team.slack.wait_for(lambda: len(team.seen_by("U0AGENT")) == 3)
    all_, mine, bad = team.seen_by("U0AGENT")
    assert "Open conversations: 1" in all_["text"] and "Max Müller" in text_of([all_])
    assert "Open conversations (mine): 0" in mine["text"]
    assert "is not a filter" in bad["text"]


async def test_oncall_shows_the_rotation_and_takes_overrides(team: Team) -> None:
    await team.command("U0LEAD", "/oncall")
    await team.slack.wait_for(lambda: len(team.seen_by("U0LEAD")) == 1)
    assert "*Now:*" in text_of(team.seen_by("U0LEAD"))
    await team.command("U0LEAD", "/oncall me for 8h")
    await team.slack.wait_for(
        lambda: any("on call until" in p["text"] for p in team.slack.posts(top_level=True))
    )
    assert team.deps.escalator.on_call() == "U0LEAD"
    await team.command("U0LEAD", "/oncall <@U0AGENT|anna> tomorrow-ish")
    await team.slack.wait_for(lambda: len(team.seen_by("U0LEAD")) == 2)
    assert "say `for 8h`" in team.seen_by("U0LEAD")[-1]["text"]


async def test_help(team: Team) -> None:
    await team.command("U0AGENT", "/inbox-bot help")
    await team.slack.wait_for(lambda: len(team.seen_by("U0AGENT")) == 1)
    assert "/order 302-1234567-1234567" in text_of(team.seen_by("U0AGENT"))


async def test_mentions_in_a_card_thread(team: Team) -> None:
    bot = team.slack.bot_user_id
    await team.people.say(
        user="U0AGENT", channel="C0INBOX", text=f"<@{bot}> order", thread_ts=team.card["ts"]
    )
    await team.slack.wait_for(lambda: "Kaffeemühle" in text_of(team.seen_by("U0AGENT")))
    assert not any(
        "Send this to the buyer" in e["text"] for e in team.seen_by("U0AGENT")
    )  # a request, not a reply

    await team.people.say(
        user="U0ONCALL", channel="C0INBOX", text=f"<@{bot}> claim", thread_ts=team.card["ts"]
    )
    await eventually(lambda: team.deps.store.conversations()[0]["claimed_by"] == "U0ONCALL", what="the claim")

    await team.people.say(
        user="U0AGENT", channel="C0INBOX", text=f"<@{bot}> send damaged", thread_ts=team.card["ts"]
    )
    await team.slack.wait_for(lambda: "must be reviewed before sending" in text_of(team.seen_by("U0AGENT")))
    await team.people.say(
        user="U0AGENT", channel="C0INBOX", text=f"<@{bot}> send acknowledgement", thread_ts=team.card["ts"]
    )
    await eventually(lambda: len(team.smtp.messages) == 1, what="the acknowledgement e-mail")
    assert "Wir haben Ihr Anliegen erhalten" in team.smtp.messages[0].get_body().get_content()


async def test_home_tab_dashboard(team: Team) -> None:
    await team.people.open_home(user="U0AGENT")
    await team.slack.wait_for(lambda: "U0AGENT" in team.slack.home_views)
    home = json.dumps(team.slack.home_views["U0AGENT"]["blocks"], ensure_ascii=False)
    assert (
        "Queue by deadline (1 open)" in home
        and "Max Müller" in home
        and "On call" in home
        and "Late Response Rate" in home
    )


def refused(deps: Deps) -> list[tuple[str, str]]:
    """(who, what) of each refusal in the audit log."""
    rows = [r for r in deps.store.query("SELECT * FROM audit ORDER BY id") if r["action"] == "refused"]
    return [(r["actor"], json.loads(r["detail"])["what"]) for r in rows]


async def test_only_responders_may_send_with_the_old_setting_too(
    tmp_path: Path, fake_slack: FakeSlack, fake_services: FakeServices, smtp: SmtpServer
) -> None:
    async with make_team(tmp_path, fake_slack, fake_services, smtp, reply_senders="U0LEAD") as team:
        await team.people.click(
            user="U0AGENT",
            channel="C0INBOX",
            message_ts=team.card["ts"],
            action_id="reply_template:invoice_request",
        )
        await team.slack.wait_for(lambda: team.slack.open_view("U0AGENT") is not None)
        ack = await team.people.submit_view(user="U0AGENT")
        assert ack["payload"]["errors"]["reply"] == (
            "Only <@U0LEAD> (responders) may send replies to buyers. You can claim it and discuss it in the thread."
        )
        await team.people.click(
            user="U0AGENT", channel="C0INBOX", message_ts=team.card["ts"], action_id="claim", value="claim"
        )
        await eventually(
            lambda: team.deps.store.conversations()[0]["claimed_by"] == "U0AGENT", what="claiming still works"
        )
        assert smtp.messages == [] and team.deps.store.sends() == []
        assert refused(team.deps) == [("U0AGENT", "send replies to buyers")]


async def test_on_call_for_others_long_overrides_and_cases_need_their_role(
    tmp_path: Path, fake_slack: FakeSlack, fake_services: FakeServices, smtp: SmtpServer
) -> None:
    fake_slack.usergroups["S0SUPPORT"] = ["U0AGENT"]  # expanded by the bot at start
    roles = {"responders": "S0SUPPORT", "leads": "U0LEAD"}
    async with make_team(tmp_path, fake_slack, fake_services, smtp, **roles) as team:
        await team.command("U0AGENT", "/case add 1234567890 Listing suppressed")  # a responder (by group)
        await eventually(lambda: team.deps.store.case(case_id="1234567890") is not None, what="the case")
        await team.command("U0ONCALL", "/case close 1234567890")
        await team.command("U0ONCALL", "/oncall <@U0AGENT|anna> for 8h")
        await team.command("U0AGENT", "/oncall <@U0ONCALL|omar> for 8h")  # a responder is no lead
        await team.command("U0ONCALL", "/oncall me for 3650d")  # ten years
        await team.slack.wait_for(lambda: len(team.seen_by("U0ONCALL")) == 3)
        await team.slack.wait_for(lambda: len(team.seen_by("U0AGENT")) == 2)
        assert sorted(e["text"] for e in team.seen_by("U0ONCALL")) == [
            ":warning: Only <!subteam^S0SUPPORT> (responders) or <@U0LEAD> (leads) may track, update or close "
            "Amazon cases.",
            ":warning: Only <@U0LEAD> (leads) may put someone else on call.",
            ":warning: Only <@U0LEAD> (leads) may set an on-call override longer than 24 hours. "
            "You can take up to `/oncall me for 24h`.",
        ]
        assert (
            team.seen_by("U0AGENT")[-1]["text"]
            == ":warning: Only <@U0LEAD> (leads) may put someone else on call."
        )
        case = team.deps.store.case(case_id="1234567890")
        assert case is not None and case["state"] == "open"  # nothing changed
        assert team.deps.escalator.overrides() == []
        assert not any("on call until" in p["text"] for p in team.slack.posts(top_level=True))
        assert sorted(refused(team.deps)) == [
            ("U0AGENT", "put someone else on call"),
            ("U0ONCALL", "put someone else on call"),
            ("U0ONCALL", "set an on-call override longer than 24 hours"),
            ("U0ONCALL", "track, update or close Amazon cases"),
        ]

        await team.command("U0ONCALL", "/oncall me for 8h")  # everyone may cover for a while
        await team.command("U0LEAD", "/oncall <@U0ONCALL|omar> for 8h")
        await team.command("U0LEAD", "/oncall me for 3650d")
        await team.command("U0AGENT", "/case close 1234567890")
        await eventually(lambda: len(team.deps.escalator.overrides()) == 3, what="three overrides")
        assert sorted(o.user for o in team.deps.escalator.overrides()) == ["U0LEAD", "U0ONCALL", "U0ONCALL"]
        await eventually(
            lambda: (team.deps.store.case(case_id="1234567890") or {}).get("state") == "closed",
            what="the case closed by a responder",
        )
        assert len(refused(team.deps)) == 4


async def test_requests_from_another_workspace_are_refused(tmp_path: Path, fake_slack: FakeSlack) -> None:
    from bot.app import build_deps

    settings = make_settings(tmp_path, fake_slack, slack_team_id="T0INBOX")
    deps = build_deps(settings, clock=pinned_clock())
    app = create_app(settings, deps)
    body = {
        "type": "event_callback",
        "team_id": "T0ELSEWHERE",
        "event": {"type": "app_home_opened", "user": "U0AGENT"},
    }
    response = await app.async_dispatch(AsyncBoltRequest(body=json.dumps(body), mode="socket_mode"))
    assert response.status == 403
    ours = await app.async_dispatch(
        AsyncBoltRequest(body=json.dumps({**body, "team_id": "T0INBOX"}), mode="socket_mode")
    )
    assert ours.status != 403
    click = {  # interactive payloads name the workspace as team.id, not team_id
        "type": "block_actions",
        "team": {"id": "T0ELSEWHERE"},
        "user": {"id": "U0AGENT"},
        "actions": [{"action_id": "claim", "value": "claim"}],
    }
    refused = await app.async_dispatch(
        AsyncBoltRequest(body="payload=" + quote(json.dumps(click)), mode="socket_mode")
    )
    assert refused.status == 403
    deps.store.close()
    await deps.http.aclose()


async def test_payloads_without_a_team_or_by_people_of_another_team_are_refused(
    tmp_path: Path, fake_slack: FakeSlack, fake_services: FakeServices, smtp: SmtpServer
) -> None:
    async with make_team(tmp_path, fake_slack, fake_services, smtp, slack_team_id="T0INBOX") as team:
        app = create_app(team.deps.settings, team.deps)  # the running bot's parts, a request at a time

        async def click(team_part: Any, user_team: str | None) -> int:
            payload = {
                "type": "block_actions",
                "team": team_part,
                "user": {"id": "U0AGENT", **({"team_id": user_team} if user_team else {})},
                "container": {"type": "message", "channel_id": "C0INBOX", "message_ts": team.card["ts"]},
                "channel": {"id": "C0INBOX"},
                "trigger_id": "1.2.3",
                "actions": [{"action_id": "claim", "value": "claim", "type": "button"}],
            }
            body = "payload=" + quote(json.dumps(payload))
            return int((await app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))).status)

        assert await click({"id": "T0INBOX"}, "T0GUEST") == 403  # a person of another team in our workspace
        assert await click(None, None) == 403  # no team at all
        command = "command=/oncall&text=me&user_id=U0AGENT&channel_id=C0INBOX"  # a command without team_id
        assert (await app.async_dispatch(AsyncBoltRequest(body=command, mode="socket_mode"))).status == 403
        await asyncio.sleep(0.2)
        assert (
            team.deps.store.conversations()[0]["claimed_by"] is None and team.deps.escalator.overrides() == []
        )

        assert await click(None, "T0INBOX") == 200  # Enterprise Grid: no workspace, the person's team is ours
        await eventually(
            lambda: team.deps.store.conversations()[0]["claimed_by"] == "U0AGENT", what="the claim"
        )
        await team.command("U0ONCALL", "/oncall me for 2h")  # what Slack sends, with our team, is served
        await eventually(lambda: len(team.deps.escalator.overrides()) == 1, what="the override")


def test_home_for_500_open_conversations_stays_within_block_kit_limits(tmp_path: Path) -> None:
    from bot.app import build_deps

    settings = make_settings(tmp_path)
    deps = build_deps(settings, clock=pinned_clock())
    now = deps.clock.now()
    for n in range(500):
        deps.store.create_conversation(
            key=f"k{n}",
            kind="buyer",
            buyer_name=f"Käufer {n} " + "x" * 40,
            order_id=f"302-{n:07d}-1234567",
            deadline=(now + timedelta(minutes=n)).isoformat(),
            claimed_by="U0AGENT" if n % 50 == 0 else None,
        )
    view = deps.desk.home("U0AGENT")
    assert view["type"] == "home" and len(view["blocks"]) <= 100 and len(json.dumps(view)) < 250_000
    for block in view["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    text = json.dumps(view, ensure_ascii=False)
    assert "Queue by deadline (500 open)" in text and "and 440 more" in text and "Mine (10)" in text
    deps.store.close()


async def test_an_unexpected_failure_is_told_to_the_person_with_what_to_do(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The error handler (handlers/errors.py) answers the person; before, a failing /inbox left them nothing."""

    async def broken(*args: Any) -> Any:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(team.deps.desk, "inbox", broken)
    with contextlib.suppress(DeliveryError):  # Bolt may drop the ack of a listener that fails at once
        await team.command("U0AGENT", "/inbox")
    await team.slack.wait_for(lambda: len(team.seen_by("U0AGENT")) == 1)
    [told] = team.seen_by("U0AGENT")
    assert "error on our side (RuntimeError)" in told["text"] and "Try again" in told["text"]
    assert "database is locked" not in told["text"]  # internals stay in the log


async def test_an_unexpected_failure_of_a_mention_is_told_in_its_thread(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events carry the person and channel inside `event`: the error handler finds them there."""

    async def broken(*args: Any) -> Any:
        raise RuntimeError("SP-API exploded")

    monkeypatch.setattr(team.deps.desk, "order", broken)
    bot = team.slack.bot_user_id
    await team.people.say(
        user="U0AGENT", channel="C0INBOX", text=f"<@{bot}> order", thread_ts=team.card["ts"]
    )
    await team.slack.wait_for(lambda: any("(RuntimeError)" in e["text"] for e in team.seen_by("U0AGENT")))
    [told] = [e for e in team.seen_by("U0AGENT") if "(RuntimeError)" in e["text"]]
    assert told.get("thread_ts") == team.card["ts"] and "SP-API exploded" not in told["text"]
