"""The composition root: build_deps wires the parts to each other, create_app's middlewares, run_bot's start."""

# Covered elsewhere, not repeated here: a retried event (same event_id) handled once, in
# tests/reliability/test_duplicates_and_data.py (test_a_retried_event_is_handled_once), a second instance refused
# there too; requests from another workspace (team_id, team.id) refused in tests/handlers/test_commands.py
# (test_requests_from_another_workspace_are_refused); the clock's notifications queued in the outbox in
# tests/jobs/test_sla.py.

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import StartupError, build_deps, create_app, run_bot, shared_slack_session
from bot.deps import Deps
from bot.desk.roles import Role
from bot.mail.sender import SmtpSender
from bot.mail.source import DirectorySource, ImapSource, IncomingMail
from bot.sandbox.fake_services import FakeServices, StoredOrder
from bot.sandbox.slack_api import FakeSlack
from bot.services.amazon import SpApi
from bot.settings import Settings
from bot.store.store import Store, iso
from tests.conftest import eventually, fixture_mail, make_settings
from tests.support.clock import pinned_clock

ORDER = "302-1234567-1234567"  # the order of de_invoice.eml
SMTP = {
    "smtp_host": "127.0.0.1",
    "smtp_port": 2525,
    "smtp_tls": "plain",
    "smtp_from": "service@example-shop.de",
    "reply_signature": "Example Shop Kundenservice",
}

Build = Callable[..., Deps]


@pytest.fixture
async def build(tmp_path: Path) -> AsyncIterator[Build]:
    """build_deps on the pinned clock, closed after the test."""
    built: list[Deps] = []

    def make(slack: FakeSlack | None = None, **overrides: Any) -> Deps:
        deps = build_deps(make_settings(tmp_path, slack, **overrides), clock=pinned_clock())
        built.append(deps)
        return deps

    yield make
    for deps in built:
        await deps.enricher.close()
        if deps.amazon is not None:
            await deps.amazon.aclose()
        await deps.http.aclose()
        deps.store.close()


async def take_in(deps: Deps, name: str = "de_invoice.eml") -> dict[str, Any]:
    await deps.intake.handle(IncomingMail(fixture_mail(name), name, pinned_clock().now()))
    return deps.store.conversations()[-1]


def outbox(deps: Deps, kind: str) -> list[dict[str, Any]]:
    return [r for r in deps.store.query("SELECT * FROM outbox ORDER BY id") if r["kind"] == kind]


# ---- build_deps: the parts are wired to each other ----


async def test_a_mail_taken_in_wakes_the_poster(build: Build) -> None:
    deps = build()
    assert deps.poster.wake is deps.outbox.wake  # the poster waits on the outbox's wake-up
    deps.outbox.wake.clear()
    await take_in(deps)
    assert deps.outbox.wake.is_set() and len(outbox(deps, "post_card")) == 1


async def test_a_mail_naming_an_order_starts_its_lookup(build: Build, fake_services: FakeServices) -> None:
    fake_services.orders[ORDER] = StoredOrder(
        ORDER,
        "A1PA6795UKMFR9",
        pinned_clock().now() - timedelta(days=3),
        [("Kaffeemühle", "B0C", 1, "39.90")],
        "EUR",
    )
    deps = build(**fake_services.urls(fake_services.base_url))
    await take_in(deps)
    await eventually(
        lambda: bool((deps.store.order_row(order_id=ORDER) or {}).get("data")), what="the order fetched"
    )


async def test_an_order_change_from_the_enricher_queues_a_card_redraw(
    build: Build, fake_services: FakeServices
) -> None:
    fake_services.orders[ORDER] = StoredOrder(
        ORDER,
        "A1PA6795UKMFR9",
        pinned_clock().now() - timedelta(days=3),
        [("Kaffeemühle", "B0C", 1, "39.90")],
        "EUR",
    )
    deps = build(**fake_services.urls(fake_services.base_url))
    conv = deps.store.create_conversation(
        key="k1",
        kind="buyer",
        order_id=ORDER,
        slack_channel="C0INBOX",
        slack_ts="1.000001",
        deadline=iso(pinned_clock().now() + timedelta(hours=20)),
    )
    deps.outbox.wake.clear()
    assert await deps.enricher.enrich(ORDER) is True  # the order arrived: the card must show it
    assert deps.store.update_pending(conversation_id=conv) and deps.outbox.wake.is_set()


