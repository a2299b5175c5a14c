"""Answering a buyer: drafts from templates, the guard, idempotent sends, claims and 'no response needed'."""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

from bot.accounts import Accounts
from bot.cards.order import OrderView
from bot.clock.clocks import Clock
from bot.desk.roles import Role, Roles
from bot.mail.intents import classify
from bot.replies.context import reply_context
from bot.replies.files import invoice_for, invoice_note, manuals_for
from bot.replies.guard import Policy, Violation
from bot.replies.library import Library, Template, TemplateProblem, parse_follow_up
from bot.replies.model import OUTCOMES, Advice, Draft, Outcome, guard_errors
from bot.replies.per_account import ReplyAccounts
from bot.settings import Settings
from bot.store.store import Row, Store, parse_iso

log = logging.getLogger(__name__)

NOT_BUYER = (
    "Only a buyer's message from Amazon's relay can be answered: this card is not a buyer conversation."
)


def language_name(code: str | None) -> str:
    """'Portuguese' for 'pt' (babel's English names), the code itself when babel does not know it."""
    try:
        return str(Locale.parse(code or "").english_name)
    except (ValueError, TypeError, UnknownLocaleError):
        return code or "matching"


class Replies:
    """The core of answering; listeners only translate Slack payloads into these calls."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        *,
        library: Library,
        policy: Policy,
        can_send: bool,
        roles: Roles,
        order_view: Callable[[Row], OrderView | None],
        on_queued: Callable[[], None],
        on_changed: Callable[[int], None],
        accounts: ReplyAccounts | None = None,
    ) -> None:
        self.settings = settings
        self.accounts = accounts or ReplyAccounts(Accounts.from_settings(settings), library)
        self.store = store
        self.clock = clock
        self.library = library
        self.policy = policy
        self.can_send = can_send
        self.roles = roles
        self.order_view = order_view  # a conversation's order and tracking, as its card shows them
        self.on_queued = on_queued  # a send was queued: wakes the mailer
        self.on_changed = on_changed  # (conversation id) a card must be redrawn

    # ---- what fits ----

    def latest_buyer_message(self, conv: Row) -> Row | None:
        """The buyer message a reply answers now."""
        return self.store.latest_buyer_message(conversation_id=int(conv["id"]))

    def context(self, conv: Row) -> dict[str, Any]:
        """Template values for this conversation, from its order and tracking as the card shows them."""
        view = self.order_view(conv) if conv.get("order_id") else None
        return reply_context(
            conv,
            order=view.order if view else None,
            packages=view.packages if view else None,
            signature=self.accounts.signature(conv.get("account")),
            products=self.settings.products,
        )

    def advice(self, conv: Row) -> Advice:
        """What the card offers: templates for the latest buyer message (suggested first), why, and the refund
        matrix's recommendation; one reading of the message and the order, one classification for all of it."""
        from bot.replies.refunds import recommend

        message = self.latest_buyer_message(conv)
        latest = message or {}
        view = self.order_view(conv) if conv.get("order_id") else None
        order = view.order if view else None
        delivered = bool(view and view.packages and all(p.status.value == "delivered" for p in view.packages))
        hint = classify(
            latest.get("text"),
            topic=conv.get("topic"),
            has_order=bool(conv.get("order_id")),
            order_status=order.status if order else None,
            delivered=delivered,
            lang=conv.get("language"),
        )
        language = conv.get("language")
        library = self.accounts.library(conv.get("account"))
        keys = library.template_keys()
        wanted = list(hint.templates)
        if view and any(p.status.value == "returned" for p in view.packages) and "returned_to_sender" in keys:
            wanted = [
                "returned_to_sender",
                *(k for k in wanted if k != "returned_to_sender"),
            ]  # the carrier says so
        if order is not None and order.channel == "FBA" and "fba_delivery" in keys:
            # Amazon ships it: its tracking is the buyer's, ours would be invented (and the template refused)
            tracking = {"where_is_my_order", "late_or_lost"}
            if hint.intent in tracking:
                wanted = ["fba_delivery", *(k for k in wanted if k not in tracking)]
        suggested = [library.get(key, language)[0] for key in wanted if key in keys]
        others = [library.get(key, language)[0] for key in keys]
        recommendation = None
        rule = recommend(self.settings.refund_rules, hint.intent, order) if order is not None else None
        if rule is not None:
            recommendation = f":scales: *Recommended:* {rule.action} ({rule.reason})"
        return Advice(message, suggested, others, hint.reason, recommendation, unsure=hint.unsure)

    def invoice_for(self, order_id: str | None) -> Path | None:
        """The invoice PDF of an order in the configured folder (file name containing the order id)."""
        return invoice_for(self.settings.invoice_folder, order_id)

    def manuals_for(self, conv: Row) -> list[Path]:
        """The manuals of the product in this conversation's order (`[[products]]` files)."""
        view = self.order_view(conv) if conv.get("order_id") else None
        return manuals_for(self.settings.products, view.order if view else None)

    # ---- drafting ----

    def draft(
        self,
        conv: Row,
        *,
        user: str,
        template: str | None = None,
        text: str | None = None,
        invoice: bool = False,
        manual: bool = False,
    ) -> Draft:
        """A reply for the modal; TemplateProblem if the template needs a value this conversation lacks."""
        if conv.get("kind") != "buyer":
            raise TemplateProblem(NOT_BUYER)
        latest = self.latest_buyer_message(conv)
        notes: list[str] = []
        chosen: Template | None = None
        language = conv.get("language")
        if template:
            rendered = self.accounts.library(conv.get("account")).render(
                template, language, self.context(conv)
            )
            chosen, text = rendered.template, rendered.text
            if rendered.language_fallback:
                notes.append(
                    f":globe_with_meridians: No {language_name(language)} version of "
                    f"“{chosen.title}”: the {language_name(chosen.language)} one is shown. "
                    "Translate it before sending."
                )
        attachments: list[str] = []
        if invoice:
            pdf = self.invoice_for(conv.get("order_id"))
            if pdf is None:
                raise TemplateProblem(
                    f"no invoice PDF for order {conv.get('order_id')} in {self.settings.invoice_folder}: "
                    "use “Invoice: where to find it” instead"
                )
            attachments.append(str(pdf))
        if manual:
            files = self.manuals_for(conv)
            if not files:
                raise TemplateProblem("no manual is listed for the product of this order ([[products]])")
            attachments += [str(f) for f in files]
        for name in attachments:
            notes.append(f":paperclip: {Path(name).name} will be attached")
        claimed = conv.get("claimed_by")
        if claimed and claimed != user:
            notes.append(
                f":warning: <@{claimed}> has claimed this conversation: check the thread before you send."
            )
        for other in self.drafting(conv, besides=user):
            notes.append(
                f":warning: <@{other}> opened a reply to this conversation a few minutes ago: agree who sends."
            )
        if not self.can_send:
            notes.append(
                ":no_entry: Sending is not set up (INBOX_BOT_SMTP_HOST): the reply cannot go out yet."
            )
        elif not self.roles.allows(user, Role.RESPONDER):
            notes.append(
                f":no_entry: Only {self.roles.who(Role.RESPONDER)} may send replies to buyers: "
                "prepare it here and discuss it in the thread."
            )
        conv_id, reply_to = int(conv["id"]), int(latest["id"]) if latest else None
        language = chosen.language if chosen else language
        key = self.store.create_draft(
            conversation_id=conv_id,
            user=user,
            reply_to_row=reply_to,
            text=text or "",
            template=chosen.key if chosen else None,
            language=language,
            attachments=attachments,
        )
        self.store.audit(
            actor=user,
            action="reply_drafted",
            conversation_id=conv_id,
            template=chosen.key if chosen else None,
        )
        return Draft(text or "", key, conv_id, reply_to, language, attachments, notes, chosen)

    def drafting(self, conv: Row, *, besides: str, minutes: int = 15) -> list[str]:
        """People who opened a reply to this conversation recently and have not sent one since."""
        since = self.clock.now() - timedelta(minutes=minutes)
        drafters = self.store.recent_drafters(conversation_id=int(conv["id"]), since=since, besides=besides)
        sent = {
            s["by_user"]
            for s in self.store.sends(conversation_id=int(conv["id"]))
            if (parse_iso(s["created_at"]) or since) >= since
        }
        return [actor for actor in drafters if actor not in sent]

    def invoice_note(self, conv: Row, suggested: list[Template]) -> str | None:
        """What the card says when the buyer wants an invoice and the folder has none for the order."""
        return invoice_note(self.settings.invoice_folder, conv.get("order_id"), [t.key for t in suggested])

    # ---- sending ----

    def check(self, conv: Row, text: str, attachments: list[str] | None = None) -> list[Violation]:
        """The guard's findings for a reply in this conversation."""
        context = self.context(conv)
        return self.policy.check(
            text,
            order_id=conv.get("order_id"),
            attachments=[
                (Path(a).name, mimetypes.guess_type(a)[0] or "application/octet-stream")
                for a in attachments or []
            ],
            allowed_numbers=[context.get("tracking_number", "")],
            lang=conv.get("language"),
        )

    def submit(
        self,
        metadata: dict[str, Any],
        text: str,
        *,
        user: str,
        key: str | None = None,
        confirmed: bool = False,
        follow_up: str = "",
    ) -> Outcome:
        """Guard, then queue exactly one send for the stored draft the metadata names (`Draft.metadata`), which must
        be `user`'s own and of that conversation; `key` replaces the draft's own idempotency key. Errors are keyed by
        the modal's block ids."""
        draft = self.store.draft(key=str(metadata.get("d") or ""))
        if draft is None or draft["conversation_id"] != metadata.get("c") or draft["user"] != user:
            log.warning(
                "reply window of %s names no draft of theirs for its conversation: %r", user, metadata
            )
            self.store.audit(actor=user, action="draft_refused", conversation_id=None, metadata=metadata)
            return Outcome(errors={"reply": "This window is out of date: close it and start again."})
        conv = self.store.conversation(conversation_id=int(draft["conversation_id"]))
        if conv is None:
            return Outcome(errors={"reply": "This conversation no longer exists."})
        if conv.get("kind") != "buyer":
            return Outcome(errors={"reply": NOT_BUYER})
        if not self.can_send:
            return Outcome(
                errors={"reply": "Sending is not set up: set INBOX_BOT_SMTP_HOST and INBOX_BOT_SMTP_FROM."}
            )
        if not self.roles.allows(user, Role.RESPONDER):
            refusal = self.roles.refuse(
                user,
                Role.RESPONDER,
                what="send replies to buyers",
                conversation_id=int(conv["id"]),
                hint="You can claim it and discuss it in the thread.",
            )
            return Outcome(errors={"reply": refusal})
        attachments = [str(a) for a in draft["attachments"]]  # from the store: a window cannot name files
        violations = self.check(conv, text, attachments)
        refused = guard_errors(violations, confirmed=confirmed)
        if refused:
            return Outcome(errors=refused)
        if violations:
            self.store.audit(
                actor=user,
                action="guard_warning_confirmed",
                conversation_id=int(conv["id"]),
                rules=sorted({v.rule for v in violations}),
            )
        try:  # the window's choice came back through Slack: read, never trusted
            follow_up_hours = parse_follow_up(follow_up)
        except ValueError as e:
            return Outcome(errors={"follow_up": str(e)})
        reply_to = draft["reply_to_row"]
        key = key or str(draft["key"])
        live = self.store.live_send_for(reply_to_row=int(reply_to)) if reply_to else None
        if live is not None and live["key"] != key:
            who = "You" if live["by_user"] == user else f"<@{live['by_user']}>"
            return Outcome(
                send=live,
                errors={"reply": f"{who} already answered this message ({live['state']}): see the thread."},
            )
        send, created = self.store.create_send(
            key=key,
            conversation_id=int(conv["id"]),
            reply_to_row=int(reply_to) if reply_to else None,
            text=text,
            by_user=user,
            template=draft["template"],
            language=draft["language"],
            edited=text.strip() != str(draft["text"] or "").strip(),
            attachments=[{"path": a} for a in attachments],
            follow_up_hours=follow_up_hours,
        )
        if created:
            self.store.audit(
                actor=user,
                action="reply_queued",
                conversation_id=int(conv["id"]),
                send=send["id"],
                template=draft["template"],
                edited=bool(send["edited"]),
            )
            self.on_queued()
        elif send["by_user"] != user:
            return Outcome(
                send=send,
                errors={"reply": f"<@{send['by_user']}> already answered this message: see the thread."},
            )
        return Outcome(send=send, created=created)

    def send_as_is(self, conv: Row, template: str, *, user: str, key: str) -> Outcome:
        """A safe template straight to the buyer (after the guard), without the modal."""
        draft = self.draft(conv, user=user, template=template)
        if draft.template is None or not draft.template.safe:
            return Outcome(errors={"reply": "This template must be checked and edited before sending."})
        hours = draft.template.follow_up_hours  # the template's promise holds here too
        return self.submit(
            draft.metadata, draft.text, user=user, key=key, follow_up=f"{hours:g}" if hours else ""
        )

    def retry(self, send_id: int, *, user: str) -> Row | None:
        """Queue a failed (or uncertain) send again (responders only)."""
        send = self.store.send(send_id=send_id)
        if send is None or send["state"] not in ("failed", "uncertain"):
            return send
        self.roles.require(
            user, Role.RESPONDER, what="send a reply again", conversation_id=int(send["conversation_id"])
        )
        self.store.update_send(
            send_id=send_id, state="queued", next_attempt_at=self.store.now(), error=None, attempts=0
        )
        self.store.audit(
            actor=user, action="send_retried", conversation_id=int(send["conversation_id"]), send=send_id
        )
        self.on_queued()
        return self.store.send(send_id=send_id)

    def mark_sent(self, send_id: int, *, user: str) -> None:
        """A person confirmed an uncertain send did reach the buyer (responders only)."""
        send = self.store.send(send_id=send_id)
        if send is None or send["state"] != "uncertain":
            return
        self.roles.require(
            user,
            Role.RESPONDER,
            what="confirm that a reply was sent",
            conversation_id=int(send["conversation_id"]),
            hint="If you know it reached the buyer, tell them in the thread.",
        )
        now = self.store.now()
        self.store.update_send(send_id=send_id, state="sent", sent_at=now, error=None)
        conv_id = int(send["conversation_id"])
        conv = self.store.conversation(conversation_id=conv_id) or {}
        if conv.get("kind") == "buyer":  # a notice stays open: only its own 'Mark handled' closes it
            self.store.answer(conversation_id=conv_id, by=str(send["by_user"]))
            self.store.promise_follow_up(send=send, at=self.clock.now())
        self.store.audit(actor=user, action="send_confirmed", conversation_id=conv_id, send=send_id)
        self._changed(conv_id)

    # ---- claims and decisions ----

    def claim(self, conv: Row, *, user: str, release: bool = False) -> None:
        """'I'll take it' (or release it); another person's claim is released or taken over by responders only."""
        holder = conv.get("claimed_by")
        if holder and holder != user:
            self.roles.require(
                user,
                Role.RESPONDER,
                what="release someone else's claim" if release else "take over someone else's claim",
                conversation_id=int(conv["id"]),
                hint=f"Ask <@{holder}> in the thread.",
            )
        if release:
            self.store.release(conversation_id=int(conv["id"]), by=user)
        else:
            self.store.claim(conversation_id=int(conv["id"]), by=user)
        self._changed(int(conv["id"]))

    def no_response(self, conv: Row, *, user: str) -> None:
        """'No response needed': the conversation is closed without a reply and its clock stops (responders only)."""
        self._settle(conv, user, what="close a conversation without a reply", action="no_response_needed")

    def handled(self, conv: Row, *, user: str, outcome: str | None = None) -> None:
        """An Amazon notice was dealt with in Seller Central (responders), with how it ended if given (OUTCOMES)."""
        outcome = outcome if outcome in OUTCOMES else None  # a value from Slack: one of ours or none
        what = "mark an Amazon notice handled"
        self._settle(
            conv, user, what=what, action="notice_handled", notice=conv.get("notice_type"), outcome=outcome
        )

    def _settle(self, conv: Row, user: str, *, what: str, action: str, **detail: Any) -> None:
        """Close an open conversation for a responder, audited as `action`, and redraw its card; an appealed notice
        stays open to its final outcome (won, lost …)."""
        if conv.get("state") != "open" and not (conv.get("outcome") == "appealed" and detail.get("outcome")):
            return
        conv_id = int(conv["id"])
        self.roles.require(
            user, Role.RESPONDER, what=what, conversation_id=conv_id, hint="You can discuss it in the thread."
        )
        self.store.settle(conversation_id=conv_id, by=user, outcome=detail.get("outcome"))
        self.store.audit(actor=user, action=action, conversation_id=conv_id, **detail)
        self._changed(conv_id)

    def _changed(self, conv_id: int) -> None:
        self.on_changed(conv_id)
