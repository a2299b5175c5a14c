"""The one place a listener's failure is told to the person: what went wrong and what to do, by the right way."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.desk.desk import Refusal
from bot.mail.source import IncomingMail
from bot.replies.library import TemplateProblem
from bot.sandbox.people import DeliveryError, People
from bot.sandbox.slack_api import FakeSlack
from bot.services.slack import SlackError, SlackGateway
from handlers.errors import answered, explain, tell
from tests.conftest import fixture_mail, make_settings, running_bot
from tests.support.clock import pinned_clock
from tests.support.smtp import SmtpServer


def gateway(slack: FakeSlack) -> SlackGateway:
    return SlackGateway(AsyncWebClient(token=slack.bot_token, base_url=slack.base_url), post_interval=0.01)


def test_a_refusal_or_template_problem_is_told_as_it_is() -> None:
    assert explain(Refusal("Which order?")) == ":warning: Which order?"
    assert explain(TemplateProblem("The template needs a tracking number.")) == (
        ":warning: The template needs a tracking number."
    )


def test_a_slack_failure_names_slacks_code_and_says_nothing_else_changed() -> None:
    text = explain(SlackError("views.open: expired_trigger_id", code="expired_trigger_id"))
    assert (
        text.startswith(":x: Slack refused")
        and "(expired_trigger_id)" in text
        and "nothing else changed" in text
    )
    assert "(no answer)" in explain(SlackError("chat.postMessage: timeout"))


def test_an_unexpected_error_names_its_kind_but_keeps_its_details_in_the_log() -> None:
    text = explain(KeyError("secret internals: row 42"))
    assert "error on our side (KeyError)" in text and "Try again in a minute" in text
    assert "secret internals" not in text


async def test_a_command_or_click_is_answered_through_its_response_url_only_to_the_person(
    fake_slack: FakeSlack,
) -> None:
    card = fake_slack._m_chat_postMessage({"channel": "C0INBOX", "text": "the card"})
    url = fake_slack.response_url("U0AGENT", "C0INBOX", card["ts"])
    body = {"type": "block_actions", "user": {"id": "U0AGENT"}, "response_url": url}
    await tell(RuntimeError("boom"), body, AsyncRespond(response_url=url), gateway(fake_slack))
    [told] = fake_slack.ephemerals
    assert told["user"] == "U0AGENT" and "(RuntimeError)" in told["text"]
    assert fake_slack.find_message("C0INBOX", card["ts"])["text"] == "the card"  # type: ignore[index]
    assert fake_slack.calls_of("chat.postEphemeral") == []  # through the response_url, not the Web API


async def test_an_event_is_answered_in_its_channel_and_thread(fake_slack: FakeSlack) -> None:
    card = fake_slack._m_chat_postMessage({"channel": "C0INBOX", "text": "the card"})
    body = {
        "type": "event_callback",
        "event": {"user": "U0LEAD", "channel": "C0INBOX", "thread_ts": card["ts"]},
    }
    await tell(
        Refusal("Claim from a card's thread."), body, AsyncRespond(response_url=None), gateway(fake_slack)
    )
    [told] = fake_slack.ephemerals
    assert told == {**told, "user": "U0LEAD", "channel": "C0INBOX", "thread_ts": card["ts"]}
    assert told["text"] == ":warning: Claim from a card's thread."


async def test_without_a_channel_the_person_gets_a_direct_message(fake_slack: FakeSlack) -> None:
    body = {"type": "view_submission", "user": {"id": "U0AGENT"}, "response_urls": []}
    await tell(ValueError("bad"), body, AsyncRespond(response_url=None), gateway(fake_slack))
    [dm] = fake_slack.posts(fake_slack.dm_channel("U0AGENT"))
    assert "(ValueError)" in dm["text"] and fake_slack.ephemerals == []


async def test_a_failure_to_tell_is_logged_not_raised(
    fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    fake_slack.fail("chat.postEphemeral", status=200, error="channel_not_found", retry_after=None)
    body = {"command": "/inbox", "user_id": "U0AGENT", "channel_id": "C0INBOX"}
    with caplog.at_level(logging.INFO, logger="handlers.errors"):
        await tell(RuntimeError("boom"), body, AsyncRespond(response_url=None), gateway(fake_slack))
    assert fake_slack.ephemerals == []
    assert any(
        r.levelno == logging.WARNING and "could not tell U0AGENT that a command failed" in r.getMessage()
        for r in caplog.records
    )


async def test_expected_refusals_are_logged_quietly_and_failures_with_their_traceback(
    fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"command": "/order", "user_id": "U0AGENT", "channel_id": "C0INBOX"}
    with caplog.at_level(logging.INFO, logger="handlers.errors"):
        await tell(Refusal("no order id"), body, AsyncRespond(response_url=None), gateway(fake_slack))
        try:
            raise RuntimeError("database is locked")
        except RuntimeError as e:
            await tell(e, body, AsyncRespond(response_url=None), gateway(fake_slack))
    [quiet, loud] = [r for r in caplog.records if r.name == "handlers.errors"]
    assert quiet.levelno == logging.INFO and quiet.exc_info is None
    assert (
        loud.levelno == logging.ERROR
        and loud.exc_info is not None
        and "database is locked" in loud.getMessage()
    )


async def test_a_registered_listener_gets_only_its_own_arguments_and_its_refusal_is_told(
    fake_slack: FakeSlack,
) -> None:
    """`answered` hands the listener the arguments it names, and tells the person what it raised, without raising."""
    seen: dict[str, Any] = {}
    acked: list[bool] = []

    async def ack() -> None:
        acked.append(True)

    async def listener(ack: Any, command: dict[str, Any]) -> None:
        seen.update(command=command)
        await ack()
        raise Refusal("Not yours.")

    wrapped = answered(listener)
    assert wrapped.__name__ == "listener"
    body = {"command": "/order", "user_id": "U0AGENT", "channel_id": "C0INBOX", "response_url": "x"}
    respond = AsyncRespond(response_url=fake_slack.response_url("U0AGENT", "C0INBOX"))
    context = {"deps": type("D", (), {"slack": gateway(fake_slack)})()}
    await wrapped(ack=ack, body=body, respond=respond, context=context, command=body, event=None, view=None)
    assert acked == [True] and seen == {"command": body}
    [told] = fake_slack.ephemerals
    assert told["user"] == "U0AGENT" and told["text"] == ":warning: Not yours."
    assert fake_slack.posts() == []


@pytest.fixture
async def bot(tmp_path: Path, fake_slack: FakeSlack, smtp: SmtpServer) -> AsyncIterator[Deps]:
    settings = make_settings(tmp_path, fake_slack, **smtp.settings())
    async with running_bot(settings) as deps:
        await deps.ready.wait()
        await deps.intake.handle(IncomingMail(fixture_mail("de_invoice.eml"), "t1", pinned_clock().now()))
        await fake_slack.wait_for(lambda: len(fake_slack.posts()) == 1)
        yield deps


async def test_a_failing_button_is_told_to_the_person_who_clicked(
    bot: Deps, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk I/O error")

    monkeypatch.setattr(bot.replies, "claim", broken)
    [card] = fake_slack.posts()
    with contextlib.suppress(DeliveryError):  # Bolt may drop the ack of a listener that fails at once
        await People(fake_slack, ack_timeout=0.5).click(
            user="U0ONCALL", channel="C0INBOX", message_ts=card["ts"], action_id="claim", value="claim"
        )
    await fake_slack.wait_for(lambda: bool(fake_slack.ephemerals))
    [told] = fake_slack.ephemerals
    assert told["user"] == "U0ONCALL" and "(RuntimeError)" in told["text"] and "disk I/O" not in told["text"]
    assert bot.store.conversations()[0]["claimed_by"] is None


async def test_a_failing_modal_submission_is_told_by_direct_message(
    bot: Deps, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    [card] = fake_slack.posts()
    people = People(fake_slack)
    await people.click(user="U0AGENT", channel="C0INBOX", message_ts=card["ts"], action_id="reply_blank")
    await fake_slack.wait_for(lambda: fake_slack.open_view("U0AGENT") is not None)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk I/O error")

    monkeypatch.setattr(bot.replies, "submit", broken)
    with contextlib.suppress(DeliveryError):
        await People(fake_slack, ack_timeout=0.5).submit_view(
            user="U0AGENT", values={"reply": {"text": {"type": "plain_text_input", "value": "Hallo"}}}
        )
    dm = fake_slack.dm_channel("U0AGENT")
    await fake_slack.wait_for(lambda: bool(fake_slack.posts(dm)))
    assert "(RuntimeError)" in fake_slack.posts(dm)[0]["text"] and bot.store.sends() == []
