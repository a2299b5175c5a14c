"""The opt-in 'where is my order' auto-reply: only with live tracking in transit, once, late enough, guarded.

Amazon punishes careless auto-responders, so every condition must hold: the setting is on, the buyer asks where
the order is, a carrier reports the parcel moving (not delivered, no error), nobody on the team has claimed or
answered it within the delay, it is within the hours the seller allows, no auto-reply went to this conversation
before, and the text passes the policy guard. The thread shows what was sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from bot.clock.clocks import Clock
from bot.clock.sla import BusinessHours
from bot.mail.intents import classify
from bot.replies.library import TemplateProblem
from bot.replies.service import Replies
from bot.services.carriers.model import Status
from bot.services.slack import SlackGateway
from bot.settings import Settings
from bot.store.store import Row, Store, parse_iso
from bot.workers.enricher import Enricher

PostFn = Callable[[str, int | None, str | None, str, dict[str, Any]], None]

log = logging.getLogger(__name__)

MOVING = {Status.IN_TRANSIT, Status.OUT_FOR_DELIVERY}
TEMPLATE = "where_is_my_order"


class AutoReplier:
    """Finds conversations that qualify and queues one guarded reply for each."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        *,
        replies: Replies,
        enricher: Enricher,
        slack: SlackGateway,
        wake_mailer: Callable[[], None],
        post: PostFn,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.replies = replies
        self.enricher = enricher
        self.slack = slack  # who the bot is (its user id, known once Slack answered)
        self.wake_mailer = wake_mailer
        self.post = post  # the outbox: a held-back auto-reply is said once in the card's thread
        s = settings
        self.hours = BusinessHours.parse(s.auto_reply_hours, s.tz) if s.auto_reply_hours else None

    def why_not(self, conv: Row) -> str | None:
        """The first condition that does not hold (None: the auto-reply may go)."""
        s = self.settings
        now = self.clock.now()
        if not s.auto_reply_wismo:
            return "auto-replies are off"
        if conv.get("kind") != "buyer" or conv.get("state") != "open":
            return "not an open buyer conversation"
        if conv.get("claimed_by"):
            return "someone is on it"
        if any(r.get("auto") for r in self.store.sends(conversation_id=int(conv["id"]))):
            return "an auto-reply went to this conversation before"
        if self.store.sends(conversation_id=int(conv["id"])):
            return "the team answered already"
        latest = self.replies.latest_buyer_message(conv)
        received = parse_iso((latest or {}).get("received_at"))
        if (
            latest is None
            or received is None
            or now - received < timedelta(minutes=s.auto_reply_delay_minutes)
        ):
            return "the team still has time to answer itself"
        if self.hours is not None and not self.hours.open_at(now):
            return "outside the hours auto-replies may go"
        view = self.enricher.order_view(conv)
        moving = [
            p for p in (view.packages if view else []) if p.status in MOVING and not p.error and p.provider
        ]
        if not moving:
            return "no live tracking of a parcel in transit"
        delivered = bool(view and view.packages and all(p.status is Status.DELIVERED for p in view.packages))
        intent = classify(
            latest.get("text"),
            topic=conv.get("topic"),
            has_order=True,
            delivered=delivered,
            lang=conv.get("language"),
        )
        if intent.intent != "where_is_my_order":
            return "the buyer does not ask where the order is"
        if intent.unsure:
            return f"intent detection is unsure: {intent.reason}"
        probability = intent.scores.get("where_is_my_order", 0.0)
        if probability < s.auto_reply_min_confidence:
            return (
                f"not sure enough that the buyer asks where the order is ({probability * 100:.1f} %, "
                f"needs {s.auto_reply_min_confidence * 100:g} %)"
            )
        return None

    def run(self) -> int:
        """Queue the auto-replies that qualify now; returns how many."""
        if not self.settings.auto_reply_wismo or not self.slack.bot_user_id:
            return 0
        sent = 0
        for conv in self.store.conversations(state="open"):
            if self.why_not(conv) is not None:
                continue
            try:
                draft = self.replies.draft(conv, user=self.slack.bot_user_id, template=TEMPLATE)
            except TemplateProblem as e:
                log.info("no auto-reply for conversation %s: %s", conv["id"], e)
                continue
            held = f"auto-held:{conv['id']}:{draft.reply_to_row}"
            if self.store.queued_before(dedupe_key=held):
                continue  # held back before and said so: not checked (nor counted, nor logged) every sweep
            violations = self.replies.check(conv, draft.text)
            if violations:  # unattended, so a warning holds it back too: a person reads it and decides
                rules = sorted({v.rule for v in violations})
                log.warning("auto-reply for conversation %s held back by the guard: %s", conv["id"], rules)
                self._held(conv, held, rules)
                continue
            send, created = self.store.create_send(
                key=f"auto:{conv['id']}:{draft.reply_to_row}",
                conversation_id=int(conv["id"]),
                reply_to_row=draft.reply_to_row,
                text=draft.text,
                by_user=self.slack.bot_user_id,
                template=TEMPLATE,
                language=draft.language,
            )
            if created:
                self.store.update_send(send_id=int(send["id"]), auto=1)
                self.store.audit(
                    actor="auto-reply",
                    action="auto_reply_queued",
                    conversation_id=int(conv["id"]),
                    send=send["id"],
                )
                sent += 1
        if sent:
            self.wake_mailer()
        return sent

    def _held(self, conv: Row, key: str, rules: list[str]) -> None:
        """Say once in the card's thread that the auto-reply was held back and why; the team answers itself."""
        payload = {"auto_held": {"rules": rules, "template": TEMPLATE}}
        self.post("thread", int(conv["id"]), conv.get("slack_channel"), key, payload)
