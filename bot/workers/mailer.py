"""Sends queued replies by SMTP, exactly once per reply, and tells the card's thread what happened."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bot.accounts import Accounts
from bot.clock.clocks import Clock
from bot.errors import UpstreamError
from bot.mail.sender import OutgoingReply, SendError, SmtpSender, build_message, new_message_id, reply_subject
from bot.mail.trust import relay_marketplace
from bot.ops.logs import log_context
from bot.services.amazon_accounts import BuyerMessaging
from bot.services.messaging import MaybeSent
from bot.settings import Settings
from bot.store.store import Row, Store, iso
from bot.workers.loop import work_forever
from bot.workers.wake import Wake

log = logging.getLogger(__name__)

# What the thread is told, by event: sent, retrying (first transient failure), failed (waits for a person),
# uncertain (the bot stopped while sending: it may have gone out).
Notify = Callable[[int, str], None]


class _AfterDelivery(Exception):
    """An error while recording a send the relay had already taken (its cause is the real error)."""


def retry_delay(attempt: int) -> timedelta:
    """1, 2, 4, 8 … minutes, at most an hour (greylisting usually clears within minutes)."""
    return min(timedelta(minutes=2 ** max(0, attempt - 1)), timedelta(hours=1))


def reply_target(message: Row | None, conv: Row) -> bool:
    """Whether a reply may go to this message's sender: a buyer message of this buyer conversation, sent from a
    relay alias under one of Amazon's marketplace domains (never a Reply-To, never a notice's address)."""
    return bool(
        message
        and conv.get("kind") == "buyer"
        and message.get("conversation_id") == conv.get("id")
        and message.get("kind") == "buyer_message"
        and message.get("direction") == "in"
        and relay_marketplace(message.get("sender"))
    )


class Mailer:
    """The one worker that talks SMTP; a send moves queued → sending → sent | queued (retry) | failed."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        sender: SmtpSender | None,
        *,
        notify: Notify | None = None,
        messaging: BuyerMessaging | None = None,
        accounts: Accounts | None = None,
    ) -> None:
        self.settings = settings
        self.accounts = accounts or Accounts.from_settings(settings)  # each reply from its account's address
        self.messaging = messaging  # SP-API Messaging, for sends whose channel is 'amazon:<action>'
        self.store = store
        self.clock = clock
        self.sender = sender
        self.notify = notify
        self.wake = Wake()  # also set by store work in the store's thread (PostgreSQL)

    def recover(self) -> int:
        """At start: a send caught mid-way by a crash may or may not have gone out; a person decides, never a re-send."""
        stuck = self.store.sends(state="sending")
        for row in stuck:
            self.store.update_send(
                send_id=int(row["id"]), state="uncertain", error="the bot stopped while sending"
            )
            log.warning("send %s was interrupted mid-way; marked uncertain for a person to check", row["id"])
            self._tell(int(row["id"]), "uncertain")
        return len(stuck)

    async def run(self) -> None:
        """Send forever; sleeps until woken or until the next retry is due."""
        await self.store.run(self.recover)
        await work_forever(
            "mail",
            drain=self.drain,
            next_due=lambda: self.store.run(self.store.next_send_time),
            wake=self.wake,
            clock=self.clock,
            idle=30.0,
        )

    async def drain(self) -> bool:
        """Send what is due once; True if anything was handled."""
        rows = await self.store.run(self.store.due_sends)
        for row in rows:
            await self.process(row)
        return bool(rows)

    def outgoing(self, row: Row) -> OutgoingReply:
        """The e-mail for a send: to the buyer's relay alias, threaded to the buyer's message."""
        conv = self.store.conversation(conversation_id=int(row["conversation_id"])) or {}
        message = self.store.message(row_id=int(row["reply_to_row"])) if row.get("reply_to_row") else None
        if not reply_target(message, conv):  # never another conversation's message, never a notice's address
            message = self.store.latest_buyer_message(conversation_id=int(row["conversation_id"]))
        refs = json.loads(message["refs"]) if message and message.get("refs") else []
        sender = self.accounts.settings_for(conv.get("account")).smtp_from  # the address of its account
        return OutgoingReply(
            to=str((message or {}).get("sender")) if reply_target(message, conv) else "",
            subject=reply_subject((message or {}).get("subject"), conv.get("order_id")),
            text=str(row["text"]),
            in_reply_to=(message or {}).get("message_id"),
            references=list(refs),
            attachments=[Path(a["path"]) for a in json.loads(row.get("attachments") or "[]")],
            message_id=row.get("message_id") or new_message_id(int(row["id"]), sender),
            sender=sender,
        )

    async def process(self, row: Row) -> None:
        """One attempt at one send. An unexpected error never leaves it 'sending' without a word: before the relay
        took the mail it is a failed send (the thread's note has Retry), after it an uncertain one (a person checks)."""
        with log_context(conversation_id=row.get("conversation_id")):
            try:
                await self._attempt(row)
            except Exception as e:  # whatever it is, the thread must hear of it
                await self.store.run(self._unexpected, row, e)

    async def _attempt(self, row: Row) -> None:
        """Try to send once; an error after the relay took the mail is raised as _AfterDelivery."""
        send_id = int(row["id"])
        conv = (
            await self.store.run(self.store.conversation, conversation_id=int(row["conversation_id"])) or {}
        )
        problem = self.accounts.sending_problem(conv.get("account"))
        if problem is not None:  # never from another account's address or grant
            await self.store.run(self.store.update_send, send_id=send_id, state="failed", error=problem)
            self._tell(send_id, "failed")
            return
        if str(row.get("channel") or "email") != "email":
            await self._attempt_amazon(row)
            return
        if self.sender is None:
            await self.store.run(
                self.store.update_send,
                send_id=send_id,
                state="failed",
                error="sending is not set up (INBOX_BOT_SMTP_HOST)",
            )
            self._tell(send_id, "failed")
            return
        reply = await self.store.run(self.outgoing, row)
        if not reply.to:
            await self.store.run(
                self.store.update_send,
                send_id=send_id,
                state="failed",
                error="this conversation has no buyer message from Amazon's relay to answer",
            )
            self._tell(send_id, "failed")
            return
        attempt = int(row.get("attempts") or 0) + 1
        await self.store.run(
            self.store.update_send,
            send_id=send_id,
            state="sending",
            attempts=attempt,
            message_id=reply.message_id,
        )
        try:
            message = build_message(
                reply, sender=reply.sender or self.settings.smtp_from, now=self.clock.now()
            )
            self.store.assert_leading()  # after a pause that outlived the lease, a new leader owns this send
            await self.sender.send(message)
        except (SendError, OSError) as e:
            await self.store.run(self._failed, row, attempt, e)
            return
        try:
            await self.store.run(self._sent, row, reply)
        except Exception as e:
            raise _AfterDelivery(e) from e

    async def _attempt_amazon(self, row: Row) -> None:
        """One attempt through SP-API Messaging: 'sending' is recorded first, so a crash leaves it uncertain; an answer
        that says the message may exist makes it uncertain too (a person checks Seller Central, never a re-send)."""
        send_id = int(row["id"])
        action = str(row["channel"]).split(":", 1)[1]
        conv = (
            await self.store.run(self.store.conversation, conversation_id=int(row["conversation_id"])) or {}
        )
        if self.messaging is None or not conv.get("order_id"):
            why = "SP-API is not set up" if self.messaging is None else "the conversation has no order"
            await self.store.run(
                self.store.update_send,
                send_id=send_id,
                state="failed",
                error=f"{why}: Amazon's messages need it",
            )
            self._tell(send_id, "failed")
            return
        attempt = int(row.get("attempts") or 0) + 1
        message_id = row.get("message_id") or new_message_id(
            send_id, self.settings.smtp_from or "inbox-bot@localhost"
        )
        await self.store.run(
            self.store.update_send, send_id=send_id, state="sending", attempts=attempt, message_id=message_id
        )
        files = [Path(a["path"]) for a in json.loads(row.get("attachments") or "[]")]
        try:
            self.store.assert_leading()
            await self.messaging.send(
                str(conv["order_id"]),
                action,
                text=str(row["text"]),
                files=files,
                marketplace=conv.get("marketplace"),
            )
        except MaybeSent as e:
            await self.store.run(self.store.update_send, send_id=send_id, state="uncertain", error=str(e))
            await self.store.run(
                self.store.audit,
                actor="mailer",
                action="send_uncertain",
                conversation_id=int(conv["id"]),
                send=send_id,
            )
            log.error("send %d: %s", send_id, e)
            self._tell(send_id, "uncertain")
            return
        except (UpstreamError, OSError) as e:
            await self.store.run(self._failed, row, attempt, e)
            return
        reply = OutgoingReply(
            to="",
            subject=f"Amazon message: {action}",
            text=str(row["text"]),
            in_reply_to=None,
            references=[],
            attachments=files,
            message_id=message_id,
        )
        try:
            await self.store.run(self._sent, row, reply)
        except Exception as e:
            raise _AfterDelivery(e) from e

    def _unexpected(self, row: Row, error: Exception) -> None:
        """An error nobody foresaw: logged with its traceback, the send failed (or uncertain) and the thread told."""
        send_id = int(row["id"])
        delivered = isinstance(error, _AfterDelivery)
        cause = error.__cause__ if delivered and isinstance(error.__cause__, Exception) else error
        state = "uncertain" if delivered else "failed"
        what = f"unexpected error: {type(cause).__name__}" + (f": {cause}" if str(cause) else "")
        if delivered:
            what += " (after the relay took the mail: it has probably reached the buyer)"
        log.error("send %d: %s", send_id, what, exc_info=cause)
        try:
            if delivered and (self.store.send(send_id=send_id) or {}).get("state") == "sent":
                return  # recorded as sent; only telling the thread failed, and the card shows it answered
            self.store.update_send(send_id=send_id, state=state, error=what[:1000])
            self.store.audit(
                actor="mailer",
                action="send_failed" if state == "failed" else "send_uncertain",
                conversation_id=int(row["conversation_id"]),
                send=send_id,
                error=what[:1000],
            )
            self._tell(send_id, state)
        except Exception:
            log.exception("send %d could not be marked %s after an unexpected error", send_id, state)

    def _failed(self, row: Row, attempt: int, error: Exception) -> None:
        send_id = int(row["id"])
        retryable = isinstance(error, SendError | UpstreamError) and error.retryable
        if retryable and attempt < self.settings.send_attempts:
            retry = self.clock.now() + retry_delay(attempt)
            self.store.update_send(
                send_id=send_id, state="queued", error=str(error), next_attempt_at=iso(retry)
            )
            log.warning(
                "send %d failed (attempt %d): %s; retrying at %s", send_id, attempt, error, iso(retry)
            )
            if attempt == 1:
                self._tell(send_id, "retrying")
            return
        self.store.update_send(send_id=send_id, state="failed", error=str(error))
        self.store.audit(
            actor="mailer",
            action="send_failed",
            conversation_id=int(row["conversation_id"]),
            send=send_id,
            error=str(error),
        )
        log.error("send %d failed for good after %d attempt(s): %s", send_id, attempt, error)
        self._tell(send_id, "failed")

    def _sent(self, row: Row, reply: OutgoingReply) -> None:
        send_id, conv_id = int(row["id"]), int(row["conversation_id"])
        now = self.store.now()
        with self.store.transaction():
            self.store.update_send(send_id=send_id, state="sent", sent_at=now, error=None)
            self.store.insert_message(
                message_id=reply.message_id,
                conversation_id=conv_id,
                direction="out",
                kind="reply",
                received_at=now,
                sender=reply.sender or self.settings.smtp_from,
                subject=reply.subject,
                text=reply.text,
                in_reply_to=reply.in_reply_to,
                refs=reply.references,
            )
            email = str(row.get("channel") or "email") == "email"
            # by e-mail or through Amazon's messaging, a message in the buyer's conversation answers it (Amazon files
            # both in the same Buyer-Seller Messaging thread); Amazon may not count auto-replies
            in_buyers = (self.store.conversation(conversation_id=conv_id) or {}).get("kind") == "buyer"
            if in_buyers and (not row.get("auto") or self.settings.auto_reply_counts_as_answer):
                self.store.answer(conversation_id=conv_id, by=str(row["by_user"]))
                self.store.promise_follow_up(send=row, at=self.store.clock.now())  # if the reply promised one
            self.store.audit(
                actor=str(row["by_user"]),
                action="reply_sent" if email else "message_sent",
                conversation_id=conv_id,
                send=send_id,
                template=row.get("template"),
                edited=bool(row.get("edited")),
            )
        self._tell(send_id, "sent")

    def _tell(self, send_id: int, event: str) -> None:
        if self.notify:
            self.notify(send_id, event)
