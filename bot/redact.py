"""Secrets kept out of logs: a logging filter for the libraries that log them (aioimaplib logs LOGIN at DEBUG).

aioimaplib scrubs the password from its `Sending : …` line only as given, not as it goes over the wire: a password
with a quote or a backslash is escaped for IMAP and then logged in full. The filter redacts the arguments of every
LOGIN and AUTHENTICATE command, and every value it was told is a secret (as given, quoted for IMAP, and as `repr`
shows it), in the message of each record that passes the logger it is installed on.
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

IMAP_LOGGER = (
    "aioimaplib.aioimaplib"  # aioimaplib's module logger: filters apply to the records logged through it
)
MASK = "********"
MIN_SECRET = 4  # shorter values would mask ordinary text; the command patterns still hide them
_COMMAND = re.compile(r"(\b(?:LOGIN|AUTHENTICATE)\s+\S+\s+)[^\r\n]*")  # as aioimaplib sends them


def _forms(secret: str) -> set[str]:
    """The ways a secret can appear in a log line: as given, quoted for IMAP, and inside a `repr` of either."""
    quoted = secret.replace("\\", "\\\\").replace('"', '\\"')
    forms = {secret, quoted}
    for form in list(forms):
        forms.add(repr(form)[1:-1])
        forms.add(repr(form.encode())[2:-1])
    return {f for f in forms if len(f) >= MIN_SECRET}


class SecretFilter(logging.Filter):
    """Redacts command arguments that carry credentials, and known secret values, from each record's message."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def add(self, *secrets: str | None) -> None:
        """Values to mask wherever they appear from now on."""
        for secret in secrets:
            if secret:
                self.secrets |= _forms(secret)

    def redact(self, text: str) -> str:
        """`text` with credentials masked."""
        text = _COMMAND.sub(lambda m: m.group(1) + MASK, text)
        for secret in sorted(self.secrets, key=len, reverse=True):  # the longest form first
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message if it holds a credential; never drops a record."""
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted is left for logging to report
            return True
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def protect_imap_log(*secrets: str | None) -> SecretFilter:
    """Install the filter on aioimaplib's logger (once) and tell it these secrets; returns the filter."""
    logger = logging.getLogger(IMAP_LOGGER)
    installed = next((f for f in logger.filters if isinstance(f, SecretFilter)), None)
    if installed is None:
        installed = SecretFilter()
        logger.addFilter(installed)
    installed.add(*secrets)
    return installed
