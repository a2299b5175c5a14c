"""From a raw mail to stored conversation, message and outbox items, in one transaction."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.accounts import Accounts
from bot.cards.card import PostKind, split_for_card
from bot.clock.sla import deadline_for, response_hours
from bot.mail import undelivered
from bot.mail.belongs import conversation_key, same_buyer
from bot.mail.intents import classify
from bot.mail.model import MailKind, ParsedMail
from bot.mail.parser import RAW_PREVIEW_CHARS, parse_relay_mail, raw_preview
from bot.mail.photos import looks_like_photo
from bot.mail.related import link_buyer, link_notice
from bot.mail.source import IncomingMail
from bot.mail.trust import Authenticator, authenticate, authenticator_from
from bot.ops.logs import log_context
from bot.settings import Settings
from bot.store.store import ANSWERED_OUTSIDE_SLACK, ConversationState, Store, iso, parse_iso

log = logging.getLogger(__name__)

MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_DATE_LAG = timedelta(days=1)
MAX_PHOTOS = 10  # pictures of one message shown in the thread (the rest stay listed on the card)
Pairs = list[tuple[ParsedMail, IncomingMail]]  # a batch: each mail parsed
Stored = list[tuple[ParsedMail, "IngestResult"]]


@dataclass(frozen=True)
class IngestResult:
    """What intake did with one mail."""

    message_id: str
    duplicate: bool = False
    conversation_id: int | None = None
    message_row: int | None = None
    followup: bool = False
    posted: bool = False  # whether a Slack post was queued


def arrival_time(parsed: ParsedMail, internal_date: datetime | None, now: datetime) -> datetime:
    """When the buyer's message arrived: the server's delivery time, or Amazon's Date header if earlier."""
    arrived = internal_date if internal_date and internal_date <= now + MAX_CLOCK_SKEW else now
    if parsed.date and parsed.date < arrived and arrived - parsed.date <= MAX_DATE_LAG:
        arrived = parsed.date  # conservative: the 24-hour clock started when Amazon sent it
    return min(arrived, now)


