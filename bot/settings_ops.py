"""Operating the bot as a service: the health, readiness and metrics listener and the log format; part of Settings
(bot/settings.py), which reads them like every other setting."""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings

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
