"""Drains the outbox into Slack: earliest deadline first, paced, exactly once across crashes."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.cards import card as B
from bot.cards import claims as CB
from bot.cards import clock as SB
from bot.cards import notices
from bot.cards import reply as RB
from bot.cards.card import CardTime, PostKind
from bot.cards.order import evidence_blocks, order_blocks
from bot.clock.claims import windows_of
from bot.clock.clocks import Clock
from bot.mail.parser import raw_preview
from bot.ops.logs import bind, log_context
from bot.replies.service import Replies
from bot.services.slack import BLOCK_ERRORS, SlackError, SlackGateway
from bot.settings import Settings
from bot.store.store import Row, Store, parse_iso
from bot.workers.enricher import Enricher
from bot.workers.loop import work_forever
from bot.workers.outbox import Outbox
from bot.workers.photos import PhotoPoster

log = logging.getLogger(__name__)

MAX_RETRY_DELAY = 300.0
WAIT_FOR_PARENT = 2.0


class Poster:
    """Turns outbox items into Slack posts and updates."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        slack: SlackGateway,
        clock: Clock,
        *,
        outbox: Outbox,
        enricher: Enricher,
        replies: Replies,
        on_card: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        self.on_card = on_card  # told of each card posted (the metrics)
        self.store = store
        self.slack = slack
        self.clock = clock
        self.outbox = outbox
        self.enricher = enricher
        self.replies = replies
        self.photos = PhotoPoster(settings, store, slack, clock)
        self.wake = outbox.wake  # set whenever something is queued

    def card_time(self) -> CardTime:
        """The clock and timezone cards are drawn with."""
        return CardTime(now=self.clock.now(), tz=self.settings.tz)

    async def run(self) -> None:
        """Post forever; sleeps until woken by intake or until the next retry is due."""
        await work_forever(
            "outbox",
            drain=self.drain,
            next_due=lambda: self.store.run(self.store.next_outbox_time),
            wake=self.wake,
            clock=self.clock,
            idle=5.0,
        )

    async def drain(self, *, limit: int = 50) -> bool:
        """Process the due items once; True if any item was handled."""
        self.wake.clear()
        items = await self.store.run(self.store.due_outbox, limit=limit)
        for item in items:
            await self.process(item)
            if self.wake.is_set():
                break  # something new was queued: read the queue again, earliest deadline first
        return bool(items)

    async def process(self, item: Row) -> None:
        """Post, update or recover one outbox item; failures are recorded and retried later."""
        with log_context(conversation_id=item["conversation_id"]):
            await self._process(item)

    async def _process(self, item: Row) -> None:
        outbox_id = int(item["id"])
        conv = (
            await self.store.run(self.store.conversation, conversation_id=item["conversation_id"])
            if item["conversation_id"]
            else None
        )
        if conv is not None:
            bind(order_id=conv.get("order_id"), slack_ts=conv.get("slack_ts"))
        message = (
            await self.store.run(self.store.message, row_id=item["message_row"])
            if item["message_row"]
            else None
        )
        if message is None and conv is not None and item["kind"] != PostKind.CARD:
            message = {}  # thread notes about sends and card updates need no message of their own
        channel = item["channel"] or self.outbox.channel_of(conv or {})
        if item["kind"] == PostKind.NOTE:
            try:
                await self._post(item, conv or {}, message or {}, channel)
            except SlackError as e:
                await self.store.run(self._retry_later, item, e)
            return
        if conv is None or message is None:
            log.error("outbox %d refers to a missing conversation or message; dropped", outbox_id)
            await self.store.run(
                self.store.defer_outbox,
                outbox_id=outbox_id,
                until=self.clock.now(),
                error="missing rows",
                failed=True,
            )
            return
        try:
            if item["kind"] in (PostKind.PHOTO, PostKind.FILE):
                await self.photos.process(item, conv, message, channel)
            elif item["kind"] == PostKind.UPDATE:
                # a change from now on queues its own redraw
                await self.store.run(self.store.mark_in_flight, outbox_id=outbox_id)
                await self._update(item, conv, channel)
            else:
                await self._post(item, conv, message, channel)
        except SlackError as e:
            await self.store.run(self._retry_later, item, e)

    def render(self, item: Row, conv: Row, message: Row) -> B.Message:
        """The Slack message an outbox item stands for, drawn from the current stored state."""
        at = self.card_time()
        if item["kind"] in (PostKind.CARD, PostKind.UPDATE):
            return self.card(conv, message, at)
        payload: dict[str, Any] = json.loads(item["payload"]) if item.get("payload") else {}
        if "follow_up" in payload:
            return SB.follow_up(payload, at)
        if "parcel" in payload:
            return SB.parcel_note(payload, at)
        if "claim_window" in payload:
            return CB.window_note(payload, at)
        if "evidence" in payload:
            evidence = self.store.evidence(evidence_id=int(payload["evidence"]))
            name = str(payload.get("filename") or "")
            return CB.evidence_note(evidence, at, notice_type=conv.get("notice_type"), filename=name)
        if "quiet" in payload:
            return SB.quiet_mailbox(payload, at)
        if "quota" in payload:
            return SB.full_mailbox(payload, at)
        if "sla" in payload:
            return SB.reminder(payload["sla"], at, direct=item["kind"] == PostKind.NOTE)
        if "handoff" in payload:
            return SB.handoff(payload, at)
        if "digest" in payload:
            return SB.digest(payload, at)
        if "weekly" in payload:
            return SB.weekly(payload, at)
        if "case" in payload:
            return SB.case_note(payload, at)
        if "auto_held" in payload:
            return RB.auto_held(payload, at)
        if "job_failed" in payload:
            return SB.job_failed(payload, at)
        if "related" in payload:
            return notices.related_note(payload, at)
        if "undelivered" in payload:
            send = self.store.send(send_id=int(payload["undelivered"])) if payload["undelivered"] else None
            return notices.undelivered_note(message, send, at)
        if "send" in payload:
            send = self.store.send(send_id=int(payload["send"])) or {
                "id": payload["send"],
                "by_user": "?",
                "text": "",
            }
            return RB.send_note(send, str(payload.get("event")), at)
        if "part" in payload:
            return B.continuation(message, int(payload["part"]))
        if message["direction"] == "out":
            return B.confirmation_note(message, at)
        return B.followup_message(message, at)

    def card(self, conv: Row, message: Row, at: CardTime) -> B.Message:
        """A conversation's parent card as it should look now; with several Amazon accounts, it says whose."""
        drawn = self._card(conv, message, at)
        accounts = self.replies.accounts.accounts
        if accounts.several or not accounts.known(conv.get("account")):
            label = accounts.label(conv.get("account"))
            whose = {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"*Account:* {B.escape(label)}"}],
            }
            drawn["blocks"] = B.limit(
                [*drawn["blocks"][:1], whose, *drawn["blocks"][1:]]
            )  # Slack's 50 at most
            drawn["text"] = f"[{label}] {drawn['text']}"
        return drawn

    def _card(self, conv: Row, message: Row, at: CardTime) -> B.Message:
        view = self.enricher.order_view(conv)
        templates = None
        if conv["kind"] in ("buyer", "notice"):  # a message to the buyer first, with any template
            library = self.replies.accounts.library(conv.get("account"))
            templates = [
                (key, library.get(key, conv.get("language"))[0].label) for key in library.template_keys()
            ]
        extra = order_blocks(view, at, conversation_id=int(conv["id"]), templates=templates) if view else []
        if conv["kind"] == "buyer":
            advice = self.replies.advice(conv)
            latest = advice.latest or message
            suggested = advice.suggested
            invoice = self.replies.invoice_for(conv.get("order_id")) is not None and any(
                t.key in ("invoice_request", "invoice_resent") for t in suggested[: RB.SUGGESTED]
            )
            extra += RB.reply_blocks(
                conv,
                at,
                suggested=suggested,
                others=advice.others,
                reason=advice.reason,
                unsure=advice.unsure,
                no_response_link=latest.get("no_response_link"),
                invoice=invoice,
                manual=bool(self.settings.products) and bool(self.replies.manuals_for(conv)),
            )
            if conv.get("state") == "open":
                for note in (
                    advice.recommendation,
                    self.replies.invoice_note(conv, suggested),
                ):
                    if note:
                        extra.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
            return B.buyer_card(conv, latest, at, extra=extra)
        if conv["kind"] == "notice":
            if view is not None and conv.get("notice_type") in ("a_to_z_claim", "chargeback"):
                extra = evidence_blocks(view, at) + extra
            if windows := windows_of(conv):
                extra = CB.claim_blocks(conv, windows, at) + extra
            if conv.get("deadline"):
                extra += RB.notice_actions(conv, at)
            return B.notice_card(conv, message, at, extra=extra)
        if conv["kind"] == "suspicious":
            return B.suspicious_card(conv, message, at)
        if conv["kind"] == "raw":
            return B.raw_card(conv, message, at, raw_preview(message.get("raw") or b""))
        return B.other_card(conv, message, at)

    async def _post(self, item: Row, conv: Row, message: Row, channel: str) -> None:
        outbox_id = int(item["id"])
        thread_ts = None
        if item["kind"] == PostKind.THREAD:
            thread_ts = conv.get("slack_ts")
            if not thread_ts:  # the parent card is not posted yet
                await self.store.run(
                    self.store.defer_outbox,
                    outbox_id=outbox_id,
                    until=self.clock.now() + timedelta(seconds=WAIT_FOR_PARENT),
                    error="waiting for the parent card",
                )
                return
        key = str(item["dedupe_key"])
        if "related" in (json.loads(item["payload"]) if item.get("payload") else {}):
            related = await self._related(item)
            if related is None:
                return  # the other card is not posted yet: deferred
            item = related
        if item["kind"] == PostKind.CARD and conv.get("order_id"):
            # the card is drawn from the conversation as stored after the wait (_render_now)
            await self.enricher.wait(conv["order_id"], self.settings.enrich_deadline)
        attempt = await self.store.run(self.store.mark_in_flight, outbox_id=outbox_id)
        direct = item["kind"] == PostKind.NOTE and not channel.startswith("C")
        if (
            attempt > 1 and not direct
        ):  # a DM's history is not searchable by channel id: at worst one DM twice
            created = parse_iso(item["created_at"]) or self.clock.now()
            found = await self.slack.find_post(channel=channel, key=key, oldest=created, thread_ts=thread_ts)
            if found:
                log.info(
                    "outbox %d (%s) was posted before a restart as %s; recorded, not reposted",
                    outbox_id,
                    key,
                    found,
                )
                await self.store.run(self._complete, item, channel, found, thread_ts)
                return
        rendered = await self.store.run(self._render_now, item, conv, message)
        try:
            ts = await self.slack.post(
                channel=channel,
                text=rendered["text"],
                blocks=rendered["blocks"],
                thread_ts=thread_ts,
                key=key,
            )
        except SlackError as e:
            if e.code not in BLOCK_ERRORS:
                raise
            log.error("Slack refused the blocks of %s (%s); posting as plain text", key, e.code)
            ts = await self.slack.post(
                channel=channel, text=plain_text(rendered), thread_ts=thread_ts, key=key
            )
        await self.store.run(self._complete, item, channel, ts, thread_ts)

    async def _related(self, item: Row) -> Row | None:
        """The item with a link to the other card about the same order; None (deferred) until that card is posted."""
        payload = json.loads(item["payload"])
        other = await self.store.run(self.store.conversation, conversation_id=int(payload["related"])) or {}
        if not other.get("slack_ts"):
            await self.store.run(
                self.store.defer_outbox,
                outbox_id=int(item["id"]),
                until=self.clock.now() + timedelta(seconds=WAIT_FOR_PARENT),
                error="waiting for the other card",
            )
            return None
        try:
            link = await self.slack.permalink(channel=str(other["slack_channel"]), ts=str(other["slack_ts"]))
        except SlackError:
            link = None  # the note names the card without a link
        facts = {k: other.get(k) for k in ("kind", "notice_type", "buyer_name", "order_id")}
        return {**item, "payload": json.dumps({**payload, **facts, "link": link})}

    def _render_now(self, item: Row, conv: Row, message: Row) -> B.Message:
        """`render` from the conversation as stored now (after the item was marked in flight, so a change made
        before shows here and one made later queues its own redraw), in one piece of store work."""
        fresh = self.store.conversation(conversation_id=int(conv["id"])) if conv.get("id") else None
        return self.render(item, fresh or conv, message)

    def _complete(self, item: Row, channel: str, ts: str, thread_ts: str | None) -> None:
        role = {PostKind.CARD: "card", PostKind.THREAD: "thread", PostKind.NOTE: "note"}[
            PostKind(item["kind"])
        ]
        self.store.complete_outbox(
            outbox_id=int(item["id"]), channel=channel, ts=ts, thread_ts=thread_ts, role=role
        )
        if role == "card" and self.on_card is not None:
            self.on_card()

    async def _update(self, item: Row, conv: Row, channel: str) -> None:
        if not conv.get("slack_ts"):
            await self.store.run(
                self.store.defer_outbox,
                outbox_id=int(item["id"]),
                until=self.clock.now() + timedelta(seconds=WAIT_FOR_PARENT),
                error="waiting for the parent card",
            )
            return
        message = (
            await self.store.run(self.store.latest_buyer_message, conversation_id=int(conv["id"]))
            if conv["kind"] == "buyer"
            else None
        )
        if message is None and item.get("message_row"):
            message = await self.store.run(self.store.message, row_id=int(item["message_row"]))
        if message is None:
            await self.store.run(self.store.complete_outbox, outbox_id=int(item["id"]))
            return
        rendered = await self.store.run(self._render_now, item, conv, message)
        await self.slack.update(
            channel=conv.get("slack_channel") or channel,
            ts=conv["slack_ts"],
            text=rendered["text"],
            blocks=rendered["blocks"],
        )
        await self.store.run(self.store.complete_outbox, outbox_id=int(item["id"]))

    def _retry_later(self, item: Row, error: SlackError) -> None:
        attempts = int(item.get("attempts") or 0) + 1
        if error.retry_after is not None:
            delay = error.retry_after
        else:
            delay = min(MAX_RETRY_DELAY, 2.0 ** min(attempts, 9))
            log.error(
                "Slack refused outbox %s (%s, attempt %d): %s; retrying in %.0f s",
                item["id"],
                item["dedupe_key"],
                attempts,
                error,
                delay,
            )
        self.store.defer_outbox(
            outbox_id=int(item["id"]),
            until=self.clock.now() + timedelta(seconds=delay),
            error=str(error),
            not_sent=error.retry_after
            is not None,  # a 429 means Slack did not post it: no lookup needed next time
        )


def plain_text(message: B.Message) -> str:
    """Every text of a rendered message, joined, for a post without blocks."""
    parts: list[str] = []
    for block in message.get("blocks", []):
        for field in ("text",):
            value = block.get(field)
            if isinstance(value, dict):
                parts.append(str(value.get("text", "")))
        for element in block.get("fields", []) + block.get("elements", []):
            if isinstance(element, dict) and "text" in element:
                parts.append(str(element["text"]))
    return B.truncate("\n".join(p for p in parts if p.strip()) or message.get("text", " "), 39000)
