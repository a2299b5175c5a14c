"""One Slack door: every Web API call of the bot goes through bot.services.slack.SlackGateway (pacing, Retry-After, typed
errors, one log line), never through the client directly."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DIRECT_CALL = re.compile(
    r"client\.(?:chat|views|conversations|users|usergroups|reactions|files|apps|auth|team)_\w+\("
)


def test_no_web_api_call_bypasses_the_gateway() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("bot", "handlers", "jobs")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "slack.py" and "sandbox" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if DIRECT_CALL.search(line)
    ]
    assert offenders == [], "call Slack through SlackGateway (bot/services/slack.py)"
