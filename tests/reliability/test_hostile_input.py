"""Hostile and broken input: huge and deeply nested mails, and Slack payloads with missing or wrong fields."""

from __future__ import annotations

import contextlib
import random
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from bot.mail.parser import MAX_PARTS, parse_relay_mail
from bot.sandbox.people import People
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import make_settings, running_bot


def test_a_25_mb_attachment_is_listed_not_loaded_into_the_card() -> None:
    msg = EmailMessage()
    msg["From"] = '"Max - Amazon Marketplace" <abc@marketplace.amazon.de>'
    msg["Subject"] = "Frage von Amazon-Kunde Max (Bestellung: 302-1234567-1234567)"
    msg["Message-ID"] = "<big@x>"
    msg.set_content(
        "------------- Nachricht: -------------\nAnbei ein Video.\n------------- Ende der Nachricht -------------"
    )
    msg.add_attachment(b"\0" * (25 * 1024 * 1024), maintype="video", subtype="mp4", filename="unboxing.mp4")
    parsed = parse_relay_mail(bytes(msg))
    assert parsed.error is None and parsed.text == "Anbei ein Video."
    assert [(a.filename, a.size) for a in parsed.attachments] == [("unboxing.mp4", 25 * 1024 * 1024)]


def test_deeply_nested_messages_are_read_or_kept_raw_never_a_crash() -> None:
    depth = 400
    head = "".join(
        f'--b{n}\r\nContent-Type: multipart/mixed; boundary="b{n + 1}"\r\n\r\n' for n in range(depth)
    )
    tail = "".join(f"--b{n}--\r\n" for n in reversed(range(depth + 1)))
    raw = (
        'From: someone@example.com\r\nMessage-ID: <nested@x>\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n'
        + head
        + f"--b{depth}\r\nContent-Type: text/plain\r\n\r\ninnen\r\n"
        + tail
    ).encode()
    parsed = parse_relay_mail(raw)
    assert parsed.message_id == "<nested@x>"  # read, or kept raw with the reason; the intake loop goes on
    assert len(parsed.attachments) <= MAX_PARTS


def noise(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON value: what a broken or hostile client might send in place of a field."""
    kinds = ["none", "bool", "int", "text", "list", "dict"] if depth < 3 else ["none", "bool", "int", "text"]
    kind = rng.choice(kinds)
    if kind == "list":
        return [noise(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == "dict":
        return {
            rng.choice(["id", "value", "ts", "0", "type"]): noise(rng, depth + 1)
            for _ in range(rng.randrange(4))
        }
    return {
        "none": None,
        "bool": rng.random() < 0.5,
        "int": rng.randrange(-5, 5),
        "text": rng.choice(["", "x", "🙂", "<!channel>"]),
    }[kind]


SHAPES: list[tuple[str, dict[str, Any]]] = [
    ("interactive", {"type": "block_actions", "actions": [{"action_id": "reply_template:invoice_request"}]}),
    (
        "interactive",
        {"type": "block_actions", "actions": [{"action_id": "claim"}], "user": {"id": "U0AGENT"}},
    ),
    (
        "interactive",
        {
            "type": "block_actions",
            "actions": [{"action_id": "retry_send", "value": "x"}],
            "user": {"id": "U0AGENT"},
        },
    ),
    (
        "interactive",
        {"type": "view_submission", "view": {"callback_id": "reply_modal", "private_metadata": "{not json"}},
    ),
    ("events_api", {"type": "event_callback", "event": {"type": "message", "thread_ts": "1.2"}}),
    ("events_api", {"type": "event_callback", "event": {"type": "app_mention", "text": None}}),
    ("slash_commands", {"command": "/order", "text": None, "user_id": None}),
]
FIELDS = ["user", "team", "container", "actions", "view", "event", "trigger_id", "text", "channel"]


async def test_malformed_slack_payloads_never_stop_the_bot(tmp_path: Path, fake_slack: FakeSlack) -> None:
    rng = random.Random(11)
    settings = make_settings(tmp_path, fake_slack)
    async with running_bot(settings) as deps:
        await deps.ready.wait()
        for _ in range(100):
            kind, shape = rng.choice(SHAPES)
            body = {**shape, **{f: noise(rng) for f in rng.sample(FIELDS, rng.randrange(4))}}
            with contextlib.suppress(TimeoutError):
                await fake_slack.send_envelope(kind, body, timeout=0.15)
        # the bot is still there and answers people
        ack = await People(fake_slack).command(
            user="U0AGENT", channel="C0INBOX", command="/inbox-bot", text="help"
        )
        assert ack["envelope_id"]
        await fake_slack.wait_for(
            lambda: any("Commands" in e["text"] or "help" in e["text"] for e in fake_slack.ephemerals)
        )
