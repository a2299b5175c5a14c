"""Mail as bytes: UID FETCH responses taken apart, and the header and first part of a mail too large to hold."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

HEADER_BYTES = 256 * 1024  # of a mail too large to hold: at most this much of its header is read
PREVIEW_BYTES = 64 * 1024  # and this much of its text

_FETCH_HEAD = re.compile(rb"^\d+ FETCH \(")
_FETCH_UID = re.compile(rb"\bUID (\d+)")
_FETCH_DATE = re.compile(rb'INTERNALDATE "([^"]+)"')
_FETCH_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_LITERAL = re.compile(rb"(BODY\[[^\]]*\](?:<\d+>)?)\s*\{\d+\}\s*$")


@dataclass
class Fetched:
    """One message of a UID FETCH response: its UID, INTERNALDATE, RFC822.SIZE and the sections fetched."""

    uid: int
    internal_date: datetime | None
    size: int | None
    sections: dict[str, bytes]

    def section(self, name: str) -> bytes:
        """A fetched section by its name without the partial origin: 'BODY[]', 'BODY[HEADER]', 'BODY[TEXT]'."""
        return next((v for k, v in self.sections.items() if k.split("<", 1)[0] == name), b"")


def _internaldate(text: bytes) -> datetime | None:
    try:
        return datetime.strptime(text.decode().strip(), "%d-%b-%Y %H:%M:%S %z").astimezone(UTC)
    except ValueError:
        return None


def parse_fetch(lines: list[Any]) -> list[Fetched]:
    """The messages of a UID FETCH response (aioimaplib's lines: text as bytes, each literal as a bytearray)."""
    out: list[Fetched] = []
    meta = b""
    sections: dict[str, bytes] = {}
    pending: str | None = None

    def finish() -> None:
        uid = _FETCH_UID.search(meta)
        if uid:
            date, size = _FETCH_DATE.search(meta), _FETCH_SIZE.search(meta)
            out.append(
                Fetched(
                    int(uid.group(1)),
                    _internaldate(date.group(1)) if date else None,
                    int(size.group(1)) if size else None,
                    sections,
                )
            )

    for line in lines:
        if isinstance(line, bytearray):  # a literal: the value of the item the line before named
            if pending is not None:
                sections[pending] = bytes(line)
            pending = None
            continue
        text = bytes(line)
        if _FETCH_HEAD.match(text):
            if meta:
                finish()
            meta, sections = text, {}
        elif meta:
            meta += b" " + text
        literal = _LITERAL.search(text)
        pending = literal.group(1).decode() if literal else None
    if meta:
        finish()
    return out


def partial_mail(head: bytes, *, header_bytes: int = HEADER_BYTES, text_bytes: int = PREVIEW_BYTES) -> bytes:
    """The header and the first part of the text of a mail whose start is `head` (at most the limits of each)."""
    ends = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := head.find(sep, 0, header_bytes)) >= 0]
    if not ends:  # no end of the header within the limit: the header alone, cut
        return head[:header_bytes] + b"\r\n\r\n"
    end = min(ends)
    return head[: end + text_bytes]
