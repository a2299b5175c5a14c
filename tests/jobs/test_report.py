"""The weekly report job: once on Monday from the digest time, the week's orders asked of the SP-API stand-in first,
and a report that still goes (saying why) when the orders cannot be had."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_deps
from bot.clock.clocks import FakeClock
from bot.deps import Deps
from bot.sandbox.fake_services import FakeServices, StoredOrder
from bot.services.amazon_search import FoundOrder, OrderSearch
from jobs.report import weekly_due, weekly_report
from tests.conftest import make_settings

MONDAY = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)  # Monday 08:30 in Berlin, after the 08:00 digest
DE = "A1PA6795UKMFR9"

Build = Callable[..., Deps]


@pytest.fixture
async def build(tmp_path: Path, fake_services: FakeServices) -> AsyncIterator[Build]:
    """Deps on a FakeClock at `now`, with the digest at 08:00 and (unless `sp_api=False`) the SP-API stand-in."""
    built: list[Deps] = []

    def make(now: datetime = MONDAY, *, sp_api: bool = True) -> Deps:
        urls = fake_services.urls(fake_services.base_url)
        amazon = {k: urls[k] for k in ("lwa_api_url", "sp_api_url", "sp_api_refresh_token", "lwa_app_id")}
        extra = {**amazon, "lwa_client_secret": urls["lwa_client_secret"]} if sp_api else {}
        deps = build_deps(make_settings(tmp_path, digest_time="08:00", **extra), clock=FakeClock(now))
        built.append(deps)
        return deps

    yield make
    for deps in built:
        if deps.amazon is not None:
            await deps.amazon.aclose()
        await deps.enricher.close()
        await deps.http.aclose()
        deps.store.close()


def weekly_posts(deps: Deps) -> list[dict[str, Any]]:
    rows = [r for r in deps.store.due_outbox() if r["dedupe_key"].startswith("weekly:")]
    return [json.loads(r["payload"])["weekly"] for r in rows]


async def test_posted_once_with_the_weeks_orders(build: Build, fake_services: FakeServices) -> None:
    for n in range(3):
        fake_services.orders[f"302-000000{n}-1234567"] = StoredOrder(
            f"302-000000{n}-1234567", DE, MONDAY - timedelta(days=2 + n), [("Item", "B0X", 1, "9.99")], "EUR"
        )
    deps = build()
    assert await weekly_report(deps) is True
    [report] = weekly_posts(deps)
    assert report["health"]["orders"] == 3 and report["health"]["valid_tracking"]["shipped"] == 0
    assert report["since"] == "2026-11-22T23:00:00.000000+00:00"  # Monday 00:00 in Berlin
    searched = fake_services.count("sp-api")
    assert await weekly_report(deps) is False  # done this week: SP-API is not asked again
    assert fake_services.count("sp-api") == searched and len(weekly_posts(deps)) == 1
    assert deps.escalator.housekeeping(MONDAY) == 1  # the sweep posts the digest, never the report
    assert len(weekly_posts(deps)) == 1


async def test_only_on_monday_from_the_digest_time(build: Build, fake_services: FakeServices) -> None:
    for now in (MONDAY - timedelta(hours=1), MONDAY + timedelta(days=1)):
        deps = build(now)
        assert weekly_due(deps, now) is None and await weekly_report(deps) is False
    assert fake_services.count("sp-api") == 0


async def test_without_sp_api_or_when_it_fails_the_report_says_why(
    build: Build, fake_services: FakeServices
) -> None:
    deps = build(sp_api=False)
    assert await weekly_report(deps) is True
    assert weekly_posts(deps)[0]["health"]["orders_unknown"] == "no SP-API"

    fake_services.fail("sp-api", 400, {"errors": [{"code": "InvalidInput", "message": "Invalid Input"}]})
    deps = build(MONDAY + timedelta(days=7))
    assert await weekly_report(deps) is True
    [_, failed] = weekly_posts(deps)
    assert failed["health"]["orders"] is None
    assert failed["health"]["orders_unknown"] == "SP-API: InvalidInput: Invalid Input (400)"


class Broken(OrderSearch):
    """A search with a bug in it."""

    async def updated_since(self, since: datetime, marketplace_ids: Sequence[str]) -> list[FoundOrder]:
        raise KeyError("orders")


async def test_a_bug_in_the_search_does_not_cost_the_report(
    build: Build, caplog: pytest.LogCaptureFixture
) -> None:
    built = build()
    assert built.amazon is not None
    deps = dataclasses.replace(built, order_search=Broken(built.amazon))
    assert await weekly_report(deps) is True
    assert weekly_posts(deps)[0]["health"]["orders_unknown"] == "the order search failed: KeyError"
    assert "the weekly report's orders failed" in caplog.text


async def test_a_report_that_cannot_be_built_is_said_once_and_not_searched_again(
    build: Build, fake_services: FakeServices, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jobs.report

    def broken(*args: object, **kwargs: object) -> dict[str, Any]:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(jobs.report, "report", broken)  # a bug in building it, whatever it is
    deps = build()
    assert await weekly_report(deps)
    searches = fake_services.count("sp-api")
    assert not await weekly_report(deps)  # the next run five minutes later: done, nothing searched again
    assert fake_services.count("sp-api") == searches
    [row] = [r for r in deps.store.due_outbox() if r["dedupe_key"].startswith("weekly:")]
    failed = json.loads(row["payload"])["job_failed"]
    assert failed["retried"] is False and "ZeroDivisionError" in failed["error"]
