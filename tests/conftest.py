"""Shared fixtures: the Slack stand-in, a real Dovecot, settings, a running bot, and the pinned clock.

The whole bot runs on a clock pinned to a fixed team time (tests/support/clock.py). A test that lets the bot read
the wall clock (a `SystemClock`) fails, unless it is marked `@pytest.mark.wall_clock` because it is about real time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_deps, create_app, run_bot
from bot.clock.clocks import Clock
from bot.deps import Deps
from bot.sandbox.fake_services import FakeServices
from bot.sandbox.slack_api import FakeSlack
from bot.settings import Settings
from bot.settings_sources import load_settings
from bot.store.store import Store
from tests.support import postgres
from tests.support.clock import WallClockWatch, pinned_clock, start_pinned_clock, wall_moments
from tests.support.dovecot import Dovecot
from tests.support.postgres import Postgres
from tests.support.smtp import SmtpServer

FIXTURES = Path(__file__).parent / "fixtures" / "mail"


def fixture_mail(name: str) -> bytes:
    """The bytes of one fixture mail."""
    return (FIXTURES / name).read_bytes()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("INBOX_BOT_"):
            monkeypatch.delenv(key)


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--wall-clock-at`: run each selected test again at these real-world moments."""
    parser.addoption(
        "--wall-clock-at",
        default="",
        help="run every selected test with the wall clock moved to each of these moments (time-machine, ticking): "
        "'all', names from tests/support/clock.py WALL_MOMENTS, or ISO 8601 times with offset, comma-separated",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long tests first: on two cores (pytest-xdist, `--dist worksteal`) the rest fill the other core meanwhile."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)  # stable: otherwise in file order


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """With `--wall-clock-at`, every test runs once per moment."""
    spec = metafunc.config.getoption("--wall-clock-at")
    if spec and "_wall_moment" in metafunc.fixturenames:
        moments = wall_moments(spec)
        metafunc.parametrize("_wall_moment", list(moments.values()), ids=list(moments), indirect=True)


@pytest.fixture(autouse=True)
def _wall_moment(request: pytest.FixtureRequest) -> Iterator[None]:
    """Move the real-world clock (and local timezone) to the moment this run of the test is for, if any."""
    moment = getattr(request, "param", None)
    if moment is None:
        yield
        return
    import time_machine

    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture(autouse=True)
def _pinned_clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Pin this test's clock, and fail the test if the bot reads the wall clock without the test saying so."""
    start_pinned_clock()
    if request.node.get_closest_marker("wall_clock"):
        yield
        return
    watch = WallClockWatch().install(monkeypatch)
    yield
    failure = watch.failure()
    if failure:
        pytest.fail(failure, pytrace=False)


@pytest.fixture
async def fake_slack(request: pytest.FixtureRequest) -> AsyncIterator[FakeSlack]:
    """The Slack stand-in; the test fails if the bot sent it anything real Slack would refuse (Block Kit limits,
    required fields), unless the test is marked `slack_refusals` because it is about them."""
    slack = await FakeSlack().start()
    yield slack
    await slack.stop()
    if slack.refused and not request.node.get_closest_marker("slack_refusals"):
        pytest.fail(
            f"the bot sent Slack payloads real Slack would refuse: {slack.refused[:5]}", pytrace=False
        )


@pytest.fixture
async def fake_services() -> AsyncIterator[FakeServices]:
    """Amazon (LWA, SP-API) and carriers (DHL, 17TRACK) on loopback; the access-token cache starts empty."""
    from sp_api.asyncio.auth import access_token_client

    access_token_client.cache.clear()
    services = await FakeServices(clock=pinned_clock().now).start()
    yield services
    await services.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback recording what the bot sends."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Postgres:
    """A throwaway PostgreSQL cluster for this test run (this worker's), on loopback."""
    return postgres.shared()


@pytest.fixture
def dovecot(dovecot_server: Dovecot) -> Dovecot:
    """The session's Dovecot with a fresh, empty mailbox for this test."""
    client = dovecot_server.client()
    try:
        client.select("INBOX")
        client.store("1:*", "+FLAGS", "\\Deleted")
        client.expunge()
    except Exception:
        pass
    finally:
        client.logout()
    return dovecot_server


def count_rows(store: Store, table: str, where: str = "") -> int:
    """How many rows a table of the bot's store holds (on either engine), optionally only those `where` says."""
    row = store.query_one(f"SELECT count(*) AS n FROM {table}{' WHERE ' + where if where else ''}")
    return int((row or {})["n"])


def make_settings(tmp_path: Path, slack: FakeSlack | None = None, **overrides: Any) -> Settings:
    """Settings for a test: a database in tmp_path and, if given, the Slack stand-in."""
    base: dict[str, Any] = {
        "database_path": tmp_path / "bot.db",
        "slack_channel": "C0INBOX",
        "timezone": "Europe/Berlin",
        "slack_post_interval": 0.01,
        "mail_source": "directory",
        "mail_directory": tmp_path / "mail",
        "digest_time": "",  # the daily digest would appear in any run after 08:00; its tests set a time
        "ops_port": 0,  # no health/metrics listener (tests run in parallel); its tests give it a free port
    }
    if (
        postgres.ENGINE == "postgresql"
    ):  # INBOX_BOT_TEST_DATABASE=postgresql: the store in a schema of its own
        base["database_url"] = postgres.url_for(str(tmp_path))
    if slack is not None:
        base.update(
            slack_api_url=slack.base_url, slack_bot_token=slack.bot_token, slack_app_token=slack.app_token
        )
    base.update(overrides)
    return load_settings(**base)


def imap_overrides(server: Dovecot) -> dict[str, Any]:
    """Settings that point the bot at the test Dovecot."""
    return {
        "mail_source": "imap",
        "imap_host": "127.0.0.1",
        "imap_port": server.port,
        "imap_user": server.user,
        "imap_password": server.password,
        "imap_tls": "plain",
    }


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, *, clock: Clock | None = None) -> AsyncIterator[Deps]:
    """The whole bot (intake, poster, Slack listener) running in this loop until the block ends, on `clock` (default:
    the test's pinned clock)."""
    deps = build_deps(settings, clock=clock or pinned_clock())
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(deps, create_app(settings, deps), stop=stop))
    try:
        yield deps
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)
        deps.store.close()


async def eventually(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll `predicate` until it holds (for state outside the Slack stand-in, e.g. the store)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)
