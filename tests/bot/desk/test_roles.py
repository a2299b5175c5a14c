"""Who may do what: everyone by default, responders and leads by person and Slack user group, refusals that say who
may and are audited, and which requests come from our workspace and its people."""

# Through the whole bot, not repeated here: each refused button and command, a responder and a lead allowed
# (tests/handlers/test_replies.py, tests/handlers/test_commands.py), payloads without a team or from another team
# (tests/handlers/test_commands.py); Replies and Desk asking Roles (tests/bot/replies, tests/bot/desk/test_desk.py).

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.desk.roles import Role, Roles, foreign_team
from bot.errors import Refusal
from bot.sandbox.slack_api import FakeSlack
from bot.services.slack import SlackGateway
from bot.store.store import Store
from tests.conftest import make_settings
from tests.support.clock import pinned_clock

Make = Callable[..., Roles]


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store.open(":memory:", clock=pinned_clock())
    yield store
    store.close()


@pytest.fixture
def make(tmp_path: Path, fake_slack: FakeSlack, store: Store) -> Make:
    """Roles for the given settings, asking the Slack stand-in and auditing into `store`."""

    def build(**overrides: Any) -> Roles:
        client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url)
        return Roles(make_settings(tmp_path, fake_slack, **overrides), SlackGateway(client), store)

    return build


def refusals(store: Store) -> list[dict[str, Any]]:
    rows = [r for r in store.query("SELECT * FROM audit ORDER BY id") if r["action"] == "refused"]
    return [{**r, **json.loads(r["detail"])} for r in rows]


async def test_without_roles_everyone_may_do_everything(make: Make, fake_slack: FakeSlack) -> None:
    roles = make()
    await roles.refresh()
    for role in Role:
        assert roles.allows("U0AGENT", role) and roles.allows("W0GRID", role)
        assert roles.who(role) == "everyone"
    assert fake_slack.calls == []  # nothing to expand


async def test_responders_are_named_people_before_and_after_a_refresh(make: Make) -> None:
    roles = make(responders="U0LEAD, U0ONCALL")
    assert roles.allows("U0LEAD", Role.RESPONDER) and not roles.allows(
        "U0AGENT", Role.RESPONDER
    )  # not refreshed
    await roles.refresh()
    assert roles.allows("U0ONCALL", Role.RESPONDER) and not roles.allows("U0AGENT", Role.RESPONDER)
    assert roles.who(Role.RESPONDER) == "<@U0LEAD>, <@U0ONCALL> (responders)"


async def test_leads_are_responders_and_only_they_do_what_leads_do(make: Make) -> None:
    roles = make(responders="U0AGENT", leads="U0LEAD")
    await roles.refresh()
    assert roles.allows("U0LEAD", Role.RESPONDER) and roles.allows("U0LEAD", Role.LEAD)
    assert roles.allows("U0AGENT", Role.RESPONDER) and not roles.allows("U0AGENT", Role.LEAD)
    assert not roles.allows("U0OTHER", Role.RESPONDER) and not roles.allows("U0OTHER", Role.LEAD)
    assert roles.who(Role.RESPONDER) == "<@U0AGENT> (responders) or <@U0LEAD> (leads)"
    assert roles.who(Role.LEAD) == "<@U0LEAD> (leads)"


async def test_without_leads_the_responders_lead_and_without_responders_everyone_responds(make: Make) -> None:
    no_leads = make(responders="U0AGENT")
    assert no_leads.allows("U0AGENT", Role.LEAD) and not no_leads.allows("U0OTHER", Role.LEAD)
    assert no_leads.who(Role.LEAD) == "<@U0AGENT> (responders)"
    small_team = make(leads="U0LEAD")
    assert small_team.allows("U0OTHER", Role.RESPONDER)
    assert not small_team.allows("U0OTHER", Role.LEAD) and small_team.allows("U0LEAD", Role.LEAD)


async def test_the_old_reply_senders_setting_still_names_responders(make: Make) -> None:
    roles = make(reply_senders="U0OLD", responders="U0NEW")
    assert roles.settings.responders == ["U0NEW", "U0OLD"]
    assert roles.allows("U0OLD", Role.RESPONDER) and roles.allows("U0NEW", Role.RESPONDER)
    assert not roles.allows("U0AGENT", Role.RESPONDER)


