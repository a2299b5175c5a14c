"""Outbound HTTP against a real loopback server: JSON, typed errors, Retry-After, bounded retries, the log line."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot.errors import ConfigurationError, NotFoundError, UpstreamError
from bot.services.http import environment_proxies, error_for, new_client, request_json, with_retries


class Api:
    """A small JSON API on a free loopback port that remembers what it was asked."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        self.headers: list[dict[str, str]] = []
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def _record(self, request: web.Request) -> None:
        self.hits.append(request.path)
        self.headers.append(dict(request.headers))

    async def json(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.json_response({"ok": True, "query": dict(request.query)})

    async def empty(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.Response(status=204)

    async def text(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.Response(text="<html>not json</html>", content_type="text/html")

    async def status(self, request: web.Request) -> web.Response:
        await self._record(request)
        code = int(request.match_info["code"])
        headers = {"Retry-After": request.query["retry_after"]} if "retry_after" in request.query else {}
        if request.query.get("body") == "text":
            return web.Response(status=code, text="oops", headers=headers)
        return web.json_response({"message": "the service explains"}, status=code, headers=headers)

    async def redirect(self, request: web.Request) -> web.Response:
        await self._record(request)
        raise web.HTTPFound("/json")

    async def slow(self, request: web.Request) -> web.Response:
        await self._record(request)
        await asyncio.sleep(0.5)
        return web.json_response({})

    async def start(self) -> Api:
        app = web.Application()
        app.router.add_get("/json", self.json)
        app.router.add_get("/empty", self.empty)
        app.router.add_get("/text", self.text)
        app.router.add_get("/status/{code}", self.status)
        app.router.add_get("/redirect", self.redirect)
        app.router.add_get("/slow", self.slow)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server: Any = site._server
        self.base_url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    server = await Api().start()
    yield server
    await server.stop()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with new_client() as c:
        yield c


def response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, request=httpx.Request("GET", "https://api.example/x"))


# ---- error_for ----


def test_404_is_not_found_and_final() -> None:
    error = error_for("DHL", response(404))
    assert type(error) is NotFoundError and error.status == 404 and not error.retryable
    assert str(error) == "DHL: Not Found"


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_say_what_to_check(status: int) -> None:
    error = error_for("UPS", response(status), "invalid client")
    assert type(error) is ConfigurationError and error.status == status and not error.retryable
    assert str(error) == f"UPS: invalid client ({status}): check the API key or credentials"


def test_429_is_retryable_with_the_servers_retry_after() -> None:
    error = error_for("17TRACK", response(429, **{"Retry-After": "7"}))
    assert (error.status, error.retryable, error.retry_after) == (429, True, 7.0)
    assert error_for("17TRACK", response(429)).retry_after is None


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (408, True), (400, False), (422, False)]
)
def test_server_errors_and_timeouts_are_retryable_client_errors_are_not(status: int, retryable: bool) -> None:
    error = error_for("FedEx", response(status), "detail")
    assert type(error) is UpstreamError
    assert (error.status, error.retryable) == (status, retryable)
    assert str(error) == f"FedEx: detail ({status})"


# ---- new_client and request_json ----


async def test_json_is_returned_and_the_client_names_itself(api: Api, client: httpx.AsyncClient) -> None:
    data = await request_json(client, "GET", f"{api.base_url}/json", service="Test", params={"q": "1"})
    assert data == {"ok": True, "query": {"q": "1"}}
    assert api.headers[0]["User-Agent"] == "inbox-bot"


async def test_redirects_are_not_followed(api: Api, client: httpx.AsyncClient) -> None:
    with pytest.raises(UpstreamError, match="answered 302 without JSON"):
        await request_json(client, "GET", f"{api.base_url}/redirect", service="Test")
    assert api.hits == ["/redirect"]


@pytest.mark.parametrize("path", ["/empty", "/text"])
async def test_a_success_without_json_is_an_error(api: Api, client: httpx.AsyncClient, path: str) -> None:
    with pytest.raises(UpstreamError, match="without JSON") as e:
        await request_json(client, "GET", f"{api.base_url}{path}", service="Test")
    assert e.value.retryable


async def test_an_error_answer_is_typed_and_the_detail_function_reads_its_body(
    api: Api, client: httpx.AsyncClient
) -> None:
    def detail(data: Any) -> str | None:
        return str(data["message"])

    with pytest.raises(NotFoundError, match="Test: the service explains"):
        await request_json(client, "GET", f"{api.base_url}/status/404", service="Test", detail=detail)
    # without a detail function the reason phrase says what went wrong
    with pytest.raises(UpstreamError, match=r"Test: Service Unavailable \(503\)") as e:
        await request_json(client, "GET", f"{api.base_url}/status/503", service="Test")
    assert e.value.status == 503 and e.value.retryable


async def test_an_error_answer_without_json_uses_the_reason_phrase(
    api: Api, client: httpx.AsyncClient
) -> None:
    def detail(data: Any) -> str | None:
        raise AssertionError("not called without a JSON body")

    with pytest.raises(UpstreamError, match=r"Internal Server Error \(500\)"):
        await request_json(
            client, "GET", f"{api.base_url}/status/500?body=text", service="Test", detail=detail
        )


