"""The `inbox-bot` command line, run as a user runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bot.sandbox.slack_api import FakeSlack
from tests.support.clock import clock_env, pinned_clock
from tests.support.dovecot import Dovecot
from tests.support.smtp import SmtpServer


def cli(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a child process with a clean INBOX_BOT_ environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("INBOX_BOT_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env={**base, **clock_env(pinned_clock()), **(env or {})},
        input=stdin,
        timeout=60,
        cwd=Path(__file__).parent,
    )


async def test_check_reports_each_connection(
    fake_slack: FakeSlack, dovecot: Dovecot, smtp: SmtpServer
) -> None:
    import asyncio
    import json

    env = {
        "INBOX_BOT_SLACK_BOT_TOKEN": fake_slack.bot_token,
        "INBOX_BOT_SLACK_APP_TOKEN": fake_slack.app_token,
        "INBOX_BOT_SLACK_CHANNEL": "C0INBOX",
        "INBOX_BOT_SLACK_API_URL": fake_slack.base_url,
        "INBOX_BOT_IMAP_HOST": "127.0.0.1",
        "INBOX_BOT_IMAP_PORT": str(dovecot.port),
        "INBOX_BOT_IMAP_USER": dovecot.user,
        "INBOX_BOT_IMAP_PASSWORD": dovecot.password,
        "INBOX_BOT_IMAP_TLS": "plain",
        **{f"INBOX_BOT_{k.upper()}": str(v) for k, v in smtp.settings().items()},
    }
    good = await asyncio.to_thread(cli, "check", env=env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "✓ Slack token: connected as @inbox-bot in Example Shop" in good.stdout
    assert "✓ Slack channel: the bot is a member of C0INBOX and can read it" in good.stdout
    assert f"✓ IMAP: logged in to 127.0.0.1:{dovecot.port} as seller" in good.stdout
    assert "✓ IMAP IDLE: offered" in good.stdout
    assert f"✓ SMTP: 127.0.0.1:{smtp.port} unencrypted, without a login: ready to send as" in good.stdout
    assert good.stderr == ""

    wrong = {
        "INBOX_BOT_SLACK_BOT_TOKEN": "xoxb-wrong",
        "INBOX_BOT_IMAP_PASSWORD": "nope",
        "INBOX_BOT_SMTP_PORT": "1",
    }
    bad = await asyncio.to_thread(cli, "check", env={**env, **wrong})
    assert bad.returncode == 1
    assert "✗ Slack token: auth.test failed (invalid_auth)" in bad.stdout
    assert "✗ SMTP: cannot reach 127.0.0.1:1" in bad.stdout
    assert "✗ IMAP: login refused for 'seller'" in bad.stdout
    assert "nope" not in bad.stdout + bad.stderr and "xoxb-wrong" not in bad.stdout + bad.stderr

    as_json = await asyncio.to_thread(cli, "check", "--json", env={**env, **wrong})
    assert as_json.returncode == 1
    items = json.loads(as_json.stdout)
    assert all(set(i) == {"item", "ok", "detail", "severity"} for i in items)
    assert [i["item"] for i in items if not i["ok"]] == ["Slack token", "IMAP", "SMTP"]


def test_check_lists_missing_settings() -> None:
    result = cli("check")
    assert result.returncode == 1
    assert "✗ Settings: INBOX_BOT_SLACK_BOT_TOKEN is missing" in result.stdout


def test_check_names_a_setting_that_does_not_parse_without_a_traceback() -> None:
    result = cli("check", env={"INBOX_BOT_IMAP_PORT": "imap", "INBOX_BOT_SMTP_PASSWORD": "hunter2"})
    assert result.returncode == 2  # as every command whose settings do not parse
    assert result.stdout.splitlines() == [
        "✗ Settings: INBOX_BOT_IMAP_PORT: Input should be a valid integer, unable to parse string as an integer "
        "(given: 'imap')",
        "• Connections: not tried until the settings above are fixed",
    ]
    assert result.stderr == "" and "hunter2" not in result.stdout


def test_run_refuses_incomplete_settings_clearly() -> None:
    result = cli("run")
    assert result.returncode == 2
    assert "INBOX_BOT_SLACK_CHANNEL is missing" in result.stderr


def _demo_console(*args: str, until: str) -> list[str]:
    """Start `inbox-bot demo --no-browser` with `args`, read its console until a line contains `until`, stop it."""
    import signal
    import time

    from tests.support.dovecot import free_port

    base = {k: v for k, v in os.environ.items() if not k.startswith("INBOX_BOT_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--no-browser", "--port", str(free_port()), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=base,
        cwd=Path(__file__).parent,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if until in line:
                break
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=30)
    return lines + rest.splitlines()


def test_the_demo_console_starts_with_the_address_and_keeps_library_chatter_out() -> None:
    lines = _demo_console(until="17TRACK now follows")  # the last lookup at start: HTTP calls were made
    assert lines[0].startswith("inbox-bot demo: open http://127.0.0.1:"), lines[:3]
    assert any("bot.mail.intake" in line for line in lines)  # the bot's own lines stay
    chatter = [
        line for line in lines if re.search(r" INFO (apscheduler|httpx|mail\.log|slack_bolt|bot\.http)", line)
    ]
    assert chatter == []
    verbose = _demo_console("--verbose", until="17TRACK now follows")
    assert verbose[0].startswith("inbox-bot demo: open http://127.0.0.1:")
    assert any(" INFO bot.services.http" in line for line in verbose) and any(
        " INFO slack_bolt" in line for line in verbose
    )


def test_the_demo_refuses_a_start_without_offset() -> None:
    result = cli("demo", "--no-browser", "--start", "2026-11-26T10:00")
    assert result.returncode == 2 and "offset" in result.stderr
