"""The ops listener through the running bot, over real HTTP on loopback: /healthz, /readyz with each check and its
reason (the mailbox through a real Dovecot stopped and started again, the database locked by another process, a stale
sweep), /metrics, both Slack modes, and a port that is taken."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import StartupError, build_deps, create_app, run_bot
from bot.clock.sla import Policy, Stage, stage_at
from bot.ops.server import OpsServer, stage_counts, sweep_limit
from bot.sandbox.slack_api import FakeSlack
from bot.store.store import Store, iso
from tests.conftest import imap_overrides, make_settings, running_bot
from tests.support.clock import pinned_clock
from tests.support.dovecot import Dovecot, free_port
from tests.support.postgres import Postgres


async def get(port: int, path: str) -> httpx.Response:
    """One GET on the ops listener."""
    async with httpx.AsyncClient(timeout=5) as client:
        return await client.get(f"http://127.0.0.1:{port}{path}")


async def readiness(port: int) -> tuple[int, dict[str, Any]]:
    response = await get(port, "/readyz")
    return response.status_code, response.json()


async def until_ready(port: int, want: bool, timeout: float = 20) -> dict[str, Any]:
    """Poll /readyz until it says `want`; its body."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            status, body = await readiness(port)
        except httpx.ConnectError:  # the bot is still starting
            status, body = 0, {}
        if status and (status == 200) == want:
            assert body["ready"] is want
            return body
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"/readyz did not turn {want} in {timeout} s: {body}")
        await asyncio.sleep(0.1)