async def test_a_reply_queued_by_replies_wakes_the_mailer(build: Build) -> None:
    deps = build(**SMTP)
    conv = await take_in(deps)
    draft = deps.replies.draft(conv, user="U0AGENT", template="acknowledgement")
    assert not deps.mailer.wake.is_set()
    outcome = deps.replies.submit(draft.metadata, draft.text, user="U0AGENT")
    assert outcome.created and deps.mailer.wake.is_set()


async def test_a_claim_through_replies_queues_a_card_redraw(build: Build) -> None:
    deps = build()
    conv = await take_in(deps)
    assert not deps.store.update_pending(conversation_id=int(conv["id"]))
    deps.replies.claim(conv, user="U0AGENT")
    assert deps.store.update_pending(conversation_id=int(conv["id"]))


async def test_what_became_of_a_send_is_queued_for_the_cards_thread(build: Build) -> None:
    deps = build()  # no SMTP: the mailer fails the send and must say so
    conv = await take_in(deps)
    send, _ = deps.store.create_send(
        key="k1", conversation_id=int(conv["id"]), reply_to_row=None, text="Hallo", by_user="U0AGENT"
    )
    await deps.mailer.drain()
    [note] = outbox(deps, "post_thread")
    assert json.loads(note["payload"]) == {"send": send["id"], "event": "failed"}


async def test_sending_is_set_up_only_with_a_host_and_a_from_address(build: Build) -> None:
    complete = build(**SMTP)
    assert isinstance(complete.mailer.sender, SmtpSender) and complete.replies.can_send
    no_from = build(**{**SMTP, "smtp_from": ""})
    assert no_from.mailer.sender is None and not no_from.replies.can_send
    conv = await take_in(no_from)
    draft = no_from.replies.draft(conv, user="U0AGENT", template="acknowledgement")
    outcome = no_from.replies.submit(draft.metadata, draft.text, user="U0AGENT")
    assert "Sending is not set up" in outcome.errors["reply"] and outcome.send is None


async def test_sp_api_is_built_from_the_settings_and_shared(
    build: Build, fake_services: FakeServices
) -> None:
    assert build().amazon is None
    deps = build(**fake_services.urls(fake_services.base_url))
    assert isinstance(deps.amazon, SpApi)
    assert deps.enricher.amazon is deps.amazon and deps.desk.amazon is deps.amazon


async def test_desk_and_replies_ask_the_one_roles_run_bot_refreshes(
    build: Build, fake_slack: FakeSlack
) -> None:
    fake_slack.usergroups["S0TEAM"] = ["U0AGENT"]
    deps = build(fake_slack, responders="S0TEAM")
    assert (
        deps.replies.roles is deps.roles and deps.desk.roles is deps.roles and deps.roles.store is deps.store
    )
    await deps.roles.refresh()
    assert deps.roles.allows("U0AGENT", Role.RESPONDER) and not deps.roles.allows("U0LEAD", Role.RESPONDER)


async def test_the_slack_client_comes_from_the_settings(build: Build, fake_slack: FakeSlack) -> None:
    deps = build(fake_slack)
    assert deps.client.base_url == fake_slack.base_url and deps.client.token == fake_slack.bot_token
    me = await deps.slack.auth_test()
    assert me["team_id"] == fake_slack.team_id


async def test_a_given_client_is_used(fake_slack: FakeSlack, tmp_path: Path) -> None:
    client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url)
    deps = build_deps(make_settings(tmp_path), clock=pinned_clock(), client=client)
    try:
        assert deps.client is client and deps.slack.client is client
    finally:
        await deps.http.aclose()
        deps.store.close()


# ---- build_deps: the mail source ----


async def test_the_mail_source_is_a_directory_or_imap_as_set(build: Build, tmp_path: Path) -> None:
    directory = build(mail_source="directory", mail_directory=tmp_path / "inbox")
    assert isinstance(directory.source, DirectorySource) and directory.source.path == tmp_path / "inbox"
    imap = build(
        mail_source="imap", imap_host="imap.example.com", imap_user="shop", database_path=tmp_path / "b.db"
    )
    assert isinstance(imap.source, ImapSource) and imap.source.name == "imap:shop@imap.example.com:993/INBOX"


