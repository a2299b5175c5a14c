"""Follow-ups that keep promises: when a reply's follow-up comes due, the thread and the person are reminded.

A reply sent with a follow-up (the template's `follow_up: 48h`, or "Remind me …" in the reply window) leaves the
conversation answered (Amazon's 24-hour clock is stopped) and *waiting* until the due time. If the buyer writes
first, the conversation reopens as any other (bot/store/conversations.py `reopen` clears the follow-up). If the time
comes, one reminder per due time goes into the card's thread, mentioning whoever claimed it, else whoever sent the
reply, else the person on call, with what was promised; *Snooze* sets a new due time, *Done* ends it. The due times
live in the store, so a restart neither loses nor repeats a reminder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.clock.clocks import Clock
from bot.clock.escalation import Escalator, Post
from bot.settings import Settings
from bot.store.store import ConversationState, Row, Store, parse_iso

log = logging.getLogger(__name__)

SNOOZE_HOURS = (4, 24)  # what the reminder's buttons offer (anything else coming back from Slack is refused)


class FollowUpRefused(Exception):
    """A snooze or done that cannot apply (no such follow-up, or a value Slack should not have sent)."""


class FollowUps:
    """Reminds of due follow-ups and takes Snooze and Done."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        *,
        escalator: Escalator,
        post: Post,
        changed: Callable[[int], None],
        on_due: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.escalator = escalator
        self.post = post
        self.changed = changed
        self.on_due = on_due  # told of each follow-up that came due (the metrics)

    def tick(self) -> int:
        """Queue a reminder for every follow-up that came due (once per due time); how many were queued."""
        now = self.clock.now()
        count = 0
        for conv in self.store.follow_ups_due(now=now):
            self._remind(conv, now)
            count += 1
        return count

    def next_due(self) -> datetime | None:
        """When the next follow-up comes due."""
        return self.store.next_follow_up()

    def _remind(self, conv: Row, now: datetime) -> None:
        conv_id, due = int(conv["id"]), str(conv["follow_up_at"])
        who = conv.get("claimed_by") or conv.get("follow_up_by") or self.escalator.on_call(now)
        payload = {
            "follow_up": conv_id,
            "due": due,
            "who": who,
            "by": conv.get("follow_up_by"),
            "note": conv.get("follow_up_note") or "",
            "buyer": conv.get("buyer_name"),
            "order_id": conv.get("order_id"),
        }
        with self.store.transaction():
            self.post("thread", conv_id, conv.get("slack_channel"), f"followup:{conv_id}:{due}", payload)
            self.store.mark_follow_up_reminded(conversation_id=conv_id, due=due)
            self.store.audit(actor="clock", action="follow_up_due", conversation_id=conv_id, due=due, who=who)
        self.changed(conv_id)
        log.info("follow-up of conversation %d due at %s: reminded %s", conv_id, due, who or "the channel")
        if self.on_due is not None:
            self.on_due()

    def _waiting(self, conversation_id: int, due: str | None) -> Row:
        """The conversation, if the follow-up a reminder was about (`due`; None: whichever) is still the one waiting."""
        conv = self.store.conversation(conversation_id=conversation_id)
        if conv is None or conv.get("state") != ConversationState.ANSWERED or not conv.get("follow_up_at"):
            raise FollowUpRefused("This follow-up is over: the buyer wrote again, or someone finished it.")
        if due is not None and conv["follow_up_at"] != due:
            raise FollowUpRefused(
                "This reminder is out of date: the follow-up was snoozed, finished or replaced."
            )
        return conv

    def snooze(self, conversation_id: int, hours: int, *, user: str, due: str | None = None) -> datetime:
        """Remind again in `hours` (one of SNOOZE_HOURS); the new due time."""
        if hours not in SNOOZE_HOURS:
            raise FollowUpRefused(f"Snooze for {hours} hours is not offered.")
        self._waiting(conversation_id, due)
        until = self.clock.now() + timedelta(hours=hours)
        self.store.snooze_follow_up(conversation_id=conversation_id, until=until, by=user)
        self.changed(conversation_id)
        return until

    def done(self, conversation_id: int, *, user: str, due: str | None = None) -> None:
        """The promise is kept: nothing more is due."""
        self._waiting(conversation_id, due)
        self.store.finish_follow_up(conversation_id=conversation_id, by=user)
        self.changed(conversation_id)


def follow_up_state(conv: Row, now: datetime) -> tuple[datetime, bool] | None:
    """(due time, whether it is due) of an answered conversation waiting for a follow-up, or None."""
    due = parse_iso(conv.get("follow_up_at"))
    if due is None or conv.get("state") != ConversationState.ANSWERED:
        return None
    return due, due <= now
