"""Where the store lives: INBOX_BOT_DATABASE_URL (or the SQLite file INBOX_BOT_DATABASE_PATH), and how it is shown
without its password."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DatabaseUrl:
    """Where the store lives: `sqlite:///path` (or a plain path) or `postgresql://user:pass@host/db`."""

    engine: str  # "sqlite" | "postgresql"
    path: Path | None = None  # SQLite's file
    url: str = field(default="", repr=False)  # PostgreSQL's connection string (its password not in repr)

    @classmethod
    def parse(cls, text: str, *, path_allowed: bool = True) -> DatabaseUrl:
        """Read a database URL; a plain path is an SQLite file where `path_allowed` (INBOX_BOT_DATABASE_PATH), never
        in INBOX_BOT_DATABASE_URL, where a libpq `host=… password=…` string would otherwise become a file name.
        Errors never quote the text (it may hold a password)."""
        scheme = text.split("://", 1)[0].lower() if "://" in text else ""
        if scheme in ("postgresql", "postgres"):
            return cls("postgresql", url=text)
        if scheme == "sqlite":
            rest = text.split("://", 1)[1]
            if not rest.startswith("/") or rest == "/":
                raise ValueError(
                    "an SQLite URL names a file: sqlite:///relative/path or sqlite:////absolute/path"
                )
            return cls("sqlite", path=Path(rest[1:]))
        if scheme or not path_allowed:
            raise ValueError("a database URL starts with postgresql:// (or sqlite:/// for a file)")
        return cls("sqlite", path=Path(text))

    @property
    def password(self) -> str:
        """The password in the URL ('' if none)."""
        userinfo = self.url.split("://", 1)[-1].rpartition("@")[
            0
        ]  # the host never holds an @, a password may
        return unquote(userinfo.partition(":")[2]) if ":" in userinfo else ""

    @property
    def shown(self) -> str:
        """The URL without its password, for logs, `check` and errors (never raises, whatever the URL holds)."""
        if self.engine == "sqlite":
            return f"sqlite:///{self.path}"
        scheme, _, rest = self.url.partition("://")
        userinfo, at, after = rest.rpartition("@")  # the host never holds an @, a password may (even / or ?)
        user = userinfo.partition(":")[0]
        after = re.sub(r"(?i)(password=)[^&]*", r"\1********", after)
        return f"{scheme}://{user}{at}{after}"

    def redact(self, text: str) -> str:
        """`text` (e.g. a driver's error, which may quote the URL) with the password masked."""
        for secret in {self.password, quote(self.password, safe="")} - {""}:
            text = text.replace(secret, "********")
        return text.replace(self.url, self.shown) if self.url else text
