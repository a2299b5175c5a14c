"""A second instance, Slack's event retries, the retention purge, and secrets that must never show."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.app import StartupError, build_deps, create_app, run_bot
from bot.clock.clocks import FakeClock
from bot.mail.intake import Intake
from bot.mail.source import IncomingMail
from bot.sandbox.slack_api import FakeSlack
from bot.store.retention import purge
from bot.store.store import Store
from tests.conftest import eventually, fixture_mail, imap_overrides, make_settings, running_bot
from tests.support.clock import pinned_clock
from tests.support.dovecot import Dovecot


async def test_a_second_instance_on_the_same_database_is_refused(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    settings = make_settings(tmp_path, fake_slack)
    async with running_bot(settings) as deps:
        await deps.ready.wait()
        second = build_deps(settings, clock=pinned_clock())
        with pytest.raises(StartupError, match=r"another inbox-bot .* is running"):
            await run_bot(second, create_app(settings, second), stop=asyncio.Event())
        second.store.close()
        await second.http.aclose()
    # once the first has stopped, a new one may start
    async with running_bot(settings) as again:
        await again.ready.wait()


async def test_a_retried_event_is_handled_once(tmp_path: Path, fake_slack: FakeSlack) -> None:
    settings = make_settings(tmp_path, fake_slack)
    deps = build_deps(settings, clock=pinned_clock())
    deps.slack.bot_user_id = fake_slack.bot_user_id
    app = create_app(settings, deps)
    await deps.intake.handle(IncomingMail(fixture_mail("de_invoice.eml"), "m", pinned_clock().now()))
    await deps.poster.drain()
    card = fake_slack.posts()[0]
    body = {
        "type": "event_callback",
        "team_id": "T0INBOX",
        "event_id": "Ev0123RETRY",
        "event": {
            "type": "message",
            "channel": "C0INBOX",
            "user": "U0AGENT",
            "text": "intern",
            "ts": "9.1",
            "thread_ts": card["ts"],
        },
    }
    for attempt in range(3):  # the original and two retries (X-Slack-Retry-Num 1, 2)
        headers = {"x-slack-retry-num": [str(attempt)]} if attempt else {}
        response = await app.async_dispatch(
            AsyncBoltRequest(body=json.dumps(body), headers=headers, mode="socket_mode")
        )
        assert response.status == 200
    await eventually(lambda: len(fake_slack.ephemerals) >= 1, what="the offer")
    await asyncio.sleep(0.2)
    assert len(fake_slack.ephemerals) == 1  # "Send this to the buyer?" once, not three times
    deps.store.close()
    await deps.http.aclose()


async def test_retention_purges_personal_data_and_keeps_the_numbers(tmp_path: Path) -> None:
    now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    clock = FakeClock(now)
    settings = make_settings(tmp_path)
    store = Store.connect(settings.database, clock=clock)
    intake = Intake(settings, store)
    await intake.handle(IncomingMail(fixture_mail("de_invoice.eml"), "a", now))
    await intake.handle(IncomingMail(fixture_mail("en_shipping.eml"), "b", now))
    old, recent = store.conversations()
    store.answer(conversation_id=old["id"], by="U0AGENT", at=now + timedelta(hours=1))
    later = now + timedelta(days=31, hours=2)  # the old answer is 31 days old, the recent one 5
    store.answer(conversation_id=recent["id"], by="U0AGENT", at=later - timedelta(days=5))

    dry = purge(store, later, 30, dry_run=True)
    assert (dry["conversations"], dry["messages"], dry["ids"]) == (1, 1, [old["id"]])
    assert store.conversation(conversation_id=old["id"])["buyer_name"]  # type: ignore[index]

    done = purge(store, later, 30)
    assert done["conversations"] == 1
    gone = store.conversation(conversation_id=old["id"])
    [message] = store.conversation_messages(conversation_id=old["id"])
    full = store.message(row_id=message["id"])
    assert (
        gone is not None and gone["buyer_name"] is None and gone["buyer_alias"] is None and gone["purged_at"]
    )
    assert full is not None and full["text"] is None and full["raw"] is None and full["sender"] is None
    assert (
        full["received_at"] and full["intent"] == "where_is_my_order"
    )  # the numbers stay (the earlier deadline first)
    assert store.conversation(conversation_id=recent["id"])["buyer_name"]  # type: ignore[index]
    assert purge(store, later, 30)["conversations"] == 0  # nothing twice


async def test_secrets_never_appear_in_logs_slack_or_errors(
    tmp_path: Path, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    secrets = {
        "imap_password": "imap-Secret-7f3a",
        "smtp_password": "smtp-Secret-91bc",
        "lwa_client_secret": "lwa-Secret-55de",
        "dhl_api_key": "dhl-Secret-0a1b",
    }
    caplog.set_level(logging.DEBUG)
    settings = make_settings(
        tmp_path, fake_slack, smtp_host="127.0.0.1", smtp_port=1, smtp_from="a@b.de", smtp_user="u", **secrets
    )
    async with running_bot(settings) as deps:
        await deps.ready.wait()
        (tmp_path / "mail").mkdir(exist_ok=True)
        (tmp_path / "mail" / "1.eml").write_bytes(fixture_mail("de_invoice.eml"))
        await fake_slack.wait_for(lambda: len(fake_slack.posts()) == 1)
        out = (
            repr(settings)
            + str(settings.model_dump())
            + caplog.text
            + json.dumps(fake_slack.calls, default=str)
        )
    for value in [*secrets.values(), fake_slack.bot_token, fake_slack.app_token]:
        assert value not in out, f"a secret leaked: {value[:4]}…"
    assert stat.S_IMODE(os.stat(settings.database_path).st_mode) == 0o600


async def test_the_imap_password_never_appears_in_debug_logs(
    tmp_path: Path, fake_slack: FakeSlack, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = make_settings(tmp_path, fake_slack, **imap_overrides(dovecot))
    async with running_bot(settings) as deps:
        await deps.source.connected.wait()  # type: ignore[attr-defined]
    assert dovecot.password not in caplog.text


async def test_retention_spares_open_conversations_and_covers_replies_and_notices(tmp_path: Path) -> None:
    """Open conversations keep their data however old; a reply's text and an old notice are personal data too."""
    received = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    now = received + timedelta(days=40)
    store = Store.connect(make_settings(tmp_path).database, clock=FakeClock(now))
    intake = Intake(make_settings(tmp_path), store)
    await intake.handle(IncomingMail(fixture_mail("de_invoice.eml"), "a", received))
    await intake.handle(IncomingMail(fixture_mail("en_shipping.eml"), "b", received))
    await intake.handle(IncomingMail(fixture_mail("notice_return.eml"), "c", received))
    buyers = [c for c in store.conversations() if c["kind"] == "buyer"]
    notice = next(c for c in store.conversations() if c["kind"] != "buyer")
    answered, still_open = buyers
    store.conn.execute(
        "UPDATE conversations SET last_message_at = ? WHERE id = ?", [received.isoformat(), notice["id"]]
    )
    [message] = store.conversation_messages(conversation_id=answered["id"])
    store.create_send(
        key="k",
        conversation_id=answered["id"],
        reply_to_row=message["id"],
        text="Hallo Max",
        by_user="U0AGENT",
    )
    store.answer(conversation_id=answered["id"], by="U0AGENT", at=received + timedelta(hours=1))
    assert purge(store, now, 30)["ids"] == sorted([answered["id"], notice["id"]])
    assert store.conversation(conversation_id=still_open["id"])["buyer_name"]  # type: ignore[index]
    assert store.sends(conversation_id=answered["id"])[0]["text"] == ""