def metric_values(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_health_readiness_and_metrics_answer_in_socket_mode(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    port = free_port()
    settings = make_settings(
        tmp_path, fake_slack, ops_port=port, database_url=""
    )  # SQLite: no lease, no role
    async with running_bot(settings) as deps:
        await deps.ready.wait()
        health = await get(port, "/healthz")
        assert health.status_code == 200 and health.json() == {"status": "alive"}
        body = await until_ready(port, True)
        sweep = body["checks"].pop("sla_sweep")
        assert sweep["ok"] and sweep["detail"].startswith("the last SLA sweep was ")
        assert body["checks"] == {
            "slack": {"ok": True, "detail": "Socket Mode connected"},
            "mailbox": {"ok": True, "detail": f"reading dir:{tmp_path / 'mail'}"},
            "database": {"ok": True, "detail": "writable"},
        }
        metrics = await get(port, "/metrics")
        assert metrics.status_code == 200
        assert metrics.headers["content-type"].startswith("text/plain; version=")
        values = metric_values(metrics.text)
        assert values[("inbox_bot_outbox_depth", ())] == 0
        assert values[("inbox_bot_open_conversations", (("stage", "fresh"),))] == 0
        assert values[("inbox_bot_mailbox_connected", ())] == 1
        assert values[("inbox_bot_on_call", ())] == 0  # no rotation: nobody is on call
        assert values[("inbox_bot_api_calls_total", (("service", "Slack"),))] >= 1  # auth.test at least
        assert ("inbox_bot_sla_sweep_age_seconds", ()) in values
        assert (await get(port, "/nothing")).status_code == 404
    with pytest.raises(httpx.ConnectError):  # stopped with the bot
        await get(port, "/healthz")


async def test_readiness_turns_false_while_the_mailbox_is_down_and_true_again_after(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    server = Dovecot(port=free_port()).start()
    port = free_port()
    settings = make_settings(tmp_path, fake_slack, ops_port=port, **imap_overrides(server))
    try:
        async with running_bot(settings) as deps:
            body = await until_ready(port, True)
            assert body["checks"]["mailbox"] == {"ok": True, "detail": "connected, waiting for mail by idle"}
            server.stop()
            body = await until_ready(port, False)
            mailbox = body["checks"]["mailbox"]
            assert mailbox["ok"] is False and mailbox["detail"].startswith("in backoff, retrying in ")
            assert (
                f"cannot reach 127.0.0.1:{server.port}" in mailbox["detail"] or "closed" in mailbox["detail"]
            )
            assert all(c["ok"] for name, c in body["checks"].items() if name != "mailbox")  # only the mailbox
            values = metric_values((await get(port, "/metrics")).text)
            assert values[("inbox_bot_mailbox_connected", ())] == 0
            server.start()
            body = await until_ready(port, True, timeout=30)
            assert body["checks"]["mailbox"]["ok"] is True
            values = metric_values((await get(port, "/metrics")).text)
            assert values[("inbox_bot_mailbox_connected", ())] == 1
            assert values[("inbox_bot_imap_reconnects_total", ())] >= 1
            assert deps.ready.is_set()  # the bot ran on throughout
    finally:
        server.stop()


async def test_readiness_names_a_database_another_process_holds_locked(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    port = free_port()
    settings = make_settings(tmp_path, fake_slack, ops_port=port, database_url="")  # an SQLite file's lock
    async with running_bot(settings):
        await until_ready(port, True)
        other = sqlite3.connect(settings.database_path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another process writing, and not letting go
            body = await until_ready(port, False)
            assert body["checks"]["database"] == {
                "ok": False,
                "detail": "not writable: OperationalError: database is locked",
            }
            assert (await get(port, "/healthz")).status_code == 200  # alive all the same
        finally:
            other.execute("ROLLBACK")
            other.close()
        await until_ready(port, True)


async def test_a_sweep_that_stopped_running_makes_the_bot_not_ready(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    port = free_port()
    settings = make_settings(tmp_path, fake_slack, ops_port=port, sla_sweep_seconds=3600)
    async with running_bot(settings) as deps:
        await until_ready(port, True)
        deps.metrics.last_sweep = (
            deps.metrics.monotonic() - 3 * 3600 - 5
        )  # as if the sweeps had hung for hours
        body = await until_ready(port, False)
        assert body["checks"]["sla_sweep"] == {
            "ok": False,
            "detail": "the last SLA sweep was 10805 s ago (more than 10800 s)",
        }
    assert sweep_limit(60) == 300 and sweep_limit(0.2) == 300  # never less than 5 minutes


async def test_before_the_start_nothing_is_ready_and_each_check_says_why(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    settings = make_settings(tmp_path, fake_slack, ops_port=free_port())
    deps = build_deps(settings, clock=pinned_clock())
    try:
        checks = await OpsServer(deps).checks()
        assert not checks["slack"].ok and checks["slack"].detail == "starting: not connected to Slack yet"
        assert not checks["sla_sweep"].ok and checks["sla_sweep"].detail == "the SLA sweep has not run yet"
        assert checks["database"].ok
    finally:
        await deps.http.aclose()
        deps.store.close()


async def test_http_mode_serves_the_ops_listener_too(tmp_path: Path, fake_slack: FakeSlack) -> None:
    port, slack_port = free_port(), free_port()
    settings = make_settings(
        tmp_path,
        fake_slack,
        slack_mode="http",
        slack_signing_secret="s",
        http_port=slack_port,
        ops_port=port,
    )
    async with running_bot(settings):
        body = await until_ready(port, True)
        assert body["checks"]["slack"] == {
            "ok": True,
            "detail": f"HTTP mode: Slack calls http://127.0.0.1:{slack_port}/slack/events",
        }
        assert (await get(port, "/healthz")).status_code == 200


async def test_a_port_that_is_taken_stops_the_start_naming_the_setting(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    settings = make_settings(tmp_path, fake_slack, ops_port=port)
    deps = build_deps(settings, clock=pinned_clock())
    try:
        with pytest.raises(StartupError, match=rf"cannot listen on 127.0.0.1:{port} .*INBOX_BOT_OPS_PORT"):
            await run_bot(deps, create_app(settings, deps), stop=asyncio.Event())
        left = [
            t for t in asyncio.all_tasks() if t.get_name() in ("intake", "poster", "mailer") and not t.done()
        ]
        assert left == [] and not deps.ready.is_set()
    finally:
        taken.close()
        deps.store.close()


async def test_port_zero_listens_nowhere(tmp_path: Path, fake_slack: FakeSlack) -> None:
    settings = make_settings(tmp_path, fake_slack, ops_port=0)
    deps = build_deps(settings, clock=pinned_clock())
    ops = OpsServer(deps)
    try:
        await ops.start()
        assert b"inbox_bot_outbox_depth" not in deps.metrics.exposition()  # nothing is read for nobody
        await ops.stop()
    finally:
        await deps.http.aclose()
        deps.store.close()


def test_stages_counted_in_the_store_agree_with_the_clocks_own_rule(tmp_path: Path) -> None:
    clock = pinned_clock()
    now = clock.now()
    store = Store.open(tmp_path / "s.db", clock=clock)
    policy = Policy()
    lefts = [timedelta(minutes=m) for m in (-90, -1, 0, 1, 29, 30, 31, 119, 120, 121, 359, 360, 361, 1440)]
    rows = [(f"k{n}", "buyer", "open", iso(now + left)) for n, left in enumerate(lefts)]
    rows += [("notice", "notice", "open", None), ("answered", "buyer", "answered", iso(now))]
    with store.transaction():
        store.conn.executemany(
            "INSERT INTO conversations (key, kind, state, deadline, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(*row, iso(now), iso(now)) for row in rows],
        )
    expected = {stage.value: 0 for stage in Stage} | {"none": 1}
    for left in lefts:
        expected[stage_at(now + left, now, policy).value] += 1
    assert stage_counts(store, now, policy) == expected
    store.close()


async def test_on_postgresql_a_standby_is_alive_not_ready_and_says_who_leads(
    tmp_path: Path, fake_slack: FakeSlack, postgres_server: Postgres
) -> None:
    url = postgres_server.fresh_url()
    leader_port, standby_port = free_port(), free_port()
    leader = make_settings(tmp_path, fake_slack, ops_port=leader_port, database_url=url)
    standby = make_settings(tmp_path / "b", fake_slack, ops_port=standby_port, database_url=url)
    async with running_bot(leader) as deps:
        await deps.ready.wait()
        body = await until_ready(leader_port, True)
        assert body["checks"]["role"]["ok"] and body["checks"]["role"]["detail"].startswith(
            "leader (lease epoch 1"
        )
        async with running_bot(standby) as waiting:
            body = await until_ready(standby_port, False)
            assert (await get(standby_port, "/healthz")).status_code == 200
            assert set(body["checks"]) == {"role", "database"}  # not connecting to Slack or the mailbox
            assert (
                body["checks"]["role"]["detail"].startswith("standby: ")
                and "leads" in body["checks"]["role"]["detail"]
            )
            assert body["checks"]["database"] == {"ok": True, "detail": "writable"}
            assert not waiting.ready.is_set()
            assert (
                len(fake_slack.calls_of("apps.connections.open")) == 1
            )  # only the leader opened Socket Mode
