"""The bot's metrics: what each callback counts, the exposition Prometheus reads, and outbound HTTP counted by the
transport of the client it goes through (real requests on loopback)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from bot.errors import UpstreamError
from bot.ops.metrics import Metrics
from bot.services.http import ObservedTransport, new_client, request_json
from tests.support.dovecot import free_port


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, by name and labels, as Prometheus parses it."""
    text = metrics.exposition().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_every_series_with_a_known_label_exists_from_the_start_at_zero() -> None:
    found = samples(Metrics())
    for outcome in ("sent", "failed", "uncertain"):
        assert found[("inbox_bot_sends_total", (("outcome", outcome),))] == 0
    for kind in ("order", "tracking"):
        assert found[("inbox_bot_lookup_seconds_count", (("kind", kind),))] == 0
    for name in ("mails_read", "cards_posted", "sla_breaches", "followups_due"):
        assert found[(f"inbox_bot_{name}_total", ())] == 0


def test_api_answers_are_counted_as_calls_errors_and_rate_limits_per_service() -> None:
    metrics = Metrics()
    for status in (200, 404, 429, 500, 401, None):
        metrics.api_call("SP-API", status)
    metrics.api_call("DHL", 200)
    found = samples(metrics)
    assert found[("inbox_bot_api_calls_total", (("service", "SP-API"),))] == 6
    assert found[("inbox_bot_api_errors_total", (("service", "SP-API"),))] == 3  # 500, 401 and no answer
    assert found[("inbox_bot_api_rate_limited_total", (("service", "SP-API"),))] == 1
    assert found[("inbox_bot_api_calls_total", (("service", "DHL"),))] == 1
    assert found[("inbox_bot_api_errors_total", (("service", "DHL"),))] == 0  # seen at 0 from its first call


def test_the_other_callbacks_count_what_they_are_told() -> None:
    metrics = Metrics()
    metrics.card_posted()
    metrics.sla_breach()
    metrics.followup_due()
    metrics.followup_due()
    metrics.guard_refusal("email_address")
    metrics.lookup("order", 0.3)
    metrics.lookup("tracking", 7.0)
    found = samples(metrics)
    assert found[("inbox_bot_cards_posted_total", ())] == 1
    assert found[("inbox_bot_sla_breaches_total", ())] == 1
    assert found[("inbox_bot_followups_due_total", ())] == 2
    assert found[("inbox_bot_guard_refusals_total", (("rule", "email_address"),))] == 1
    assert found[("inbox_bot_lookup_seconds_bucket", (("kind", "order"), ("le", "0.5")))] == 1
    assert found[("inbox_bot_lookup_seconds_bucket", (("kind", "tracking"), ("le", "5.0")))] == 0
    assert found[("inbox_bot_lookup_seconds_sum", (("kind", "tracking"),))] == 7.0


def test_two_bots_never_share_their_counts() -> None:
    one, other = Metrics(), Metrics()
    one.card_posted()
    assert samples(other)[("inbox_bot_cards_posted_total", ())] == 0


async def test_mails_are_counted_once_stored_and_not_when_intake_fails() -> None:
    metrics = Metrics()
    calls: list[list[str]] = []

    async def intake(batch: list[str]) -> int:
        calls.append(batch)
        if "bad" in batch:
            raise RuntimeError("the store is full")
        return len(batch)

    reading = metrics.reading(intake)
    assert await reading(["a", "b"]) == 2
    with pytest.raises(RuntimeError):
        await reading(["bad"])  # the source reads the batch again: counted when it is stored
    assert calls == [["a", "b"], ["bad"]]
    assert samples(metrics)[("inbox_bot_mails_read_total", ())] == 2


def test_sends_are_counted_by_outcome_and_the_thread_is_still_told() -> None:
    metrics = Metrics()
    told: list[tuple[int, str]] = []
    notify = metrics.telling_sends(lambda send, event: told.append((send, event)))
    for send, event in ((1, "retrying"), (1, "sent"), (2, "failed"), (3, "uncertain"), (4, "sent")):
        notify(send, event)
    assert told == [(1, "retrying"), (1, "sent"), (2, "failed"), (3, "uncertain"), (4, "sent")]
    found = samples(metrics)
    assert [found[("inbox_bot_sends_total", (("outcome", o),))] for o in ("sent", "failed", "uncertain")] == [
        2,
        1,
        1,
    ]


def test_the_sweep_age_is_real_time_since_the_last_sweep() -> None:
    now = [100.0]
    metrics = Metrics(monotonic=lambda: now[0])
    assert metrics.sweep_age() is None
    metrics.swept()
    now[0] = 142.5
    assert metrics.sweep_age() == 42.5


@pytest.fixture
async def api() -> AsyncIterator[str]:
    """A loopback API that answers 200 with JSON, 429, 404 and 500, and one that never answers in time."""

    async def answer(request: web.Request) -> web.Response:
        status = int(request.match_info["status"])
        if status == 0:
            await asyncio.sleep(1.0)  # longer than the client waits
        return web.json_response({"status": status}, status=status or 200)

    app = web.Application()
    app.router.add_get("/{status}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def test_every_request_of_the_shared_client_is_counted_with_its_service(api: str) -> None:
    metrics = Metrics()
    client = new_client(observe=metrics.api_call, timeout=httpx.Timeout(0.3))
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    try:
        assert await request_json(client, "GET", f"{api}/200", service="DHL") == {"status": 200}
        for url in (f"{api}/429", f"{api}/404", f"{api}/500", f"{api}/0", f"{closed}/200"):
            with pytest.raises(UpstreamError):
                await request_json(client, "GET", url, service="DHL")
        await client.get(f"{api}/200")  # a request outside request_json is counted under its host
    finally:
        await client.aclose()
    found = samples(metrics)
    assert found[("inbox_bot_api_calls_total", (("service", "DHL"),))] == 6
    assert found[("inbox_bot_api_errors_total", (("service", "DHL"),))] == 3  # 500, a timeout, refused
    assert found[("inbox_bot_api_rate_limited_total", (("service", "DHL"),))] == 1
    assert found[("inbox_bot_api_calls_total", (("service", "127.0.0.1"),))] == 1


async def test_the_transport_tells_the_observer_and_passes_the_answer_on(api: str) -> None:
    seen: list[tuple[str, int | None]] = []
    transport = ObservedTransport(
        lambda service, status: seen.append((service, status)), service=lambda r: "X"
    )
    async with httpx.AsyncClient(transport=transport) as client:
        assert (await client.get(f"{api}/404")).json() == {"status": 404}
    assert seen == [("X", 404)]