class Intake:
    """Stores each incoming mail exactly once and queues what Slack must show."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        on_queued: Callable[[], None] | None = None,
        on_order: Callable[[str, str | None], None] | None = None,
        authenticator: Authenticator | None = None,
        accounts: Accounts | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.accounts = accounts or Accounts.from_settings(settings)  # whose mailbox, channel and clock
        self.authenticator = authenticator or authenticator_from(settings)
        self.on_queued = on_queued
        self.on_order = on_order  # starts fetching the order and its tracking as soon as a mail names it

    async def handle(self, mail: IncomingMail) -> IngestResult:
        """Parse and store one mail; never raises for bad mail (it becomes a raw card)."""
        return (await self.handle_many([mail]))[0]

    async def handle_many(self, mails: Sequence[IncomingMail]) -> list[IngestResult]:
        """Parse and store a batch of mails (as a source fetched them) in one transaction, then start their work.

        The transaction is one piece of synchronous store work (Store.run: on PostgreSQL in the store's thread, the
        loop goes on with clicks and posts), so no other task's writes join it. If the batch cannot be stored
        together, each mail is stored on its own, so one bad row holds back nobody else."""
        parsed = [self.parse(m) for m in mails]
        if self.authenticator.required:
            if self.authenticator.dkim_verify:  # DNS lookups: off the event loop
                await asyncio.to_thread(self._authenticate, parsed, mails)
            else:
                self._authenticate(parsed, mails)
        pairs = list(zip(parsed, mails, strict=True))
        try:
            results = await self.store.run(self._store_batch, pairs)
        except Exception:
            if len(mails) == 1:
                raise
            log.warning(
                "%d mails could not be stored together; storing them one by one", len(mails), exc_info=True
            )
            return await self._one_by_one(pairs)
        for p, result in zip(parsed, results, strict=True):
            self._started(p, result)
        await asyncio.sleep(0)  # between batches of a backlog, let Slack's clicks and the poster run
        return results

    def _authenticate(self, parsed: list[ParsedMail], mails: Sequence[IncomingMail]) -> None:
        for p, m in zip(parsed, mails, strict=True):
            authenticate(p, m.raw, self.authenticator)

    def parse(self, mail: IncomingMail) -> ParsedMail:
        """Take a mail apart; one too large to hold is a raw card with its header and the start of its text."""
        parsed = parse_relay_mail(mail.raw, amazon_domains=self.settings.amazon_sender_domains)
        parsed.account = self.accounts.route(mail.account, parsed.marketplace)
        if not mail.too_large:
            return parsed
        size = f"{(mail.size or 0) / 1048576:.1f} MB"
        parsed.error = (
            f"too large to show ({size}; the limit is INBOX_BOT_MAX_MAIL_MB={self.settings.max_mail_mb:g}): "
            "only its header and the start of its text were read"
        )
        parsed.text = (parsed.text or raw_preview(mail.raw))[:RAW_PREVIEW_CHARS]
        return parsed

    def _ingest(self, parsed: ParsedMail, mail: IncomingMail) -> IngestResult:
        return self.ingest(
            parsed,
            mail.raw,
            source_ref=mail.source_ref,
            internal_date=mail.internal_date,
            size=mail.size,
            location=mail.location,
        )

    def _store_batch(self, pairs: Pairs) -> list[IngestResult]:
        with self.store.transaction():
            return [self._ingest(p, m) for p, m in pairs]

    async def _one_by_one(self, pairs: Pairs) -> list[IngestResult]:
        """Store each mail in its own transaction; the first failure is raised after the others were stored."""
        stored: Stored = []
        failure: Exception | None = await self.store.run(self._store_each, pairs, stored)
        for p, result in stored:
            self._started(p, result)
        if failure is not None:
            raise failure  # the source keeps its checkpoint and reads the batch again; the stored ones are duplicates
        return [result for _, result in stored]

    def _store_each(self, pairs: Pairs, stored: Stored) -> Exception | None:
        failure: Exception | None = None
        for p, m in pairs:
            try:
                stored.append((p, self._ingest(p, m)))
            except Exception as e:
                log.exception("mail %s (%s) could not be stored: %s", p.dedupe_key, m.source_ref, e)
                failure = failure or e
        return failure

    def _started(self, parsed: ParsedMail, result: IngestResult) -> None:
        """Log a stored mail and start what follows from it: its order lookup and its Slack post."""
        with log_context(
            message_id=result.message_id, order_id=parsed.order_id, conversation_id=result.conversation_id
        ):
            self._start(parsed, result)

    def _start(self, parsed: ParsedMail, result: IngestResult) -> None:
        if result.duplicate:
            log.info("mail %s already stored; skipped", result.message_id)
        else:
            log.info(
                "mail %s stored: kind=%s order=%s conversation=%s%s",
                result.message_id,
                parsed.kind.value,
                parsed.order_id,
                result.conversation_id,
                " (follow-up)" if result.followup else "",
            )
            if parsed.is_raw:
                log.warning(
                    "mail %s could not be parsed (%s); posted as a raw card", result.message_id, parsed.error
                )
        if (
            self.on_order
            and not result.duplicate
            and parsed.order_id
            and not parsed.is_raw
            and parsed.kind in (MailKind.BUYER_MESSAGE, MailKind.AMAZON_NOTICE)
        ):
            self.on_order(parsed.order_id, parsed.marketplace)
        if result.posted and self.on_queued:
            self.on_queued()

    def ingest(
        self,
        parsed: ParsedMail,
        raw: bytes,
        *,
        source_ref: str,
        internal_date: datetime | None,
        size: int | None = None,
        location: str | None = None,
    ) -> IngestResult:
        """Store one parsed mail with its conversation and outbox items atomically (a mail too large to hold: its
        header and first part as `raw`, its full `size` and the `location` where it can be read)."""
        store = self.store
        key = parsed.dedupe_key
        with store.transaction():
            if store.has_message(message_id=key):
                return IngestResult(message_id=key, duplicate=True)
            now = store.clock.now()
            received = arrival_time(parsed, internal_date, now)
            message: dict[str, Any] = {
                "message_id": key,
                "direction": "in",
                "kind": parsed.kind.value,
                "notice_type": parsed.notice_type,
                "received_at": iso(received),
                "sender": parsed.sender,
                "subject": parsed.subject,
                "topic": parsed.topic,
                "text": parsed.text,
                "language": parsed.language,
                "attachments": [a.__dict__ for a in parsed.attachments],
                "no_response_link": parsed.no_response_link,
                "suspicion": parsed.suspicion,
                "in_reply_to": parsed.in_reply_to,
                "refs": parsed.references,
                "parse_error": parsed.error,
                "intent": classify(
                    parsed.text, topic=parsed.topic, has_order=bool(parsed.order_id), explain=False
                ).intent
                if parsed.kind is MailKind.BUYER_MESSAGE and not parsed.is_raw
                else None,
                "raw": raw,
                "raw_sha256": parsed.raw_sha256,
                "source_ref": source_ref,
                "size": size if size is not None else len(raw),
                "location": location,
                "purge_after": iso(now + timedelta(days=self.settings.raw_retention_days)),
            }
            if parsed.kind is MailKind.CONFIRMATION and not parsed.is_raw:
                return self._confirmation(parsed, message, received)
            if (
                parsed.kind is MailKind.OTHER
                and not parsed.is_raw
                and self.settings.non_amazon_mail == "ignore"
            ):
                row = store.insert_message(**message)
                log.info("mail %s from %s is not from Amazon; stored, not posted", key, parsed.sender)
                return IngestResult(message_id=key, message_row=row)
            if parsed.kind is MailKind.BUYER_MESSAGE and not parsed.is_raw:
                return self._buyer_message(parsed, message, received)
            return self._standalone(parsed, message, received)

    def _buyer_message(self, parsed: ParsedMail, message: dict[str, Any], received: datetime) -> IngestResult:
        store = self.store
        deadline = deadline_for(received, self.settings.response_hours)  # a buyer message: the team's window
        conv = store.conversation_for_message_ids(
            message_ids=[m for m in [parsed.in_reply_to, *parsed.references] if m]
        )
        if conv is not None and not same_buyer(conv, parsed):
            # In-Reply-To alone never joins a conversation: its buyer (alias) and order must agree too
            log.warning(
                "mail %s refers to conversation %s of another buyer or order; not joined to it",
                parsed.dedupe_key,
                conv["id"],
            )
            conv = None
        conv = conv or store.conversation_by_key(key=conversation_key(parsed))
        if conv is None:
            conv_id = store.create_conversation(
                key=conversation_key(parsed),
                kind="buyer",
                account=parsed.account,
                buyer_alias=parsed.buyer_alias,
                buyer_name=parsed.buyer_name,
                marketplace=parsed.marketplace,
                order_id=parsed.order_id,
                language=parsed.language,
                topic=parsed.topic,
                opened_at=iso(received),
                deadline=iso(deadline),
                last_message_at=iso(received),
                message_count=1,
            )
            row = store.insert_message(conversation_id=conv_id, **message)
            self._queue(PostKind.CARD, f"card:{parsed.dedupe_key}", conv_id, row, deadline)
            self._queue_continuations(parsed, conv_id, row, deadline)
            self._queue_photos(parsed, conv_id, row, deadline)
            link_buyer(store, conv_id, parsed.order_id, self._channel, deadline)
            store.audit(
                actor="intake",
                action="conversation_opened",
                conversation_id=conv_id,
                message=parsed.dedupe_key,
            )
            return IngestResult(parsed.dedupe_key, conversation_id=conv_id, message_row=row, posted=True)

        conv_id = int(conv["id"])
        changes: dict[str, object] = {
            "message_count": int(conv["message_count"] or 0) + 1,
            "last_message_at": iso(max(received, parse_iso(conv["last_message_at"]) or received)),
            "buyer_name": conv["buyer_name"] or parsed.buyer_name,
            "order_id": conv["order_id"] or parsed.order_id,
            "topic": conv["topic"] or parsed.topic,
            "buyer_alias": parsed.buyer_alias or conv["buyer_alias"],
        }
        current = parse_iso(conv["deadline"])
        if conv["state"] != ConversationState.OPEN or current is None:
            store.reopen(conversation_id=conv_id, opened_at=received, deadline=deadline, **changes)
            store.audit(actor="intake", action="conversation_reopened", conversation_id=conv_id)
        else:
            deadline = min(current, deadline)
            store.update_conversation(conversation_id=conv_id, deadline=iso(deadline), **changes)
        row = store.insert_message(conversation_id=conv_id, **message)
        self._queue(PostKind.THREAD, f"thread:{parsed.dedupe_key}", conv_id, row, deadline)
        self._queue_continuations(parsed, conv_id, row, deadline)
        self._queue_photos(parsed, conv_id, row, deadline)
        self._queue(PostKind.UPDATE, f"update:{conv_id}:{row}", conv_id, row, deadline)
        return IngestResult(
            message_id=parsed.dedupe_key, conversation_id=conv_id, message_row=row, followup=True, posted=True
        )

    def _standalone(self, parsed: ParsedMail, message: dict[str, Any], received: datetime) -> IngestResult:
        """A card of its own: an Amazon notice, an unreadable mail, or (if configured) a non-Amazon mail."""
        joined = undelivered.conversation_for(self.store, parsed) if not parsed.is_raw else None
        if joined is not None:  # "your message was not delivered": the conversation it is about opens again
            conv_id, row, due, note = undelivered.join(
                self.store, self.settings, parsed, message, received, joined
            )
            self._queue(PostKind.THREAD, f"thread:{parsed.dedupe_key}", conv_id, row, due, payload=note)
            self._queue(PostKind.UPDATE, f"update:{conv_id}:{row}", conv_id, row, due)
            return IngestResult(parsed.dedupe_key, conversation_id=conv_id, message_row=row, posted=True)
        kind = (
            "raw"
            if parsed.is_raw
            else {MailKind.AMAZON_NOTICE: "notice", MailKind.SUSPICIOUS: "suspicious"}.get(
                parsed.kind, "other"
            )
        )
        hours = response_hours(self.settings, kind=kind, notice_type=parsed.notice_type)
        deadline = deadline_for(received, hours) if hours else None
        conv_id = self.store.create_conversation(
            key=f"mail:{parsed.dedupe_key}",
            kind=kind,
            account=parsed.account,
            marketplace=parsed.marketplace,
            order_id=parsed.order_id,
            language=parsed.language,
            notice_type=parsed.notice_type,
            buyer_alias=parsed.buyer_alias,
            buyer_name=parsed.buyer_name,
            opened_at=iso(received),
            deadline=iso(deadline) if deadline else None,
            last_message_at=iso(received),
            message_count=1,
        )
        row = self.store.insert_message(conversation_id=conv_id, **message)
        # a card without a clock of its own is posted in the order a buyer message arriving with it would be
        due = deadline or deadline_for(received, self.settings.response_hours)
        self._queue(PostKind.CARD, f"card:{parsed.dedupe_key}", conv_id, row, due)
        if kind == "notice":
            link_notice(
                self.store, notice_id=conv_id, order_id=parsed.order_id, channel_of=self._channel, due=due
            )
        return IngestResult(parsed.dedupe_key, conversation_id=conv_id, message_row=row, posted=True)

    def _confirmation(self, parsed: ParsedMail, message: dict[str, Any], received: datetime) -> IngestResult:
        """Amazon's copy of a reply the seller sent: never a buyer message; marks the order's conversation answered."""
        store = self.store
        message = {**message, "direction": "out"}
        conv = None
        if parsed.order_id:
            conv = store.open_conversation_for_order(order_id=parsed.order_id)
        if conv is None:
            row = store.insert_message(**message)
            log.info("confirmation %s matches no open conversation; stored only", parsed.dedupe_key)
            return IngestResult(message_id=parsed.dedupe_key, message_row=row)
        conv_id = int(conv["id"])
        row = store.insert_message(conversation_id=conv_id, **message)
        store.answer(conversation_id=conv_id, by=ANSWERED_OUTSIDE_SLACK, at=received)
        store.audit(
            actor="amazon",
            action="answered_outside_slack",
            conversation_id=conv_id,
            message=parsed.dedupe_key,
        )
        due = parse_iso(conv["deadline"]) or received
        self._queue(PostKind.THREAD, f"thread:{parsed.dedupe_key}", conv_id, row, due)
        self._queue(PostKind.UPDATE, f"update:{conv_id}:{row}", conv_id, row, due)
        return IngestResult(parsed.dedupe_key, conversation_id=conv_id, message_row=row, posted=True)

    def _queue(
        self, kind: PostKind, dedupe_key: str, conv_id: int, row: int, due: datetime, **extra: object
    ) -> None:
        self.store.enqueue(
            kind=kind.value,
            dedupe_key=dedupe_key,
            due_by=iso(due),
            conversation_id=conv_id,
            message_row=row,
            channel=self._channel(conv_id),
            **extra,
        )

    def _channel(self, conv_id: int) -> str:
        """Where the conversation's posts go: its card's channel, or (before the card is posted) its account's."""
        return self.accounts.channel_of(self.store.conversation(conversation_id=conv_id) or {})

    def _queue_continuations(self, parsed: ParsedMail, conv_id: int, row: int, due: datetime) -> None:
        _, rest = split_for_card(parsed.text or "")
        for part in range(1, len(rest) + 1):
            self._queue(
                PostKind.THREAD, f"cont:{parsed.dedupe_key}:{part}", conv_id, row, due, payload={"part": part}
            )

    def _queue_photos(self, parsed: ParsedMail, conv_id: int, row: int, due: datetime) -> None:
        """A buyer's pictures (up to the size cap, at most MAX_PHOTOS) go into the card's thread."""
        shown = 0
        for index, attachment in enumerate(parsed.attachments):
            if shown >= MAX_PHOTOS or not looks_like_photo(attachment):
                continue
            if not 0 < attachment.size <= self.settings.photo_max_bytes:
                continue  # the card lists it with its size
            shown += 1
            self._queue(
                PostKind.PHOTO,
                f"photo:{parsed.dedupe_key}:{index}",
                conv_id,
                row,
                due,
                payload={"photo": index, "filename": attachment.filename},
            )
