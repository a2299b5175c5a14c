"""Secrets kept out of logs: the filter on aioimaplib's logger (its real DEBUG lines are in tests/bot/mail/test_source.py)."""

from __future__ import annotations

import logging

import pytest

from bot.redact import IMAP_LOGGER, MASK, SecretFilter, protect_imap_log


def test_login_and_authenticate_arguments_and_known_secrets_are_masked() -> None:
    f = SecretFilter()
    f.add('Pa"ss\\word-42', None, "")
    sent = repr(b'ABCD1 LOGIN seller "Pa\\"ss\\\\word-42"\r\n')  # as aioimaplib logs what it sends
    assert f.redact(f"Sending : {sent}") == f"Sending : b'ABCD1 LOGIN seller {MASK}"
    assert f.redact("Sending : b'X2 AUTHENTICATE XOAUTH2 dXNlcj1zZWxsZXI='") == (
        f"Sending : b'X2 AUTHENTICATE XOAUTH2 {MASK}"
    )
    assert (
        f.redact('an echo of Pa"ss\\word-42 and of "Pa\\"ss\\\\word-42"')
        == f'an echo of {MASK} and of "{MASK}"'
    )
    assert f.redact("login refused; state -> AUTH") == "login refused; state -> AUTH"  # ordinary text stays


def test_the_filter_is_installed_once_and_rewrites_records_it_passes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = protect_imap_log("first-secret")
    again = protect_imap_log("second-secret")
    logger = logging.getLogger(IMAP_LOGGER)
    assert first is again and sum(isinstance(f, SecretFilter) for f in logger.filters) == 1
    with caplog.at_level(logging.DEBUG, logger=IMAP_LOGGER):
        logger.debug("Received : %s and %s", "first-secret", "second-secret")
    [record] = caplog.records
    assert record.getMessage() == f"Received : {MASK} and {MASK}"