async def test_429_carries_retry_after(api: Api, client: httpx.AsyncClient) -> None:
    with pytest.raises(UpstreamError, match="rate limited") as e:
        await request_json(client, "GET", f"{api.base_url}/status/429?retry_after=3", service="Test")
    assert (e.value.status, e.value.retry_after, e.value.retryable) == (429, 3.0, True)


async def test_no_answer_in_time_is_a_retryable_error(api: Api) -> None:
    async with new_client(timeout=httpx.Timeout(0.1)) as impatient:
        with pytest.raises(UpstreamError, match=r"no answer in time \(ReadTimeout\)") as e:
            await request_json(impatient, "GET", f"{api.base_url}/slow", service="Test")
    assert e.value.retryable


async def test_nothing_listening_is_a_retryable_error(client: httpx.AsyncClient) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(UpstreamError, match="Test: cannot connect") as e:
        await request_json(client, "GET", f"http://127.0.0.1:{port}/json", service="Test")
    assert e.value.retryable


async def test_each_call_is_logged_without_its_query_string(
    api: Api, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.services.http")
    await request_json(client, "GET", f"{api.base_url}/json?api_key=s3cret", service="Test")
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.services.http"]
    assert line.startswith(f"Test GET {api.base_url}/json → 200 in ")
    assert "s3cret" not in line


# ---- with_retries ----


class Waits:
    """The sleep given to with_retries: records the waits instead of waiting."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def failing(*errors: BaseException, result: str = "done") -> tuple[Callable[[], Awaitable[str]], list[int]]:
    """A call that raises these errors in turn, then returns `result`; and the list counting its calls."""
    calls: list[int] = []

    async def call() -> str:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return call, calls


async def test_retryable_errors_are_retried_with_exponential_backoff() -> None:
    waits = Waits()
    call, calls = failing(UpstreamError("S", "503"), UpstreamError("S", "503"))
    assert await with_retries(call, attempts=3, sleep=waits) == "done"
    assert len(calls) == 3 and waits.seconds == [1.0, 2.0]


async def test_retry_after_is_honoured_up_to_a_minute() -> None:
    waits = Waits()
    call, _ = failing(UpstreamError("S", "429", retry_after=7), UpstreamError("S", "429", retry_after=600))
    assert await with_retries(call, attempts=3, sleep=waits) == "done"
    assert waits.seconds == [7.0, 60.0]


async def test_backoff_stops_growing_at_30_seconds() -> None:
    waits = Waits()
    call, _ = failing(*[UpstreamError("S", "503") for _ in range(6)])
    assert await with_retries(call, attempts=7, sleep=waits) == "done"
    assert waits.seconds == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0]


async def test_after_the_last_attempt_the_last_error_is_raised() -> None:
    waits = Waits()
    last = UpstreamError("S", "still down")
    call, calls = failing(UpstreamError("S", "down"), last)
    with pytest.raises(UpstreamError) as e:
        await with_retries(call, attempts=2, sleep=waits)
    assert e.value is last and len(calls) == 2 and waits.seconds == [1.0]


@pytest.mark.parametrize(
    "error",
    [
        NotFoundError("S", "no such parcel"),
        ConfigurationError("S", "bad key"),
        ValueError("a bug, not the service"),
    ],
)
async def test_final_errors_and_bugs_are_not_retried(error: Exception) -> None:
    waits = Waits()
    call, calls = failing(error)
    with pytest.raises(type(error)):
        await with_retries(call, attempts=3, sleep=waits)
    assert len(calls) == 1 and waits.seconds == []


async def test_an_observed_client_still_goes_through_the_environments_proxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from aiohttp import web

    from bot.services.http import new_client

    seen: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append(str(request.url))  # a forward proxy is asked for the absolute URL
        return web.Response(text="via proxy")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    observed: list[tuple[str, int | None]] = []
    try:
        async with new_client(observe=lambda service, status: observed.append((service, status))) as client:
            response = await client.get("http://carrier.example.invalid/track?id=1")
    finally:
        await runner.cleanup()
    assert response.text == "via proxy" and seen and "carrier.example.invalid" in seen[0]
    assert observed == [("carrier.example.invalid", 200)]


def test_the_environments_proxies_are_read_as_httpx_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "http_proxy",
        "https_proxy",
        "no_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", "localhost, 10.0.0.7,::1,.internal.example,https://api.example")
    assert environment_proxies() == {
        "https://": "http://proxy.corp:3128",
        "all://localhost": None,
        "all://10.0.0.7": None,
        "all://[::1]": None,
        "all://*.internal.example": None,
        "https://api.example": None,
    }
    monkeypatch.setenv("NO_PROXY", "*")
    assert environment_proxies() == {}


def test_a_usage_plans_pace_keeps_the_margin_and_the_headroom() -> None:
    from bot.services.http import RATE_MARGIN, usage_plan_limiter

    limiter = usage_plan_limiter(0.5, 30, 2)  # getOrder: 0.5 per second, burst 30
    assert limiter.max_rate == 28 and limiter.time_period == 28 / (0.5 * RATE_MARGIN)
