"""The bot as production runs it (`python -m bot run`), in a process of its own, against the Slack stand-in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.clock.clocks import ScaledClock
from bot.sandbox.slack_api import FakeSlack
from tests.support.clock import clock_env, pinned_clock
from tests.support.postgres import database_of

ROOT = Path(__file__).resolve().parents[2]


def start_bot(
    tmp_path: Path,
    slack: FakeSlack,
    *,
    clock: ScaledClock | None = None,
    wall_clock: bool = False,
    **extra: str,
) -> subprocess.Popen[bytes]:
    """Start the bot with its database and mail folder in `tmp_path`; `extra` environment overrides the defaults.

    The bot runs on `clock` (default: the running test's pinned clock), so a restart continues the same clock; only
    `wall_clock=True` lets it read the real time. Its output goes to `tmp_path/bot.log`. The daily digest is off, so
    it is never among the posts a caller counts.
    """
    env = bot_env(tmp_path, slack)
    if not wall_clock:
        env.update(clock_env(clock or pinned_clock()))
    env.update(extra)
    log = open(tmp_path / "bot.log", "ab")  # noqa: SIM115 - handed to the child
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, stdout=log, stderr=log, cwd=ROOT)


def bot_env(tmp_path: Path, slack: FakeSlack) -> dict[str, str]:
    """The environment of a bot process with its database and mail folder in `tmp_path`, talking to the Slack
    stand-in: this environment without any INBOX_BOT_ setting of its own, the digest and the ops listener off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INBOX_BOT_")}
    env.update(
        INBOX_BOT_SLACK_BOT_TOKEN=slack.bot_token,
        INBOX_BOT_SLACK_APP_TOKEN=slack.app_token,
        INBOX_BOT_SLACK_API_URL=slack.base_url,
        INBOX_BOT_SLACK_CHANNEL="C0INBOX",
        INBOX_BOT_MAIL_SOURCE="directory",
        INBOX_BOT_MAIL_DIRECTORY=str(tmp_path / "mail"),
        INBOX_BOT_DATABASE_PATH=str(tmp_path / "bot.db"),
        INBOX_BOT_SLACK_POST_INTERVAL="0.01",
        INBOX_BOT_DIGEST_TIME="",
        INBOX_BOT_OPS_PORT="0",  # no health/metrics listener unless `extra` gives it a port
    )
    database = database_of(tmp_path)
    if isinstance(database, str):  # INBOX_BOT_TEST_DATABASE=postgresql
        env["INBOX_BOT_DATABASE_URL"] = database
    return env