def test_a_directory_source_without_a_directory_cannot_start(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, mail_source="directory", mail_directory=None)
    with pytest.raises(StartupError, match="INBOX_BOT_MAIL_DIRECTORY is required"):
        build_deps(settings, clock=pinned_clock())


async def test_a_given_source_is_used_whatever_the_settings(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, mail_source="directory", mail_directory=None)
    store = Store.connect(settings.database, clock=pinned_clock())
    source = DirectorySource(tmp_path / "other", store)
    deps = build_deps(settings, clock=pinned_clock(), source=source, store=store)
    try:
        assert deps.source is source and deps.store is store
    finally:
        await deps.http.aclose()
        deps.store.close()


async def test_the_mailbox_going_down_and_up_is_told_in_the_channel(
    build: Build, fake_slack: FakeSlack
) -> None:
    deps = build(fake_slack, mail_source="imap", imap_host="imap.example.com", imap_user="shop")
    assert isinstance(deps.source, ImapSource) and deps.source.on_status is not None
    await deps.source.on_status("down", "login refused for 'shop'")
    await deps.source.on_status("up", None)
    down, up = (p["text"] for p in fake_slack.posts("C0INBOX"))
    assert "The mailbox cannot be read: login refused for 'shop'" in down and "retrying" in down
    assert "The mailbox is readable again" in up


async def test_a_mailbox_notice_slack_refuses_is_logged_not_raised(
    build: Build, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    deps = build(fake_slack, slack_channel="C0GONE", mail_source="imap", imap_host="imap.example.com")
    assert isinstance(deps.source, ImapSource) and deps.source.on_status is not None
    with caplog.at_level(logging.ERROR, logger="bot.mail.mailboxes"):
        await deps.source.on_status("down", "timeout")
    assert "could not tell the channel about the mailbox (down)" in caplog.text


# ---- create_app: the middlewares ----


def recording(app: AsyncApp) -> list[dict[str, Any]]:
    """Bodies that got past the app's own middlewares (a middleware added after them; reactions are listened to)."""
    seen: list[dict[str, Any]] = []

    async def ignore(ack: Callable[[], Awaitable[None]]) -> None:
        await ack()

    app.event("reaction_added")(ignore)

    @app.middleware
    async def record(
        body: dict[str, Any], context: dict[str, Any], next: Callable[[], Awaitable[Any]]
    ) -> Any:
        seen.append({"body": body, "deps": context.get("deps")})
        return await next()

    return seen


async def dispatch(app: AsyncApp, body: dict[str, Any]) -> int:
    response = await app.async_dispatch(AsyncBoltRequest(body=json.dumps(body), mode="socket_mode"))
    return int(response.status)


def reaction(event_id: str, team: str = "T0INBOX") -> dict[str, Any]:
    return {
        "type": "event_callback",
        "team_id": team,
        "event_id": event_id,
        "event": {"type": "reaction_added", "user": "U0AGENT", "reaction": "eyes"},
    }


async def test_each_event_is_handled_once_and_the_deps_reach_the_listeners(
    build: Build, fake_slack: FakeSlack
) -> None:
    deps = build(fake_slack)
    app = create_app(deps.settings, deps)
    seen = recording(app)
    for event_id in ("Ev1", "Ev2", "Ev1", "Ev3", "Ev2"):
        assert await dispatch(app, reaction(event_id)) == 200
    assert [s["body"]["event_id"] for s in seen] == ["Ev1", "Ev2", "Ev3"]
    assert all(s["deps"] is deps for s in seen)


async def test_requests_without_an_event_id_are_never_taken_for_retries(
    build: Build, fake_slack: FakeSlack
) -> None:
    deps = build(fake_slack)
    app = create_app(deps.settings, deps)
    seen = recording(app)
    no_id = {"type": "event_callback", "team_id": "T0INBOX", "event": {"type": "reaction_added"}}
    for _ in range(2):
        await dispatch(app, no_id)
    assert len(seen) == 2


async def test_the_workspace_is_also_read_from_the_event(build: Build, fake_slack: FakeSlack) -> None:
    deps = build(fake_slack, slack_team_id="T0INBOX")
    app = create_app(deps.settings, deps)
    seen = recording(app)
    body = {
        "type": "event_callback",
        "event_id": "Ev9",
        "event": {"type": "reaction_added", "team": "T0OTHER"},
    }
    assert await dispatch(app, body) == 403
    assert seen == []


async def test_without_a_team_id_set_every_workspace_is_served(build: Build, fake_slack: FakeSlack) -> None:
    deps = build(fake_slack)
    app = create_app(deps.settings, deps)
    seen = recording(app)
    assert await dispatch(app, reaction("Ev1", team="T0ELSEWHERE")) == 200
    assert len(seen) == 1


# ---- shared_slack_session ----


async def test_one_pooled_session_carries_every_call_and_is_closed_after(fake_slack: FakeSlack) -> None:
    client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url)
    async with shared_slack_session(client):
        session = client.session
        assert isinstance(session, aiohttp.ClientSession) and not session.closed
        for _ in range(4):
            await client.auth_test()
        assert client.session is session
    assert client.session is None and session.closed
    assert len(fake_slack.api_connections) == 1  # keep-alive: one connection for four calls


