"""Shared by the store's tests: a store on a file at the team's time, the intake filling it, and helpers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock.clocks import FakeClock
from bot.mail.intake import Intake
from bot.mail.source import IncomingMail
from bot.store.store import Store
from tests.conftest import fixture_mail, make_settings
from tests.support.clock import TEAM_TIME
from tests.support.postgres import Postgres


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(TEAM_TIME)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Every store test runs on both engines: an SQLite file, and a fresh schema in the run's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db.sqlite'}"
    server: Postgres = request.getfixturevalue("postgres_server")
    return server.fresh_url()


@pytest.fixture
def store(database_url: str, clock: FakeClock) -> Iterator[Store]:
    s = Store.connect(database_url, clock=clock)
    yield s
    s.close()


@pytest.fixture
def intake(tmp_path: Path, store: Store) -> Intake:
    return Intake(make_settings(tmp_path), store)


async def feed(intake: Intake, name: str, hours_ago: float) -> int:
    """Store a fixture mail delivered `hours_ago` before the team's time; returns its conversation id."""
    result = await intake.handle(
        IncomingMail(fixture_mail(name), name, TEAM_TIME - timedelta(hours=hours_ago))
    )
    assert result.conversation_id is not None
    return result.conversation_id


def conversation_with_message(store: Store, n: int = 1) -> tuple[int, int]:
    """A buyer conversation and the id of its buyer message."""
    cid = store.create_conversation(key=f"alias{n}@marketplace.amazon.de|302-1234567-123456{n}", kind="buyer")
    row = store.insert_message(
        message_id=f"<buyer-{n}@marketplace.amazon.de>",
        conversation_id=cid,
        direction="in",
        kind="buyer_message",
        received_at=store.now(),
    )
    return cid, row
