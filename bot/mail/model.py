"""What the relay-mail parser returns."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class MailKind(StrEnum):
    """What a mail in the seller's mailbox is."""

    BUYER_MESSAGE = "buyer_message"
    CONFIRMATION = "confirmation"  # Amazon's copy of the seller's own reply: never a buyer message
    AMAZON_NOTICE = "amazon_notice"  # cancellation request, A-to-z claim, return, refund, not delivered…
    OTHER = "other"  # not from Amazon
    SUSPICIOUS = "suspicious"  # claims to be Amazon's and is not: shown with why, never answered


class NoticeType(StrEnum):
    """Normalised kinds of Amazon notices; an unknown header value is kept as its lower-case text."""

    CANCELLATION_REQUEST = "cancellation_request"
    A_TO_Z_CLAIM = "a_to_z_claim"
    CHARGEBACK = "chargeback"
    RETURN_REQUEST = "return_request"
    REFUND_ISSUED = "refund_issued"
    MESSAGE_NOT_DELIVERED = "message_not_delivered"
    OTHER = "other_notice"


@dataclass(frozen=True)
class Attachment:
    """One attached file: name, MIME type and decoded size in bytes."""

    filename: str
    content_type: str
    size: int


@dataclass
class ParsedMail:
    """A relay mail taken apart; absent values are None."""

    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    kind: MailKind = MailKind.OTHER
    notice_type: str | None = None
    order_id: str | None = None
    account: str | None = None  # which Amazon account (bot/accounts.py; None: the first), set by intake
    buyer_name: str | None = None
    buyer_alias: str | None = None
    marketplace: str | None = None
    language: str | None = None
    topic: str | None = None
    subject: str | None = None
    text: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    no_response_link: str | None = None
    sender: str | None = None
    date: datetime | None = None
    error: str | None = None
    suspicion: str | None = None  # why a mail that claims to be Amazon's is not believed
    raw_sha256: str = ""

    @property
    def dedupe_key(self) -> str:
        """The Message-ID, or a stable id made from the raw bytes when the mail has none."""
        return self.message_id or f"<{self.raw_sha256[:40]}@inbox-bot.invalid>"

    @property
    def is_raw(self) -> bool:
        """True when the mail could not be taken apart and must be shown as it came."""
        return self.error is not None

    def to_json(self, file: str | None = None) -> dict[str, Any]:
        """The documented JSON shape of `inbox-bot parse --json`."""
        out: dict[str, Any] = {"file": file} if file is not None else {}
        out.update(
            message_id=self.message_id,
            in_reply_to=self.in_reply_to,
            kind=self.kind.value,
            notice_type=self.notice_type,
            order_id=self.order_id,
            buyer_name=self.buyer_name,
            buyer_alias=self.buyer_alias,
            marketplace=self.marketplace,
            language=self.language,
            topic=self.topic,
            subject=self.subject,
            text=self.text,
            attachments=[asdict(a) for a in self.attachments],
            no_response_link=self.no_response_link,
            suspicion=self.suspicion,
            error=self.error,
        )
        return out


def sha256(raw: bytes) -> str:
    """Hex SHA-256 of the raw mail."""
    return hashlib.sha256(raw).hexdigest()