async def test_a_session_the_client_has_already_is_kept_open(fake_slack: FakeSlack) -> None:
    own = aiohttp.ClientSession()
    client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url, session=own)
    try:
        async with shared_slack_session(client):
            assert client.session is own
            await client.auth_test()
        assert client.session is own and not own.closed
    finally:
        await own.close()


# ---- run_bot ----


async def test_a_refused_bot_token_stops_the_start_with_what_to_fix(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    settings = make_settings(tmp_path, fake_slack, slack_bot_token="xoxb-revoked")
    deps = build_deps(settings, clock=pinned_clock())
    try:
        with pytest.raises(
            StartupError, match=r"Slack rejected the bot token \(invalid_auth\).*SLACK_BOT_TOKEN"
        ):
            await run_bot(deps, create_app(settings, deps), stop=asyncio.Event())
        assert not deps.ready.is_set() and deps.client.session is None
        assert [m for m, _ in fake_slack.calls] == ["auth.test"]  # nothing else was tried
    finally:
        await deps.http.aclose()
        deps.store.close()
    good = make_settings(tmp_path, fake_slack)  # the lock was let go: a bot with the right token starts
    again = build_deps(good, clock=pinned_clock())
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(again, create_app(good, again), stop=stop))
    await asyncio.wait_for(again.ready.wait(), 10)
    stop.set()
    await asyncio.wait_for(task, 15)
    again.store.close()


async def test_socket_mode_without_an_app_token_starts_nothing(tmp_path: Path, fake_slack: FakeSlack) -> None:
    settings: Settings = make_settings(tmp_path, fake_slack, slack_app_token=None)
    deps = build_deps(settings, clock=pinned_clock())
    try:
        with pytest.raises(StartupError, match="INBOX_BOT_SLACK_APP_TOKEN is required"):
            await run_bot(deps, create_app(settings, deps), stop=asyncio.Event())
        left = [
            t for t in asyncio.all_tasks() if t.get_name() in ("intake", "poster", "mailer") and not t.done()
        ]
        assert left == []
    finally:
        for task in asyncio.all_tasks():
            if task.get_name() in ("intake", "poster", "mailer"):
                task.cancel()
        await asyncio.sleep(0)
        await deps.http.aclose()
        deps.store.close()


async def test_a_listener_that_cannot_start_stops_the_workers_it_started(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """HTTP mode on a port that is taken: run_bot fails, and no intake, poster or mailer is left running."""
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    settings: Settings = make_settings(
        tmp_path,
        fake_slack,
        slack_mode="http",
        slack_signing_secret="s",
        http_host="127.0.0.1",
        http_port=port,
    )
    deps = build_deps(settings, clock=pinned_clock())
    try:
        with pytest.raises(OSError):
            await run_bot(deps, create_app(settings, deps), stop=asyncio.Event())
        left = [
            t for t in asyncio.all_tasks() if t.get_name() in ("intake", "poster", "mailer") and not t.done()
        ]
        assert left == []
    finally:
        taken.close()
        deps.store.close()
