"""The bot's counters for Prometheus: one registry per bot (built by the factory, handed around in Deps), counted
where things happen through small callbacks; docs/operations.md lists every metric."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

PREFIX = "inbox_bot_"
SEND_OUTCOMES = (
    "sent",
    "failed",
    "uncertain",
)  # what became of a reply or message to a buyer (Mailer's events)
LOOKUPS = ("order", "tracking")
# A lookup may wait for Amazon's rate in a backlog: the buckets reach minutes.
LOOKUP_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
NOT_ERRORS = (404, 429)  # "no such order / parcel" is an answer; a 429 is counted as rate-limited


class Metrics:
    """Counters and a histogram in a CollectorRegistry of the bot's own (no global state); the gauges that are read
    from the store at each scrape are added by the ops listener (bot/ops/server.py)."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.registry = CollectorRegistry()
        self.monotonic = monotonic
        self.last_sweep: float | None = None  # monotonic time of the last SLA sweep (readiness, sweep age)
        r = self.registry
        self.mails_read = Counter(
            f"{PREFIX}mails_read", "Mails read from the mailbox (or folder) and stored by intake", registry=r
        )
        self.cards_posted = Counter(f"{PREFIX}cards_posted", "Cards posted in the Slack channel", registry=r)
        self.sla_breaches = Counter(
            f"{PREFIX}sla_breaches",
            "Conversations that reached their answer-by deadline unanswered",
            registry=r,
        )
        self.followups_due = Counter(
            f"{PREFIX}followups_due", "Follow-ups that came due (a reminder went to the thread)", registry=r
        )
        self.sends = Counter(
            f"{PREFIX}sends", "Replies and messages to buyers, by outcome", ["outcome"], registry=r
        )
        self.api_calls = Counter(
            f"{PREFIX}api_calls",
            "Requests to an outside API (each attempt), by service",
            ["service"],
            registry=r,
        )
        self.api_errors = Counter(
            f"{PREFIX}api_errors",
            "Requests without an answer or answered with an error (not 404 and not 429), by service",
            ["service"],
            registry=r,
        )
        self.api_rate_limited = Counter(
            f"{PREFIX}api_rate_limited",
            "Requests answered 429 (rate limited), by service",
            ["service"],
            registry=r,
        )
        self.lookup_seconds = Histogram(
            f"{PREFIX}lookup_seconds",
            "Time to look an order up in SP-API or a parcel up with its carrier (waiting for the rate included)",
            ["kind"],
            buckets=LOOKUP_BUCKETS,
            registry=r,
        )
        self.guard_refusals = Counter(
            f"{PREFIX}guard_refusals",
            "Texts to buyers the policy guard refused, by rule",
            ["rule"],
            registry=r,
        )
        for outcome in SEND_OUTCOMES:
            self.sends.labels(outcome=outcome)  # every series exists from the start (rate() and alerts see 0)
        for kind in LOOKUPS:
            self.lookup_seconds.labels(kind=kind)

    # ---- the callbacks the parts are built with ----

    def api_call(self, service: str, status: int | None) -> None:
        """One request to `service` answered with HTTP `status` (None: no answer: refused, timed out, cut off)."""
        self.api_calls.labels(service=service).inc()
        errors = self.api_errors.labels(service=service)  # created with the first call, so it is seen at 0
        limited = self.api_rate_limited.labels(service=service)
        if status == 429:
            limited.inc()
        elif status is None or (status >= 400 and status not in NOT_ERRORS):
            errors.inc()

    def lookup(self, kind: str, seconds: float) -> None:
        """One order ('order') or parcel ('tracking') lookup took `seconds`."""
        self.lookup_seconds.labels(kind=kind).observe(seconds)

    def guard_refusal(self, rule: str) -> None:
        """The guard refused a text by `rule`."""
        self.guard_refusals.labels(rule=rule).inc()

    def card_posted(self) -> None:
        """A card went to the channel."""
        self.cards_posted.inc()

    def sla_breach(self) -> None:
        """A conversation passed its deadline unanswered."""
        self.sla_breaches.inc()

    def followup_due(self) -> None:
        """A follow-up came due."""
        self.followups_due.inc()

    def swept(self) -> None:
        """The SLA sweep ran (now)."""
        self.last_sweep = self.monotonic()

    def sweep_age(self) -> float | None:
        """Seconds since the last SLA sweep, None before the first."""
        return None if self.last_sweep is None else self.monotonic() - self.last_sweep

    def reading(self, handle: Callable[[list[T]], Awaitable[R]]) -> Callable[[list[T]], Awaitable[R]]:
        """`handle` (intake of a batch of mails), counting the mails it stored."""

        async def counted(batch: list[T]) -> R:
            result = await handle(batch)
            self.mails_read.inc(len(batch))
            return result

        return counted

    def telling_sends(self, notify: Callable[[int, str], None]) -> Callable[[int, str], None]:
        """`notify` (what the mailer tells the thread about a send), counting each send's outcome."""

        def told(send_id: int, event: str) -> None:
            if event in SEND_OUTCOMES:
                self.sends.labels(outcome=event).inc()
            notify(send_id, event)

        return told

    def exposition(self) -> bytes:
        """Every metric in Prometheus' text format."""
        return generate_latest(self.registry)