async def test_user_groups_of_both_roles_are_expanded_through_slack(
    make: Make, fake_slack: FakeSlack
) -> None:
    fake_slack.usergroups["S0SUPPORT"] = ["U0AGENT", "U0ONCALL"]
    fake_slack.usergroups["S0LEADS"] = ["U0BOSS"]
    roles = make(responders="U0LEAD,S0SUPPORT", leads="S0LEADS")
    assert not roles.allows("U0AGENT", Role.RESPONDER) and not roles.allows("S0SUPPORT", Role.RESPONDER)
    await roles.refresh()
    assert all(roles.allows(u, Role.RESPONDER) for u in ("U0LEAD", "U0AGENT", "U0ONCALL", "U0BOSS"))
    assert roles.allows("U0BOSS", Role.LEAD) and not roles.allows("U0LEAD", Role.LEAD)
    assert not roles.allows("S0SUPPORT", Role.RESPONDER) and not roles.allows("U0OTHER", Role.RESPONDER)
    assert sorted(c["usergroup"] for c in fake_slack.calls_of("usergroups.users.list")) == [
        "S0LEADS",
        "S0SUPPORT",
    ]
    assert (
        roles.who(Role.RESPONDER)
        == "<@U0LEAD>, <!subteam^S0SUPPORT> (responders) or <!subteam^S0LEADS> (leads)"
    )


async def test_a_group_leaving_is_seen_at_the_next_refresh(make: Make, fake_slack: FakeSlack) -> None:
    fake_slack.usergroups["S0SUPPORT"] = ["U0AGENT"]
    roles = make(responders="S0SUPPORT")
    await roles.refresh()
    assert roles.allows("U0AGENT", Role.RESPONDER)
    fake_slack.usergroups["S0SUPPORT"] = ["U0ONCALL"]
    await roles.refresh()
    assert not roles.allows("U0AGENT", Role.RESPONDER) and roles.allows("U0ONCALL", Role.RESPONDER)


async def test_a_group_that_cannot_be_read_allows_nobody_extra_and_says_so(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    roles = make(responders="U0LEAD,S0GONE")
    with caplog.at_level(logging.ERROR, logger="bot.desk.roles"):
        await roles.refresh()
    assert roles.allows("U0LEAD", Role.RESPONDER) and not roles.allows("U0AGENT", Role.RESPONDER)
    assert "responders: user group S0GONE cannot be read" in caplog.text and "no_such_subteam" in caplog.text


async def test_a_refusal_says_who_may_and_what_to_do_and_is_audited(make: Make, store: Store) -> None:
    roles = make(responders="U0AGENT", leads="U0LEAD")
    roles.require(
        "U0AGENT", Role.RESPONDER, what="close a conversation", conversation_id=7
    )  # allowed: silent
    assert refusals(store) == []
    with pytest.raises(Refusal) as refused:
        roles.require("U0AGENT", Role.LEAD, what="put someone else on call", hint="Ask a lead.")
    assert str(refused.value) == "Only <@U0LEAD> (leads) may put someone else on call. Ask a lead."
    text = roles.refuse("U0OTHER", Role.RESPONDER, what="send replies to buyers", conversation_id=7)
    assert text == "Only <@U0AGENT> (responders) or <@U0LEAD> (leads) may send replies to buyers."
    assert [(r["actor"], r["conversation_id"], r["what"], r["role"]) for r in refusals(store)] == [
        ("U0AGENT", None, "put someone else on call", "leads"),
        ("U0OTHER", 7, "send replies to buyers", "responders"),
    ]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"type": "event_callback", "team_id": "T0INBOX", "event": {"type": "app_home_opened"}}, None),
        ({"command": "/inbox", "team_id": "T0INBOX", "user_id": "U0AGENT"}, None),
        (
            {"type": "block_actions", "team": {"id": "T0INBOX"}, "user": {"id": "U0A", "team_id": "T0INBOX"}},
            None,
        ),
        # Enterprise Grid, org-wide install: no workspace on the payload, the person's team is ours
        (
            {
                "type": "view_submission",
                "team": None,
                "enterprise": {"id": "E0ORG"},
                "user": {"team_id": "T0INBOX"},
            },
            None,
        ),
        ({"type": "event_callback", "team_id": "T0ELSE", "event": {}}, "it comes from T0ELSE"),
        ({"type": "event_callback", "event": {"team": "T0ELSE"}}, "it comes from T0ELSE"),
        (
            {"type": "block_actions", "team": {"id": "T0INBOX"}, "user": {"id": "U0X", "team_id": "T0ELSE"}},
            "it comes from T0ELSE",
        ),
        (
            {"type": "event_callback", "team_id": "T0INBOX", "event": {"user_team": "T0ELSE"}},
            "it comes from T0ELSE",
        ),
        (
            {"type": "view_submission", "view": {"team_id": "T0ELSE"}, "user": {"id": "U0A"}},
            "it comes from T0ELSE",
        ),
        ({"type": "block_actions", "team": None, "user": {"id": "U0AGENT"}}, "it names no workspace"),
        (
            {"type": "event_callback", "enterprise_id": "E0ORG", "event": {"type": "message"}},
            "it names no workspace",
        ),
    ],
)
def test_requests_are_ours_only_when_every_team_they_name_is_ours(
    body: dict[str, Any], why: str | None
) -> None:
    assert foreign_team(body, "T0INBOX") == why
