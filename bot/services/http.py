"""The one way the bot calls an HTTP API: timeouts, typed errors, Retry-After, bounded retries, a log line."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
import urllib.request
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from aiolimiter import AsyncLimiter
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from bot.errors import ConfigurationError, NotFoundError, UpstreamError, retry_after_seconds

log = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
SERVICE = "inbox_bot.service"  # the request extension that names the service a request goes to
# Told of every request to an outside API: (service, HTTP status, or None when no answer came).
ApiObserver = Callable[[str, int | None], None]


class ObservedTransport(httpx.AsyncBaseTransport):
    """Carries requests on `inner` (httpx's own by default) and tells `observe` of each: its service (the request's
    SERVICE extension, else `service(request)`) and its status, or None when no answer came."""

    def __init__(
        self,
        observe: ApiObserver,
        *,
        service: Callable[[httpx.Request], str] = lambda r: r.url.host,
        inner: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.observe = observe
        self.service = service
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send the request, telling the observer what came of it."""
        service = str(request.extensions.get(SERVICE) or self.service(request))
        try:
            response = await self.inner.handle_async_request(request)
        except httpx.HTTPError:
            self.observe(service, None)
            raise
        self.observe(service, response.status_code)
        return response

    async def aclose(self) -> None:
        """Close the connections."""
        await self.inner.aclose()


def observed_transports(
    observe: ApiObserver | None, *, service: Callable[[httpx.Request], str] = lambda r: r.url.host
) -> dict[str, Any]:
    """httpx client arguments that tell `observe` of every request and still go through the proxies the environment
    names (HTTPS_PROXY, NO_PROXY …: httpx ignores them once a client is given its own transport)."""
    if observe is None:
        return {}
    mounts: dict[str, httpx.AsyncBaseTransport | None] = {
        pattern: ObservedTransport(observe, service=service, inner=httpx.AsyncHTTPTransport(proxy=url))
        if url
        else None
        for pattern, url in environment_proxies().items()
    }
    return {"transport": ObservedTransport(observe, service=service), "mounts": mounts}


def environment_proxies() -> dict[str, str | None]:
    """httpx mount patterns for the proxies the environment names (HTTP(S)_PROXY, ALL_PROXY, NO_PROXY), read the
    way httpx reads them for trust_env: a proxy URL per scheme, None for each host NO_PROXY exempts."""
    found = urllib.request.getproxies()
    mounts: dict[str, str | None] = {}
    for scheme in ("http", "https", "all"):
        if found.get(scheme):
            url = found[scheme]
            mounts[f"{scheme}://"] = url if "://" in url else f"http://{url}"
    for host in (h.strip() for h in found.get("no", "").split(",")):
        if host == "*":
            return {}
        if not host:
            continue
        if "://" in host:
            mounts[host] = None
            continue
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if ip is not None:
            mounts[f"all://[{host}]" if ip.version == 6 else f"all://{host}"] = None
        else:
            mounts[f"all://{host}" if host.lower() == "localhost" else f"all://*{host}"] = None
    return mounts


def new_client(
    *, timeout: httpx.Timeout = DEFAULT_TIMEOUT, observe: ApiObserver | None = None
) -> httpx.AsyncClient:
    """The shared outbound client (connection pooling, timeouts, no redirects to other hosts, the environment's
    proxies), telling `observe` of every request."""
    return httpx.AsyncClient(
        timeout=timeout,
        follow_redirects=False,
        headers={"user-agent": "inbox-bot"},
        **observed_transports(observe),
    )


def error_for(service: str, response: httpx.Response, detail: str | None = None) -> UpstreamError:
    """The typed error for a failed HTTP answer."""
    status = response.status_code
    text = detail or response.reason_phrase or "error"
    if status == 404:
        return NotFoundError(service, text, status=status)
    if status in (401, 403):
        return ConfigurationError(
            service, f"{text} ({status}): check the API key or credentials", status=status
        )
    if status == 429:
        return UpstreamError(
            service,
            "rate limited",
            status=status,
            retry_after=retry_after_seconds(response.headers.get("retry-after")),
        )
    return UpstreamError(
        service, f"{text} ({status})", status=status, retryable=status >= 500 or status == 408
    )


async def request_json(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    service: str,
    detail: Callable[[Any], str | None] | None = None,
    **kwargs: Any,
) -> Any:
    """Send one request and return its JSON; raise UpstreamError (or a subclass) for anything else."""
    started = time.perf_counter()
    try:
        response = await client.request(method, url, extensions={SERVICE: service}, **kwargs)
    except httpx.TimeoutException as e:
        raise UpstreamError(service, f"no answer in time ({type(e).__name__})") from e
    except httpx.HTTPError as e:
        raise UpstreamError(service, f"cannot connect: {e}") from e
    elapsed = (time.perf_counter() - started) * 1000
    log.info("%s %s %s → %d in %.0f ms", service, method, url.split("?")[0], response.status_code, elapsed)
    try:
        data = response.json() if response.content else None
    except ValueError:
        data = None
    if response.status_code >= 400:
        raise error_for(service, response, detail(data) if detail and data is not None else None)
    if data is None:
        raise UpstreamError(service, f"answered {response.status_code} without JSON")
    return data


def _wait(state: RetryCallState) -> float:
    error = state.outcome.exception() if state.outcome else None
    if isinstance(error, UpstreamError) and error.retry_after is not None:
        return min(error.retry_after, 60.0)
    return float(min(2 ** (state.attempt_number - 1), 30))


def _retryable(error: BaseException) -> bool:
    return isinstance(error, UpstreamError) and error.retryable


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    attempts: int = 3,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run `call`, retrying retryable UpstreamErrors (honouring Retry-After), then re-raise the last one."""
    async for attempt in AsyncRetrying(
        stop=stop_after_attempt(attempts),
        wait=_wait,
        retry=retry_if_exception(_retryable),
        reraise=True,
        sleep=sleep,
    ):
        with attempt:
            return await call()
    raise AssertionError("unreachable")  # pragma: no cover


# Rate-limited APIs are called at 95 % of their published rate: their bucket then refills a little faster than we
# drain it, and that cushion absorbs requests that arrive closer together than they were sent (network jitter, a busy
# event loop) instead of being answered with 429.
RATE_MARGIN = 0.95


def usage_plan_limiter(rate: float, burst: int, headroom: int) -> AsyncLimiter:
    """The pace of an API's usage plan: `rate` requests per second less RATE_MARGIN, bursts of the plan less
    `headroom` tokens kept in hand (requests can reach the API closer together than our bucket counted them)."""
    kept = burst - headroom
    return AsyncLimiter(kept, kept / (rate * RATE_MARGIN))
