"""DKIM for tests: sign a mail with a test key and resolve the key locally, as DNS would (no network)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dkim

KEYS = Path(__file__).resolve().parents[1] / "fixtures" / "dkim"
SELECTOR = "s2026"


def sign(raw: bytes, domain: str, *, key: str = "amazon-test.key", selector: str = SELECTOR) -> bytes:
    """The mail with a DKIM-Signature of `domain` prepended (relaxed/simple, From and Subject signed)."""
    private = (KEYS / key).read_bytes()
    headers = [b"from", b"to", b"subject", b"date", b"message-id"]
    signature = dkim.sign(raw, selector.encode(), domain.encode(), private, include_headers=headers)
    return bytes(signature) + raw


def dns(*domains: str, selector: str = SELECTOR) -> Callable[..., bytes | None]:
    """A resolver that knows the test public key under `<selector>._domainkey.<domain>` for these domains."""
    record = b"v=DKIM1; k=rsa; p=" + (KEYS / "amazon-test.pub.b64").read_bytes().strip()
    known = {f"{selector}._domainkey.{d}.".encode() for d in domains}

    def resolve(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name in known or name + b"." in known else None

    return resolve
