"""One typed settings object: every setting, the validators that parse it on load, and what keeps the bot from running."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from datetime import time as dt_time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import (
    NoDecode,
    SettingsConfigDict,
)

from bot.clock.oncall import Rotation
from bot.clock.sla import BusinessHours
from bot.replies.guard import known_rules
from bot.replies.products import Product
from bot.replies.refunds import DEFAULT_RULES, RefundRule
from bot.settings_accounts import AccountSettings
from bot.settings_ops import OpsSettings
from bot.settings_services import ServiceSettings
from bot.settings_values import (
    ENV_PREFIX,
    comma_list,
    comma_pairs,
    env_name,
    notice_hours,
    parses,
    per_carrier,
)
from bot.store.url import DatabaseUrl

log = logging.getLogger(__name__)

CONFIG_ENV = "INBOX_BOT_CONFIG"


class Settings(ServiceSettings, OpsSettings, AccountSettings):
    """Everything the bot can be told; every field is also `INBOX_BOT_<NAME>` in the environment (the outside
    services' addresses and carrier keys in bot/settings_services.py)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    # Slack
    slack_bot_token: SecretStr | None = Field(None, description="Bot token (xoxb-…)")
    slack_app_token: SecretStr | None = Field(None, description="App-level token (xapp-…) for Socket Mode")
    slack_signing_secret: SecretStr | None = Field(None, description="Signing secret, for HTTP mode")
    slack_mode: Literal["socket", "http"] = Field("socket", description="How Slack reaches the bot")
    slack_channel: str = Field("", description="Channel ID (C…) where buyer messages are posted")
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base URL")
    http_host: str = Field("127.0.0.1", description="HTTP mode: address to listen on")
    http_port: int = Field(3000, ge=1, le=65535, description="HTTP mode: port to listen on")
    slack_post_interval: float = Field(1.0, gt=0, description="Seconds between posts to one channel")

    # Mail intake
    mail_source: Literal["imap", "directory"] = Field("imap", description="Where buyer mails are read")
    mail_directory: Path | None = Field(
        None, description="Maildir or folder of .eml files (source=directory)"
    )
    imap_host: str = Field("", description="IMAP server")
    imap_port: int = Field(993, ge=1, le=65535, description="IMAP port")
    imap_user: str = Field("", description="IMAP login")
    imap_password: SecretStr | None = Field(None, description="IMAP password or app password")
    imap_folder: str = Field("INBOX", description="Folder that receives Amazon's relay mails")
    imap_tls: Literal["ssl", "plain"] = Field("ssl", description="ssl (port 993) or plain (loopback only)")
    imap_tls_verify: bool = Field(True, description="Verify the IMAP server's certificate")
    imap_idle: bool = Field(True, description="Use IMAP IDLE when the server offers it")
    imap_poll_seconds: float = Field(60.0, gt=0, description="Polling interval without IDLE")
    imap_move_to: str | None = Field(
        None, description="Move processed mails to this folder (default: untouched)"
    )
    imap_timeout: float = Field(30.0, gt=0, description="Seconds before an IMAP command is abandoned")
    max_mail_mb: float = Field(
        25.0, gt=0, description="A larger mail is not read whole: its card says where to read it (megabytes)"
    )
    photo_max_mb: float = Field(
        10.0,
        ge=0,
        description="Buyer photos up to this size are shown in the card's thread (megabytes; 0: none)",
    )
    quiet_hours: float = Field(
        12.0,
        ge=0,
        description="Hours without Amazon mail in business hours (with SP-API: while orders came in) before the channel is warned (0: off)",
    )
    non_amazon_mail: Literal["ignore", "post"] = Field(
        "ignore", description="Mail not from Amazon: stored and logged only, or posted as a card"
    )
    amazon_sender_domains: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Extra sender domains to treat as Amazon (comma-separated)"
    )
    dkim_verify: bool = Field(
        False,
        description="Verify the DKIM signature of mail that claims an Amazon domain (looks up keys in DNS)",
    )
    trusted_authserv_id: str = Field(
        "",
        description="Your receiving server's authserv-id: its Authentication-Results header is trusted (e.g. mx.example.com)",
    )
    require_authenticated_amazon: bool | None = Field(
        None,
        description="Amazon mail that is not authenticated is suspicious (empty: on when DKIM or a trusted server is set)",
    )

    # Store and display
    database_path: Path = Field(Path("inbox-bot.db"), description="SQLite database file")
    timezone: str = Field("UTC", description="Team timezone for display (IANA name)")
    response_hours: float = Field(24.0, gt=0, description="Amazon's answer-by window in hours")
    raw_retention_days: int = Field(
        30,
        ge=1,
        description="Days after a conversation closes until its buyer text, names and raw mails are removed",
    )
    log_level: str = Field("INFO", description="Log level")
    clock_start: datetime | None = Field(
        None,
        description="Tests and demos only, never in production: the bot's clock shows this moment (ISO 8601 with "
        "offset) at start, or at clock_origin, and runs at real speed from there",
    )
    clock_origin: float | None = Field(
        None,
        description="Tests only: the time.monotonic() reading at which the clock showed clock_start, so a "
        "restarted bot continues one clock",
    )

    # Amazon SP-API (orders and their packages)
    sp_api_refresh_token: SecretStr | None = Field(
        None, description="SP-API refresh token of your seller account (Atzr…); empty: no order data"
    )
    lwa_app_id: str = Field("", description="Login-with-Amazon client id of your SP-API app")
    lwa_client_secret: SecretStr | None = Field(None, description="Login-with-Amazon client secret")
    sp_api_marketplace_id: str = Field("A1PA6795UKMFR9", description="Your main marketplace id (amazon.de)")
    sp_api_region: Literal["na", "eu", "fe"] = Field("eu", description="SP-API region of your account")
    order_cache_minutes: float = Field(
        15.0, ge=0, description="Minutes an order is reused before SP-API is asked again"
    )
    enrich_deadline: float = Field(
        3.0, ge=0, description="Seconds a card waits for order and tracking before it is posted without"
    )
    refresh_cooldown_seconds: float = Field(
        120.0, ge=0, description="Seconds before Refresh on a card looks the same order up again"
    )

    # Carrier tracking
    tracking_providers: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description="Which provider tracks which carrier, e.g. dhl=dhl,ups=ups,*=17track (default: by keys)",
    )
    parcel_quiet_days: str = Field(
        "4",
        description="Days without a scan after which a parcel's card gets a note: '4' or '4, dhl=3, usps=6'",
    )
    tracking_sweep_seconds: float = Field(
        60.0, gt=0, description="Seconds between sweeps for packages whose tracking check is due"
    )

    # The 24-hour clock and escalation
    products: list[Product] = Field(
        default_factory=list,
        description="Product answers by SKU or ASIN prefix ([[products]] tables in the TOML file: name, howto, "
        "compatibility, care per language; files: manuals offered with Send manual)",
    )
    refund_rules: list[RefundRule] = Field(
        default_factory=lambda: list(DEFAULT_RULES),
        description="Refund decision matrix (JSON list, or [[refund_rules]] tables in the TOML file)",
    )
    notice_deadlines: Annotated[dict[str, float], NoDecode] = Field(
        default_factory=notice_hours,
        description="Hours to act on Amazon notices, by type (a_to_z_claim=72,chargeback=168,…; the types not named "
        "keep their default, 0 means none); they are pinged too",
    )
    sla_due_soon_hours: float = Field(6.0, gt=0, description="Hours left when a conversation is 'due soon'")
    sla_urgent_hours: float = Field(
        2.0, gt=0, description="Hours left when it is 'urgent' (on call is pinged)"
    )
    sla_critical_minutes: float = Field(
        30.0, gt=0, description="Minutes left when it is 'critical' (lead too)"
    )
    sla_repeat_minutes: float = Field(
        60.0, gt=0, description="Minutes between repeated pings (urgent, breached)"
    )
    sla_critical_repeat_minutes: float = Field(15.0, gt=0, description="Minutes between pings when critical")
    sla_sweep_seconds: float = Field(60.0, gt=0, description="Seconds between sweeps for due notifications")
    oncall_members: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="On-call rotation: Slack user ids in order (comma-separated)"
    )
    oncall_usergroup: str = Field("", description="Or take the rotation from a Slack user group (S…)")
    oncall_handoff: str = Field("mon 09:00", description="When a shift hands over (weekday and local time)")
    oncall_shift_days: int = Field(7, ge=1, le=28, description="Days per on-call shift")
    escalation_mention: str = Field(
        "", description="Lead (U…) or user group (S…) pinged when critical or late"
    )
    business_hours: str = Field(
        "",
        description="e.g. 'mon-fri 08:00-18:00': outside them on call is pinged earlier (not the deadline)",
    )
    digest_time: str = Field(
        "08:00", description="Local time of the daily digest in the channel; empty: none"
    )

    # Slack commands and who may do what
    slack_team_id: str = Field(
        "", description="Your workspace id (T…): other workspaces and teams are refused"
    )
    command_order: str = Field("/order", description="Slash command that shows an order")
    command_inbox: str = Field("/inbox", description="Slash command that lists open conversations")
    command_oncall: str = Field("/oncall", description="Slash command for the on-call rotation")
    command_help: str = Field("/inbox-bot", description="Slash command for help")
    command_case: str = Field("/case", description="Slash command that tracks Amazon support cases")
    responders: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Who may send replies, close, mark handled, retry, release others' claims and track cases: "
        "user ids (U…, W…) and user groups (S…); empty: everyone",
    )
    leads: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Responders who may also put others on call and set longer overrides (U…, W…, S…); empty: "
        "the responders",
    )
    max_override_hours: float = Field(
        24.0, gt=0, description="Longest on-call override a person who is no lead may set (for themselves)"
    )
    reply_senders: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Deprecated: the old name of INBOX_BOT_RESPONDERS (added to them)"
    )

    # Replies to buyers
    smtp_host: str = Field("", description="SMTP server for replies (the seller's approved mailbox)")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port")
    smtp_user: str = Field("", description="SMTP login")
    smtp_password: SecretStr | None = Field(None, description="SMTP password or app password")
    smtp_tls: Literal["starttls", "ssl", "plain"] = Field(
        "starttls", description="starttls (587), ssl (465) or plain (loopback only)"
    )
    smtp_from: str = Field(
        "", description="Sender address registered in Seller Central (Messaging Permissions)"
    )
    smtp_timeout: float = Field(30.0, gt=0, description="Seconds before an SMTP attempt is abandoned")
    send_attempts: int = Field(4, ge=1, le=20, description="Attempts before a failed send waits for a person")
    thread_reply_mode: Literal["confirm", "prefix", "off"] = Field(
        "confirm",
        description="Thread messages: confirm (ask before sending), prefix (send those starting with the prefix), off",
    )
    thread_reply_prefix: str = Field("!buyer", description="Prefix that sends a thread message to the buyer")
    auto_reply_wismo: bool = Field(
        False,
        description="Answer 'where is my order' on a parcel in transit automatically (read the README first)",
    )
    auto_reply_delay_minutes: float = Field(
        30.0, ge=0, description="Minutes a person has before the auto-reply goes"
    )
    auto_reply_hours: str = Field(
        "", description="When auto-replies may go, e.g. 'mon-sun 07:00-22:00'; empty: always"
    )
    auto_reply_min_confidence: float = Field(
        0.7,
        ge=0.5,
        le=1.0,
        description="How sure intent detection must be that the buyer asks where the order is (0.5-1)",
    )
    auto_reply_counts_as_answer: bool = Field(
        False,
        description="Whether an auto-reply stops the clock (Amazon may not count auto-replies as answers)",
    )
    invoice_folder: Path | None = Field(None, description="Folder of invoice PDFs named with the order id")
    template_dir: Path | None = Field(
        None,
        description="Your team's own templates, laid out like templates/ (<language>/<key>.j2): they override "
        "or add to the shipped ones and are reloaded when they change",
    )
    reply_signature: str = Field("", description="How replies are signed, e.g. 'Example Shop Kundenservice'")
    guard_disabled_rules: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Policy rules to switch off (comma-separated; see docs/guard.md)"
    )
    guard_model: bool = Field(default=True, description="Let the guard's model warn where no rule spoke")
    guard_allowed_domains: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Extra link domains replies may contain (comma-separated)"
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown timezone {value!r}: use an IANA name such as Europe/Berlin") from e
        return value

    @field_validator("clock_start", "clock_origin", "require_authenticated_amazon", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value  # as in .env.example

    @field_validator("clock_start")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give the clock's start with its offset, e.g. 2026-11-26T10:00:00+01:00")
        return value

    @field_validator("business_hours", "auto_reply_hours")
    @classmethod
    def _hours(cls, value: str, info: ValidationInfo) -> str:
        if value.strip():
            parses(info, value, BusinessHours.parse, "'mon-fri 08:00-18:00' (24-hour times)")
        return value

    @field_validator("parcel_quiet_days")
    @classmethod
    def _quiet_days(cls, value: str, info: ValidationInfo) -> str:
        parses(info, value, lambda text, tz: per_carrier(text, None), "'4, dhl=3, usps=6'")
        return value

    @field_validator("oncall_handoff")
    @classmethod
    def _handoff(cls, value: str, info: ValidationInfo) -> str:
        parses(
            info, value, lambda text, tz: Rotation.parse(["U0"], text, 7, tz), "'mon 09:00' (24-hour time)"
        )
        return value

    @field_validator("digest_time")
    @classmethod
    def _time_of_day(cls, value: str, info: ValidationInfo) -> str:
        if value.strip():
            try:
                dt_time.fromisoformat(value.strip())
            except ValueError as e:
                raise ValueError(
                    f"{env_name(info)}={value!r} is not a time of day: write it like 08:00, or leave it empty for none"
                ) from e
        return value.strip()

    @field_validator("guard_disabled_rules")
    @classmethod
    def _known_rules(cls, value: list[str], info: ValidationInfo) -> list[str]:
        try:
            return known_rules(value)
        except ValueError as e:
            raise ValueError(f"{env_name(info)}: {e}") from e

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("amazon_sender_domains", "guard_disabled_rules", "guard_allowed_domains", mode="before")
    @classmethod
    def _split_domains(cls, value: Any) -> Any:
        return [v.lower() for v in comma_list(value)] if isinstance(value, str) else value

    @field_validator("oncall_members", "responders", "leads", "reply_senders", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        return comma_list(value) if isinstance(value, str) else value  # Slack ids keep their case

    @field_validator("responders", "leads", "reply_senders")
    @classmethod
    def _slack_ids(cls, value: list[str], info: ValidationInfo) -> list[str]:
        wrong = [v for v in value if not re.fullmatch(r"[UWS][A-Z0-9]+", v)]
        if wrong:
            raise ValueError(f"{env_name(info)}: {wrong} are no Slack ids; write them like U0ANNA or S0TEAM")
        return value

    @model_validator(mode="after")
    def _old_reply_senders(self) -> Settings:
        """INBOX_BOT_REPLY_SENDERS, deprecated, still names responders."""
        self.responders += [u for u in self.reply_senders if u not in self.responders]
        return self

    @field_validator("notice_deadlines", mode="before")
    @classmethod
    def _split_hours(cls, value: Any) -> Any:
        return notice_hours(value)

    @field_validator("tracking_providers", mode="before")
    @classmethod
    def _split_providers(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {
                c.lower(): p.lower()
                for c, p in comma_pairs(value, "carrier=provider pairs", "dhl=dhl,*=17track")
            }
        return value

    @property
    def sp_api_enabled(self) -> bool:
        """Whether SP-API credentials are configured."""
        return bool(self.sp_api_refresh_token and self.lwa_app_id and self.lwa_client_secret)

    @property
    def authentication_required(self) -> bool:
        """Whether Amazon mail must be authenticated (explicitly, or because a method is configured)."""
        if self.require_authenticated_amazon is not None:
            return self.require_authenticated_amazon
        return self.dkim_verify or bool(self.trusted_authserv_id)

    @property
    def max_mail_bytes(self) -> int:
        """INBOX_BOT_MAX_MAIL_MB in bytes."""
        return int(self.max_mail_mb * 1024 * 1024)

    @property
    def photo_max_bytes(self) -> int:
        """INBOX_BOT_PHOTO_MAX_MB in bytes."""
        return int(self.photo_max_mb * 1024 * 1024)

    @property
    def database(self) -> DatabaseUrl:
        """INBOX_BOT_DATABASE_URL, else the SQLite file INBOX_BOT_DATABASE_PATH."""
        url = self.database_url.get_secret_value()
        return (
            DatabaseUrl.parse(url, path_allowed=False)
            if url
            else DatabaseUrl("sqlite", path=self.database_path)
        )

    @property
    def tz(self) -> ZoneInfo:
        """The team's display timezone."""
        return ZoneInfo(self.timezone)
