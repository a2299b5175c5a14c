"""Writing to a buyer first: the ways Amazon allows for the order now (SP-API Messaging actions, or e-mail to the relay
alias of the buyer's conversation), the guard in proactive mode, and exactly one send through the mailer's outbox."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.desk.roles import Role
from bot.errors import UpstreamError
from bot.mail.patterns import ORDER_ID
from bot.replies.library import TemplateProblem
from bot.replies.model import Draft, Outcome, guard_errors
from bot.replies.service import Replies
from bot.services.amazon_accounts import BuyerMessaging
from bot.services.messaging import INVOICE, LABELS, TEXT_LIMITS
from bot.store.store import Row
from bot.workers.mailer import reply_target

log = logging.getLogger(__name__)

EMAIL = "email"
AMAZON = "amazon:"  # + the Messaging action's name


def channel_label(channel: str) -> str:
    """What the team sees for a way to the buyer."""
    if channel == EMAIL:
        return "E-mail to the buyer's relay address"
    return LABELS.get(channel.removeprefix(AMAZON), channel)


def via(send: Row) -> str:
    """' through Amazon's messaging (unexpectedProblem)' for a send that did not go by e-mail, else ''."""
    channel = str(send.get("channel") or EMAIL)
    return "" if channel == EMAIL else f" through Amazon's messaging ({channel.removeprefix(AMAZON)})"


def reference(send: Row, message_id: str) -> str:
    """Where the team finds a sent message again: its Message-ID, or Seller Central for Amazon's messaging."""
    if str(send.get("channel") or EMAIL) == EMAIL:
        return f"Message-ID {message_id}"
    return "Created with SP-API Messaging: Seller Central → Buyer Messages shows it"


@dataclass
class ProactiveDraft:
    """A message to the buyer for the window: the draft, the ways it may go (first = preselected) and notes."""

    draft: Draft
    channels: list[str]
    notes: list[str] = field(default_factory=list)


