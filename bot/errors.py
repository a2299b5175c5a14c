"""Typed errors the core raises; each message says what went wrong and, where it helps, what to do."""

from __future__ import annotations


class StartupError(Exception):
    """The bot cannot start; the message says what to fix (bot/app.py run_bot, the ops listener)."""


class Refusal(Exception):
    """What the person asked cannot be done; the message says why and what to do (told to them by handlers/errors.py)."""


class UpstreamError(Exception):
    """An outside service failed; `retry_after` (seconds) is set when it said when to come back."""

    def __init__(
        self,
        service: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        retryable: bool = True,
    ) -> None:
        super().__init__(f"{service}: {message}")
        self.service = service
        self.status = status
        self.retry_after = retry_after
        self.retryable = retryable


class NotFoundError(UpstreamError):
    """The service does not know the thing asked for (an order id, a tracking number)."""

    def __init__(self, service: str, message: str, *, status: int | None = 404) -> None:
        super().__init__(service, message, status=status, retryable=False)


class ConfigurationError(UpstreamError):
    """The service refused our credentials or settings: retrying will not help until someone fixes them."""

    def __init__(self, service: str, message: str, *, status: int | None = None) -> None:
        super().__init__(service, message, status=status, retryable=False)


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds (only the delta-seconds form is used by these APIs)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
