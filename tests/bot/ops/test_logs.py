"""Log lines for machines: the context follows a task and ends with its block, JSON lines carry it, and a whole run
of `python -m bot run` with INBOX_BOT_LOG_FORMAT=json writes only lines that parse, with their context and without
secrets or buyer text above DEBUG."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.ops.logs import (
    ContextFilter,
    JsonFormatter,
    bind,
    current,
    in_log_context,
    log_context,
    log_handler,
    scoped,
    slack_context,
)
from bot.sandbox.fake_services import FakeServices, StoredOrder
from bot.sandbox.people import People
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail
from tests.support.bot_process import start_bot
from tests.support.clock import pinned_clock
from tests.support.dovecot import Dovecot, free_port

ORDER = "302-1234567-1234567"
MESSAGE_ID = "<0100018f-de-invoice-0002@email.amazonses.com>"
BUYER_WORDS = "noch keine Rechnung"  # what the buyer of de_invoice.eml wrote
IMAP_PASSWORD = 'Pw-"ops\\9f3k'  # quoted and escaped on the wire: bot/redact.py masks every form


def test_the_context_holds_within_its_block_and_bind_ends_with_it() -> None:
    assert current() == {}
    with log_context(conversation_id=7, order_id=ORDER, slack_ts=None):
        assert current() == {"conversation_id": 7, "order_id": ORDER}  # None is left out
        with log_context(slack_ts="1700000000.000100"):
            bind(message_id="<m1>", order_id="302-7654321-7654321")
            assert current() == {
                "conversation_id": 7,
                "order_id": "302-7654321-7654321",
                "slack_ts": "1700000000.000100",
                "message_id": "<m1>",
            }
            bind(message_id="<m2>", order_id=None)  # the next mail has no order: the last one's is not its
            assert current() == {"conversation_id": 7, "slack_ts": "1700000000.000100", "message_id": "<m2>"}
        assert current() == {"conversation_id": 7, "order_id": ORDER}
    assert current() == {}


def test_only_the_four_context_fields_are_taken() -> None:
    with pytest.raises(ValueError, match="buyer_text"), log_context(buyer_text="hello"):
        pass


async def test_the_context_follows_the_tasks_started_within_and_no_other() -> None:
    seen: dict[str, dict[str, str | int]] = {}

    async def lookup(name: str) -> None:
        await asyncio.sleep(0)
        seen[name] = current()

    with log_context(order_id=ORDER):
        started = asyncio.create_task(lookup("started inside"))
    other = asyncio.create_task(lookup("started outside"))
    await asyncio.gather(started, other)
    assert seen == {"started inside": {"order_id": ORDER}, "started outside": {}}


async def test_a_scoped_handler_keeps_what_it_binds_to_each_call() -> None:
    async def handle(mail: str) -> dict[str, str | int]:
        bind(message_id=mail)
        return current()

    run = scoped(handle)
    assert await run("<a>") == {"message_id": "<a>"}
    assert current() == {}


def test_slack_context_names_the_message_a_click_or_an_event_is_about() -> None:
    assert slack_context({"container": {"message_ts": "1.2"}, "message": {"ts": "1.2"}}) == {
        "slack_ts": "1.2"
    }
    assert slack_context({"event": {"type": "message", "ts": "3.4", "thread_ts": "1.2"}}) == {
        "slack_ts": "1.2"
    }
    assert slack_context({"event": {"type": "app_mention", "ts": "3.4"}}) == {"slack_ts": "3.4"}
    assert slack_context({"command": "/inbox"}) == {}


async def test_the_bolt_middleware_sets_the_slack_ts_for_the_rest_of_the_requests_task() -> None:
    """Bolt calls the listener after the middleware returned, in the same task (one task per request)."""

    async def nothing() -> None:
        return None

    async def request(body: dict[str, Any]) -> dict[str, str | int]:
        await in_log_context(body, nothing)
        return current()  # where the listener runs

    with log_context(order_id=ORDER):
        assert await asyncio.create_task(request({"container": {"message_ts": "1.2"}})) == {
            "order_id": ORDER,
            "slack_ts": "1.2",
        }
        bind(slack_ts="9.9")
        assert await request({"command": "/inbox"}) == {"order_id": ORDER}  # an earlier request's ts is gone
    assert current() == {}


def json_line(record: logging.LogRecord) -> dict[str, Any]:
    ContextFilter().filter(record)
    parsed: dict[str, Any] = json.loads(JsonFormatter().format(record))
    return parsed


def test_a_json_line_has_time_level_logger_message_and_the_context() -> None:
    record = logging.LogRecord("bot.workers.poster", logging.WARNING, __file__, 1, "posted %s", ("x",), None)
    with log_context(conversation_id=7, slack_ts="1.2"):
        line = json_line(record)
    assert (
        line["level"] == "WARNING"
        and line["logger"] == "bot.workers.poster"
        and line["message"] == "posted x"
    )
    assert line["conversation_id"] == 7 and line["slack_ts"] == "1.2" and "order_id" not in line
    assert line["time"].endswith("+00:00")


def test_extra_fields_win_over_the_context_and_a_traceback_goes_along() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    record.order_id = "302-0000000-0000000"
    with log_context(order_id=ORDER):
        line = json_line(record)
    assert line["order_id"] == "302-0000000-0000000"
    assert "RuntimeError: boom" in line["exception"]


def test_the_text_format_is_unchanged_and_an_unknown_format_is_refused() -> None:
    stream = io.StringIO()
    handler = log_handler("text")
    handler.setStream(stream)  # type: ignore[attr-defined]
    logger = logging.getLogger("tests.ops.text")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        with log_context(order_id=ORDER):
            logger.warning("looked up")
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue().rstrip().endswith(" WARNING tests.ops.text: looked up")
    with pytest.raises(ValueError, match="text or json"):
        log_handler("xml")


@pytest.fixture
def imap() -> Any:
    server = Dovecot(password=IMAP_PASSWORD, port=free_port()).start()
    yield server
    server.stop()


async def test_a_whole_run_logs_json_lines_with_context_and_without_secrets_or_buyer_text(
    tmp_path: Path, fake_slack: FakeSlack, fake_services: FakeServices, imap: Dovecot
) -> None:
    now = pinned_clock().now()
    fake_services.orders[ORDER] = StoredOrder(
        ORDER, "A1PA6795UKMFR9", now - timedelta(days=2), [("Kaffeemühle", "B0CAFE0001", 1, "39.90")], "EUR"
    )
    port = free_port()
    env = {f"INBOX_BOT_{k.upper()}": v for k, v in fake_services.urls(fake_services.base_url).items()}
    bot = start_bot(
        tmp_path,
        fake_slack,
        INBOX_BOT_LOG_FORMAT="json",
        INBOX_BOT_LOG_LEVEL="DEBUG",
        INBOX_BOT_OPS_PORT=str(port),
        INBOX_BOT_MAIL_SOURCE="imap",
        INBOX_BOT_IMAP_HOST="127.0.0.1",
        INBOX_BOT_IMAP_PORT=str(imap.port),
        INBOX_BOT_IMAP_USER=imap.user,
        INBOX_BOT_IMAP_PASSWORD=IMAP_PASSWORD,
        INBOX_BOT_IMAP_TLS="plain",
        **env,
    )
    try:
        async with httpx.AsyncClient() as client:

            async def ready() -> bool:
                try:
                    return (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            for _ in range(300):  # the listener answers once the process has started
                if await ready():
                    break
                await asyncio.sleep(0.1)
            assert await ready(), (tmp_path / "bot.log").read_text()[-3000:]
        imap.append(fixture_mail("de_invoice.eml"))
        await fake_slack.wait_for(lambda: len(fake_slack.posts()) == 1, timeout=30)
        card = fake_slack.posts()[0]
        await People(fake_slack).click(
            user="U0AGENT", channel="C0INBOX", message_ts=card["ts"], action_id="refresh_order"
        )
        await eventually(lambda: "refreshed by U0AGENT" in (tmp_path / "bot.log").read_text(), what="refresh")

        def poster_logged() -> bool:  # the redraw the refresh asked for, logged with the card it redraws
            text = (tmp_path / "bot.log").read_text()
            lines = [json.loads(line) for line in text.splitlines() if line.strip().endswith("}")]
            return any(line.get("slack_ts") == card["ts"] and line.get("conversation_id") for line in lines)

        await eventually(poster_logged, what="the poster's lines about the card")
    finally:
        bot.terminate()
        await asyncio.to_thread(bot.wait, 15)
    text = (tmp_path / "bot.log").read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line parses
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)

    stored = next(line for line in lines if line["message"].startswith(f"mail {MESSAGE_ID} stored"))
    assert stored["logger"] == "bot.mail.intake" and stored["level"] == "INFO"
    assert stored["message_id"] == MESSAGE_ID and stored["order_id"] == ORDER
    assert isinstance(stored["conversation_id"], int)
    looked_up = next(line for line in lines if line["message"].startswith(f"order {ORDER}: "))
    assert (
        looked_up["order_id"] == ORDER and looked_up["message_id"] == MESSAGE_ID
    )  # the lookup the mail started
    assert any(
        line.get("slack_ts") == card["ts"] and line.get("conversation_id") for line in lines
    )  # the poster
    refreshed = next(line for line in lines if "refreshed by U0AGENT" in line["message"])
    assert refreshed["slack_ts"] == card["ts"]  # a click's listener: the card it was on
    again = [
        line for line in lines if line["message"].startswith(f"order {ORDER}: ") and line.get("slack_ts")
    ]
    assert again and again[0]["order_id"] == ORDER  # the lookup the click asked for

    assert "IMAP" in text and "LOGIN" in text  # aioimaplib's DEBUG lines are there …
    secrets = [
        IMAP_PASSWORD,
        'Pw-\\"ops',
        fake_slack.bot_token,
        fake_slack.app_token,
        fake_services.client_secret,
    ]
    assert not [s for s in secrets[:2] if s in text]  # … without the password in any form
    above_debug = "\n".join(
        json.dumps(line, ensure_ascii=False) for line in lines if line["level"] != "DEBUG"
    )
    assert not [s for s in [*secrets, fake_services.refresh_token, BUYER_WORDS] if s in above_debug]
    assert BUYER_WORDS in json.dumps(lines, ensure_ascii=False)  # the check looks where the words would be