class Proactive:
    """'Message the buyer' from any card with an order."""

    def __init__(self, replies: Replies, messaging: BuyerMessaging | None) -> None:
        self.replies = replies
        self.store = replies.store
        self.messaging = messaging

    def buyer_conversation(self, conv: Row) -> Row | None:
        """The buyer's conversation a card's message belongs to: this one, or the newest about the same order."""
        if conv.get("kind") == "buyer":
            return conv
        if conv.get("order_id"):
            return self.store.buyer_conversation_for_order(order_id=str(conv["order_id"]))
        return None

    def email_target(self, conv: Row) -> Row | None:
        """The buyer conversation an e-mail would go to, if it has a buyer message from Amazon's relay (an alias to
        write to)."""
        target = self.buyer_conversation(conv)
        if target is None:
            return None
        latest = self.store.latest_buyer_message(conversation_id=int(target["id"]))
        return target if reply_target(latest, target) else None

    async def open(
        self, conv: Row, *, user: str, template: str | None = None, again: Row | None = None
    ) -> ProactiveDraft:
        """The window's content, from a template or a send to try `again` another way (its text; an invoice it carried
        goes through sendInvoice first); TemplateProblem (said to the person) when there is no way to this buyer."""
        order_id = str(conv.get("order_id") or "")
        if not ORDER_ID.fullmatch(order_id):
            raise TemplateProblem("Amazon needs an order to message a buyer first, and this card has none.")
        channels: list[str] = []
        notes: list[str] = []
        if self.messaging is None:
            notes.append(
                ":information_source: SP-API is not set up: only e-mail to a relay address is possible."
            )
        else:
            try:
                allowed = await self.messaging.actions(order_id, conv.get("marketplace"))
            except UpstreamError as e:
                log.warning("order %s: Amazon's messaging actions could not be read: %s", order_id, e)
                notes.append(f":warning: Amazon could not say which messages it allows now ({e}).")
            else:
                channels += [AMAZON + a for a in allowed.sendable if a != INVOICE]
                if INVOICE in allowed.sendable and self.replies.invoice_for(order_id):
                    channels.append(AMAZON + INVOICE)
                elif INVOICE in allowed.sendable:
                    notes.append(
                        ":page_facing_up: Amazon would take the invoice, but the folder has no PDF for it."
                    )
                if not allowed.sendable:
                    notes.append(
                        ":no_entry: Amazon allows no message for this order now (more than 30 days old, or "
                        "cancelled)."
                    )
        if await self.store.run(self.email_target, conv) is not None:
            channels.append(EMAIL)
        if not channels:
            raise TemplateProblem(
                "There is no way to write to this buyer now: "
                + " ".join(n.split(" ", 1)[1] for n in notes if " " in n)
                + " Without a message from the buyer there is no relay address to e-mail either."
            )
        text, language, chosen = str((again or {}).get("text") or ""), conv.get("language"), None
        # the invoice is what this window is about: sendInvoice first where Amazon takes it, else the e-mail with it
        pdf = self.replies.invoice_for(order_id)
        carried = [str(a.get("path")) for a in json.loads(str((again or {}).get("attachments") or "[]"))]
        invoice_wanted = template == "invoice_resent" or (pdf is not None and str(pdf) in carried)
        attachments = [str(pdf)] if pdf and invoice_wanted else carried  # what did not arrive goes again
        notes += [f":paperclip: {Path(a).name} will be attached" for a in attachments]
        if attachments and AMAZON + INVOICE in channels:
            channels.remove(AMAZON + INVOICE)
            channels.insert(0, AMAZON + INVOICE)
        if template:
            library = self.replies.accounts.library(conv.get("account"))
            rendered = library.render(template, language, await self.store.run(self.replies.context, conv))
            text, chosen, language = rendered.text, rendered.template, rendered.template.language

        def keep_draft() -> str:  # one piece of store work: what the window answers is read where it is kept
            buyers = self.buyer_conversation(conv)
            key = self.store.create_draft(
                conversation_id=int(conv["id"]),
                user=user,
                # windows opened (on any card of the order) before anyone answered the buyer send one message
                reply_to_row=self._answering(buyers) if buyers else None,
                text=text,
                template=chosen.key if chosen else None,
                language=language,
                attachments=attachments,
                channels=channels,
            )
            self.store.audit(
                actor=user, action="message_drafted", conversation_id=int(conv["id"]), channels=channels
            )
            return key

        key = await self.store.run(keep_draft)
        draft = Draft(text, key, int(conv["id"]), None, language, attachments, [], chosen)
        return ProactiveDraft(draft, channels, notes)

    def submit(
        self, metadata: dict[str, Any], text: str, *, user: str, channel: str, confirmed: bool = False
    ) -> Outcome:
        """Guard (proactive: the order id must be in the text), then queue exactly one send by the chosen way, which
        must be one the window was opened with (a value back from Slack is checked, never trusted)."""
        draft = self.store.draft(key=str(metadata.get("d") or ""))
        if draft is None or draft["conversation_id"] != metadata.get("c") or draft["user"] != user:
            log.warning("message window of %s names no draft of theirs: %r", user, metadata)
            return Outcome(errors={"reply": "This window is out of date: close it and start again."})
        if draft.get("channels") is None or channel not in draft["channels"]:
            log.warning("message window of %s chose a way it was not offered: %r", user, channel)
            return Outcome(errors={"channel": "Choose one of the ways offered."})
        conv = self.store.conversation(conversation_id=int(draft["conversation_id"]))
        if conv is None:
            return Outcome(errors={"reply": "This conversation no longer exists."})
        if not self.replies.roles.allows(user, Role.RESPONDER):
            refusal = self.replies.roles.refuse(
                user, Role.RESPONDER, what="write to buyers", conversation_id=int(conv["id"])
            )
            return Outcome(errors={"reply": refusal})
        # the buyer's conversation where there is one (the message it answers, else the newest of the order)
        answered = self.store.message(row_id=int(draft["reply_to_row"])) if draft["reply_to_row"] else None
        target = (
            (self.store.conversation(conversation_id=int(answered["conversation_id"])) if answered else None)
            or (self.buyer_conversation(conv) if channel != EMAIL else None)
            or conv
        )
        if channel == EMAIL:
            target = self.email_target(target) or {}
            if not target:
                return Outcome(
                    errors={"channel": "The buyer's relay address is no longer known: choose another way."}
                )
            if not self.replies.can_send:
                return Outcome(errors={"channel": "E-mail is not set up (INBOX_BOT_SMTP_HOST)."})
        attachments = [str(a) for a in draft["attachments"]]  # from the store: a window cannot name files
        if channel == AMAZON + INVOICE:
            pdf = [str(p) for p in [self.replies.invoice_for(conv.get("order_id"))] if p]
            if not pdf:
                return Outcome(errors={"channel": "The invoice folder has no PDF for this order any more."})
            attachments = pdf  # and Amazon writes its own words: what is recorded is what the buyer gets
            text = f"(the invoice {Path(pdf[0]).name}, sent with Amazon's sendInvoice in Amazon's own words)"
        elif channel != EMAIL:
            limit = TEXT_LIMITS.get(channel.removeprefix(AMAZON), 2000)
            if attachments:
                return Outcome(errors={"channel": f"{channel_label(channel)} cannot carry files."})
            if len(text) > limit:
                return Outcome(
                    errors={"reply": f"Amazon takes at most {limit} characters here ({len(text)})."}
                )
        violations = self.replies.policy.check(
            text if channel != AMAZON + INVOICE else str(conv["order_id"]),
            order_id=str(conv.get("order_id") or ""),
            proactive=True,
            attachments=[(a.rsplit("/", 1)[-1], "application/pdf") for a in attachments],
            lang=conv.get("language"),
        )
        refused = guard_errors(violations, confirmed=confirmed)
        if refused:
            return Outcome(errors=refused)
        if violations:  # audited as for replies
            self.store.audit(
                actor=user,
                action="guard_warning_confirmed",
                conversation_id=int(conv["id"]),
                rules=sorted({v.rule for v in violations}),
            )
        reply_to = draft["reply_to_row"] if answered and answered["conversation_id"] == target["id"] else None
        live = self.store.live_send_for(reply_to_row=int(reply_to)) if reply_to else None
        if live is not None and live["key"] != draft["key"]:
            who = "You" if live["by_user"] == user else f"<@{live['by_user']}>"
            return Outcome(
                send=live, errors={"reply": f"{who} already answered this message: see the thread."}
            )
        send, created = self.store.create_send(
            key=str(draft["key"]),
            conversation_id=int(target["id"]),
            reply_to_row=reply_to,
            text=text,
            by_user=user,
            template=draft["template"],
            language=draft["language"],
            edited=text.strip() != str(draft["text"] or "").strip(),
            attachments=[{"path": a} for a in attachments],
            channel=channel,
        )
        if created:
            self.store.audit(
                actor=user,
                action="message_queued",
                conversation_id=int(target["id"]),
                send=send["id"],
                channel=channel,
                template=draft["template"],
            )
            self.replies.on_queued()
        elif send["by_user"] != user:
            return Outcome(
                send=send, errors={"reply": f"<@{send['by_user']}> already answered this message."}
            )
        return Outcome(send=send, created=created)

    def _answering(self, target: Row) -> int | None:
        """The buyer message a window answers: the open one of a buyer conversation nobody has answered yet (so two
        people sending at once send one message); None for a message beside an answer already sent."""
        if target.get("kind") != "buyer" or target.get("state") != "open":
            return None
        latest = self.store.latest_buyer_message(conversation_id=int(target["id"]))
        if latest is None or self.store.live_send_for(reply_to_row=int(latest["id"])) is not None:
            return None
        return int(latest["id"])
