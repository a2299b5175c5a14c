"""Typed upstream errors: what each says, whether retrying helps, and Retry-After in seconds."""

from __future__ import annotations

import pytest

from bot.errors import ConfigurationError, NotFoundError, UpstreamError, retry_after_seconds


def test_an_upstream_error_names_the_service_and_is_retryable_by_default() -> None:
    e = UpstreamError("DHL", "no answer in time", status=503, retry_after=2.5)
    assert str(e) == "DHL: no answer in time"
    assert (e.service, e.status, e.retry_after, e.retryable) == ("DHL", 503, 2.5, True)
    bare = UpstreamError("SP-API", "answered 200 without JSON")
    assert (bare.status, bare.retry_after, bare.retryable) == (None, None, True)
    assert UpstreamError("UPS", "bad request (400)", status=400, retryable=False).retryable is False


def test_not_found_is_final_and_a_404_by_default() -> None:
    e = NotFoundError("SP-API", "order 302-1234567-1234567 not found")
    assert isinstance(e, UpstreamError)
    assert str(e) == "SP-API: order 302-1234567-1234567 not found"
    assert (e.status, e.retryable, e.retry_after) == (404, False, None)
    assert NotFoundError("17TRACK", "unknown number", status=200).status == 200


def test_a_configuration_error_is_final_until_someone_fixes_it() -> None:
    e = ConfigurationError("DHL", "Unauthorized (401): check the API key", status=401)
    assert isinstance(e, UpstreamError) and not isinstance(e, NotFoundError)
    assert (e.service, e.status, e.retryable) == ("DHL", 401, False)
    assert ConfigurationError("LWA", "invalid_client").status is None


def test_the_errors_can_be_caught_as_one_kind() -> None:
    for error in (NotFoundError("A", "x"), ConfigurationError("B", "y"), UpstreamError("C", "z")):
        with pytest.raises(UpstreamError):
            raise error


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("1.5", 1.5),
        (" 3 ", 3.0),
        ("0", 0.0),
        ("-5", 0.0),  # never a negative wait
        (None, None),
        ("", None),
        ("Wed, 21 Oct 2026 07:28:00 GMT", None),  # the HTTP-date form is not used by these APIs
        ("soon", None),
    ],
)
def test_retry_after_is_read_in_seconds(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header) == seconds
