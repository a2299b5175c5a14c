"""Log lines for people and for machines: text by default, or one JSON object per line (INBOX_BOT_LOG_FORMAT=json)
carrying the context that applies (message id, conversation id, order id, Slack ts), set where a mail or a
conversation is being handled.

The context lives in a ContextVar, so it follows each task (and the tasks it starts) and never leaks into another.
Secrets stay out of both formats the same way: bot/redact.py rewrites a record's message before any handler formats
it; buyer text is logged at DEBUG at most and never becomes context.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

CONTEXT_FIELDS = ("message_id", "conversation_id", "order_id", "slack_ts")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_CONTEXT: ContextVar[Mapping[str, str | int]] = ContextVar(
    "inbox_bot_log_context", default=MappingProxyType({})
)


def _clean(fields: Mapping[str, object]) -> dict[str, str | int]:
    unknown = set(fields) - set(CONTEXT_FIELDS)
    if unknown:
        raise ValueError(f"not a log context field: {sorted(unknown)} (choose from {CONTEXT_FIELDS})")
    return {
        name: value if isinstance(value, int) and not isinstance(value, bool) else str(value)
        for name, value in fields.items()
        if value is not None and value != ""
    }


@contextlib.contextmanager
def log_context(**fields: object) -> Iterator[None]:
    """Within the block every log line of this task (and of the tasks it starts) carries these fields besides those
    already set; None or empty values are left out. Whatever `bind` adds inside is gone when the block ends."""
    token = _CONTEXT.set(MappingProxyType({**_CONTEXT.get(), **_clean(fields)}))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def bind(**fields: object) -> None:
    """Set fields of this task's context until the enclosing `log_context` block ends; a None or empty value removes
    the field, so one mail's order id never labels the next mail's lines."""
    kept = {name: value for name, value in _CONTEXT.get().items() if name not in fields}
    _CONTEXT.set(MappingProxyType({**kept, **_clean(fields)}))


def current() -> dict[str, str | int]:
    """The context the next log line of this task would carry."""
    return dict(_CONTEXT.get())


def scoped(handle: Callable[[T], Awaitable[R]]) -> Callable[[T], Awaitable[R]]:
    """`handle` run in a `log_context` block of its own: what it binds for one call stays with that call."""

    async def run(arg: T) -> R:
        with log_context():
            return await handle(arg)

    return run


def slack_context(body: Mapping[str, Any]) -> dict[str, str]:
    """The Slack ts a request from Slack is about: the message a button sits on, or the thread an event is in."""

    def part(name: str) -> Mapping[str, Any]:
        value = body.get(name)
        return value if isinstance(value, dict) else {}

    event = part("event")
    ts = (
        part("container").get("message_ts")
        or part("message").get("ts")
        or event.get("thread_ts")
        or event.get("ts")
    )
    return {"slack_ts": str(ts)} if ts else {}


async def in_log_context(body: dict[str, Any], next: Callable[[], Awaitable[Any]]) -> Any:
    """A Bolt middleware: the Slack ts a request is about goes on every log line of its handling.

    Bolt runs the listener after the middleware chain has returned (`next()` only lets the chain go on), in the same
    task: Socket Mode and the HTTP server handle each request in a task of its own, so the field is set for the rest of
    that task, replacing whatever an earlier request of the same task had set."""
    others = {name: value for name, value in _CONTEXT.get().items() if name != "slack_ts"}
    _CONTEXT.set(MappingProxyType({**others, **slack_context(body)}))
    return await next()


class ContextFilter(logging.Filter):
    """Puts the current context's fields on each record (fields given with `extra=` win)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the fields; never drops a record."""
        for name, value in _CONTEXT.get().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, the context fields present, and the
    exception's traceback as text."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None and value != "":
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_handler(fmt: str = "text") -> logging.Handler:
    """A handler to stderr in the format asked for ('text' or 'json'), with the context filter."""
    if fmt not in ("text", "json"):
        raise ValueError(f"unknown log format {fmt!r}: choose text or json")
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(level: str, fmt: str = "text") -> None:
    """Log to stderr at `level` (INBOX_BOT_LOG_LEVEL) in `fmt` (INBOX_BOT_LOG_FORMAT)."""
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), handlers=[log_handler(fmt)])
