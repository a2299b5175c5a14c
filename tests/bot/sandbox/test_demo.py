"""`inbox-bot demo` without a browser: its settings, its clock, and the real bot started on the stand-ins."""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import StartupError
from bot.clock.cases import Cases
from bot.sandbox.demo import DEMO_START, Demo
from bot.sandbox.world import SAMPLES, BuyerMail, deliver, relay_mail
from tests.support.clock import TEAM_TIME

# The page in a real browser is tests/scenarios/test_demo_browser.py.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_settings_point_everything_at_the_demos_own_servers_and_ignore_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INBOX_BOT_SLACK_CHANNEL", "C0PRODUCTION")
    monkeypatch.setenv("INBOX_BOT_SMTP_HOST", "smtp.example-shop.de")
    port = free_port()
    demo = Demo(port=port, workdir=tmp_path, speed=60)
    settings = demo.settings()
    assert demo.url == f"http://127.0.0.1:{port}/"
    assert settings.slack_channel == "C0INBOX" and settings.slack_api_url == f"http://127.0.0.1:{port}/api/"
    assert settings.smtp_host == "127.0.0.1" and settings.smtp_port == demo.relay.port
    assert settings.sp_api_url == f"http://127.0.0.1:{port}/sp-api"  # Amazon on the page's server
    assert (
        settings.mail_directory == tmp_path / "mailbox"
        and settings.database_path == tmp_path / "inbox-bot.db"
    )
    assert settings.oncall_members == ["U0ONCALL", "U0AGENT"] and settings.auto_reply_wismo
    assert DEMO_START == TEAM_TIME  # the demo opens on the same Thursday morning whatever day it is


def test_the_demo_clock_runs_at_its_speed_from_its_start_and_the_stand_ins_share_it(tmp_path: Path) -> None:
    demo = Demo(port=free_port(), workdir=tmp_path, speed=3600, start=TEAM_TIME)
    assert demo.clock.real_seconds(3600) == pytest.approx(1.0)
    for now in (demo.clock.now(), demo.services.clock(), demo.relay.clock()):
        assert TEAM_TIME <= now < TEAM_TIME + timedelta(hours=1)


async def test_start_fills_an_empty_mailbox_and_the_bot_posts_every_sample_as_a_card(tmp_path: Path) -> None:
    demo = Demo(port=free_port(), workdir=tmp_path, post_interval=0.02)
    try:
        await demo.start()
        assert demo.deps is not None and demo.deps.ready.is_set()
        await demo.slack.wait_for(
            lambda: len(demo.slack.posts("C0INBOX", top_level=True)) == len(SAMPLES) + 1
        )
        cards = json.dumps(demo.slack.posts("C0INBOX", top_level=True), ensure_ascii=False)
        for sample in SAMPLES:
            assert f"{sample.name} · {sample.marketplace}" in cards
        assert "A-to-z" in cards
        assert (tmp_path / "invoices" / "Rechnung-302-1234567-1234567.pdf").is_file()
        case = Cases(demo.deps.store, demo.clock).get("1234567890")
        assert case is not None and case["owner"] == "U0LEAD"
        assert demo.services.orders and demo.relay.port  # Amazon stocked, the relay listening
    finally:
        await demo.stop()
    assert (tmp_path / "inbox-bot.db").is_file()  # a given workdir is kept


async def test_start_leaves_a_mailbox_that_has_mail_alone(tmp_path: Path) -> None:
    deliver(
        tmp_path / "mailbox",
        relay_mail(BuyerMail(name="Eva Beispiel", text="Hallo?", language="de"), sent_at=TEAM_TIME),
        when=TEAM_TIME,
    )
    demo = Demo(port=free_port(), workdir=tmp_path, post_interval=0.02)
    try:
        await demo.start()
        await demo.slack.wait_for(lambda: len(demo.slack.posts("C0INBOX", top_level=True)) == 1)
        assert "Eva Beispiel" in json.dumps(demo.slack.posts()[0]["blocks"])
        mails = list((tmp_path / "mailbox").glob("*/*"))
        assert len(mails) == 1
    finally:
        await demo.stop()


@pytest.mark.slack_refusals
async def test_a_bot_that_cannot_start_fails_start_and_stop_removes_the_demos_own_data() -> None:
    demo = Demo(port=free_port())
    workdir = demo.workdir
    demo.slack.fail("auth.test", status=200, error="invalid_auth", retry_after=None)
    try:
        with pytest.raises(StartupError, match="invalid_auth"):
            await demo.start()
    finally:
        await demo.stop()
    assert not workdir.exists()
