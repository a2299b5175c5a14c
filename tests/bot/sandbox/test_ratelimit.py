"""The stand-ins' usage plans: a token bucket per key with a rate, a burst and a little network jitter."""

from __future__ import annotations

import pytest

from bot.sandbox.ratelimit import TokenBucket


def test_a_burst_passes_then_requests_are_refused_and_counted() -> None:
    bucket = TokenBucket(rate=1.0, burst=3)
    assert [bucket.take("C1", now=100.0) for _ in range(5)] == [True, True, True, False, False]
    assert bucket.refused == 2


def test_tokens_come_back_at_the_rate_but_never_beyond_the_burst() -> None:
    bucket = TokenBucket(rate=2.0, burst=2)
    assert bucket.take(now=0.0) and bucket.take(now=0.0) and not bucket.take(now=0.0)
    assert bucket.take(now=0.5)  # half a second at 2 per second: one token
    assert not bucket.take(now=0.5)
    # A long pause refills to the burst only: two pass, the third is refused.
    assert [bucket.take(now=100.0) for _ in range(3)] == [True, True, False]


def test_each_key_has_its_own_plan() -> None:
    bucket = TokenBucket(rate=1.0, burst=1)
    assert bucket.take("C1", now=0.0)
    assert not bucket.take("C1", now=0.0)
    assert bucket.take("C2", now=0.0)  # another channel is not slowed by the first


def test_retry_after_is_the_time_until_the_next_token() -> None:
    bucket = TokenBucket(rate=0.5, burst=1)
    assert bucket.retry_after("C1") == 0.0  # an unused key may go at once
    assert bucket.take("C1", now=10.0)
    assert bucket.retry_after("C1") == pytest.approx(2.0)  # one token at 0.5 per second
    assert not bucket.take("C1", now=11.0)
    assert bucket.retry_after("C1") == pytest.approx(1.0)


def test_a_request_arriving_a_little_early_is_let_in() -> None:
    bucket = TokenBucket(rate=1.0, burst=1)
    assert bucket.take(now=0.0)
    assert bucket.take(now=0.98)  # 20 ms early: within the network jitter Slack and Amazon tolerate
    assert not bucket.take(now=1.48)  # half a token since: refused
