"""Amazon support cases: /case through the whole bot, daily reminders and the warning before auto-close."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.clock.cases import CaseProblem, Cases
from bot.clock.clocks import FakeClock
from bot.clock.escalation import Escalator
from bot.sandbox.people import People
from bot.sandbox.slack_api import FakeSlack
from bot.store.store import Store
from tests.conftest import make_settings, running_bot
from tests.support.postgres import database_url_of

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # 09:00 in Berlin, after the digest time


def test_add_update_close_and_refusals(tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    cases = Cases(Store.connect(database_url_of(tmp_path), clock=clock), clock)
    case = cases.add(case_id="1234567890", summary="Listing suppressed", owner="U0AGENT")
    assert cases.closes_at(case) == NOW + timedelta(days=14)
    with pytest.raises(CaseProblem, match="tracked already"):
        cases.add(case_id="1234567890", summary="again", owner="U0LEAD")
    with pytest.raises(CaseProblem, match="not a case id"):
        cases.add(case_id="abc", summary="", owner="U0AGENT")
    clock.advance(days=3)
    assert cases.closes_at(cases.touch("1234567890", user="U0AGENT")) == NOW + timedelta(days=17)
    cases.close("1234567890", user="U0AGENT")
    assert cases.open_cases() == []
    with pytest.raises(CaseProblem, match="No open case"):
        cases.touch("1234567890", user="U0AGENT")


def test_daily_reminder_and_a_warning_before_amazon_closes_it(tmp_path: Path) -> None:
    clock = FakeClock(NOW)
    store = Store.connect(database_url_of(tmp_path), clock=clock)
    Cases(store, clock).add(case_id="1234567890", summary="Listing suppressed", owner="U0AGENT")
    posts: list[tuple[Any, ...]] = []
    esc = Escalator(
        make_settings(tmp_path, digest_time="08:00", timezone="Europe/Berlin"),
        store,
        clock,
        post=lambda *a: posts.append(a),
    )

    def notes() -> list[str]:
        return [p[4]["case"]["kind"] for p in posts if "case" in p[4]]

    esc.housekeeping(clock.now())
    esc.housekeeping(clock.now())
    assert notes() == ["remind"] and posts[-1][2] == "U0AGENT"  # a DM to the owner, once a day
    clock.advance(days=1)
    esc.housekeeping(clock.now())
    assert notes() == ["remind", "remind"]
    clock.advance(days=11)  # two days before the 14 days run out
    esc.housekeeping(clock.now())
    clock.advance(days=1)
    esc.housekeeping(clock.now())
    assert notes()[-2:] == ["warn", "remind"]


async def test_case_command(tmp_path: Path, fake_slack: FakeSlack) -> None:
    settings = make_settings(tmp_path, fake_slack)
    async with running_bot(settings) as deps:
        await deps.ready.wait()
        people = People(fake_slack)
        await people.command(
            user="U0AGENT",
            channel="C0INBOX",
            command="/case",
            text="add 1234567890 Listing suppressed for ASIN B0CAFE0001",
        )
        await people.command(user="U0AGENT", channel="C0INBOX", command="/case", text="")
        await people.command(user="U0AGENT", channel="C0INBOX", command="/case", text="close 999")
        await fake_slack.wait_for(
            lambda: len([e for e in fake_slack.ephemerals if e["user"] == "U0AGENT"]) == 3
        )
        added, listed, refused = (e["text"] for e in fake_slack.ephemerals if e["user"] == "U0AGENT")
        assert "Tracking case 1234567890" in added
        assert "Open Amazon cases: 1" in listed
        assert "No open case 999" in refused


def test_the_digest_lists_open_cases(tmp_path: Path) -> None:
    from bot.cards.card import CardTime
    from bot.cards.clock import digest as digest_blocks
    from bot.clock.digest import digest

    clock = FakeClock(NOW)
    store = Store.connect(database_url_of(tmp_path), clock=clock)
    Cases(store, clock).add(case_id="1234567890", summary="Listing suppressed", owner="U0AGENT")
    d = digest(store, NOW, make_settings(tmp_path).tz)
    assert [c["case_id"] for c in d["cases"]] == ["1234567890"]
    assert "Open Amazon cases (1)" in str(digest_blocks({"digest": d}, CardTime(now=NOW, tz=UTC))["blocks"])
