"""Operating the bot as a service: the health, readiness and metrics listener, the log format, the database engine
and the lease of the working instance; part of Settings (bot/settings.py), which reads them like every other setting."""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings

from bot.store.url import DatabaseUrl

log = logging.getLogger(__name__)


class OpsSettings(BaseSettings):
    """What the people who run the bot set (INBOX_BOT_<NAME> like every setting)."""

    ops_host: str = Field(
        "127.0.0.1",
        description="Address of the /healthz, /readyz and /metrics listener (loopback by default)",
    )
    ops_port: int = Field(
        8089, ge=0, le=65535, description="Port of the /healthz, /readyz and /metrics listener (0: off)"
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        description="Log lines as text, or one JSON object per line (time, level, logger, message, context)",
    )
    database_url: SecretStr = Field(
        SecretStr(""),
        description="Where the store lives: postgresql://user:password@host/db for PostgreSQL with a standby "
        "(docs/operations.md), sqlite:///path; empty: the SQLite file INBOX_BOT_DATABASE_PATH",
    )
    lease_seconds: float = Field(
        30.0,
        ge=3,
        le=600,
        description="PostgreSQL: a leader silent this long is replaced by a standby (a dead one's lock goes at once)",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: SecretStr) -> SecretStr:
        if value.get_secret_value():
            DatabaseUrl.parse(value.get_secret_value(), path_allowed=False)  # a ValueError says what is wrong
        return value
