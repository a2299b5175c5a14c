"""Runs the 24-hour clock: stage notifications exactly once (even across restarts), on-call handoffs, the digest."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from bot.accounts import Accounts
from bot.clock.clocks import Clock
from bot.clock.oncall import Override, Rotation, on_call
from bot.clock.sla import (
    Action,
    BusinessHours,
    Planned,
    Policy,
    Stage,
    StagePolicy,
    deadline_for,
    first_after,
    plan,
    stage_at,
)
from bot.ops.logs import log_context
from bot.settings import Settings
from bot.store.store import Row, Store, iso, parse_iso

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(minutes=2)  # a notification sent later than this after its time says so
HORIZON = timedelta(days=3)


def policy_from(settings: Settings) -> Policy:
    """The escalation policy with the team's thresholds and repeat intervals."""
    repeat = timedelta(minutes=settings.sla_repeat_minutes)
    critical_repeat = timedelta(minutes=settings.sla_critical_repeat_minutes)
    base = Policy()
    stages = dict(base.stages)
    stages[Stage.URGENT] = StagePolicy(stages[Stage.URGENT].actions, repeat=repeat)
    stages[Stage.CRITICAL] = StagePolicy(stages[Stage.CRITICAL].actions, repeat=critical_repeat)
    stages[Stage.BREACHED] = StagePolicy(stages[Stage.BREACHED].actions, repeat=repeat)
    return Policy(
        due_soon=timedelta(hours=settings.sla_due_soon_hours),
        urgent=timedelta(hours=settings.sla_urgent_hours),
        critical=timedelta(minutes=settings.sla_critical_minutes),
        stages=stages,
    )


# What the escalator asks the poster to do: (kind, conversation id or None, channel or None, dedupe key, payload).
Post = Callable[[str, int | None, str | None, str, dict[str, Any]], None]


class Escalator:
    """Due notifications for open conversations, recorded before they are posted, so each is sent exactly once."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        *,
        post: Post,
        on_breach: Callable[[], None] | None = None,
        accounts: Accounts | None = None,
    ) -> None:
        self.settings = settings
        self.accounts = accounts or Accounts.from_settings(settings)  # one digest per account, in its channel
        self.store = store
        self.clock = clock
        self.post = post
        self.on_breach = on_breach  # told when a conversation reaches its deadline unanswered (the metrics)
        self.policy = policy_from(settings)
        self.hours = (
            BusinessHours.parse(settings.business_hours, settings.tz) if settings.business_hours else None
        )
        self.members: list[str] = list(settings.oncall_members)
        self.rotation = self._rotation()
        self.digest_at = time.fromisoformat(settings.digest_time) if settings.digest_time else None
        self._failures: dict[str, int] = {}  # once-only jobs that failed in a row, by key

    def _rotation(self) -> Rotation | None:
        if not self.members:
            return None
        return Rotation.parse(
            self.members, self.settings.oncall_handoff, self.settings.oncall_shift_days, self.settings.tz
        )

    def set_members(self, members: list[str]) -> None:
        """Take the rotation's members from elsewhere (a Slack user group)."""
        if members != self.members:
            self.members = list(members)
            self.rotation = self._rotation()

    # ---- who ----

    def overrides(self) -> list[Override]:
        """Cover shifts people set, oldest first (a later one wins where they overlap)."""
        return [Override(u, s, e) for u, s, e in self.store.oncall_overrides()]

    def on_call(self, when: datetime | None = None) -> str | None:
        """The person on call at `when` (now by default)."""
        shift = on_call(self.rotation, self.overrides(), when or self.clock.now())
        return shift.user if shift else None

    def who(self, conv: Row, actions: tuple[Action, ...], when: datetime) -> list[str]:
        """Mentions for a notification: the claimer alone once someone is on it; else on call and lead as planned."""
        if conv.get("claimed_by"):
            return [str(conv["claimed_by"])]
        out: list[str] = []
        after_hours = self.hours is not None and not self.hours.open_at(when)
        if Action.ONCALL in actions or (after_hours and Action.THREAD in actions):
            person = self.on_call(when)
            if person:
                out.append(person)
        if Action.LEAD in actions and self.settings.escalation_mention:
            out.append(self.settings.escalation_mention)
        return out

    # ---- the sweep ----

    def due_conversations(self, now: datetime, limit: int = 500) -> list[Row]:
        """Open conversations with a clock whose next notification is due (or not yet computed)."""
        return self.store.sla_due(now=now, limit=limit)

    def next_due(self) -> datetime | None:
        """When the earliest planned notification of any open conversation is due."""
        return self.store.next_sla_time()

    def tick(self) -> int:
        """Send every due notification once; returns how many were sent. Safe to run twice, or in two workers."""
        now = self.clock.now()
        sent = 0
        for conv in self.due_conversations(now):
            try:
                with log_context(
                    conversation_id=conv["id"], order_id=conv.get("order_id"), slack_ts=conv.get("slack_ts")
                ):
                    sent += self._conversation(conv, now)
            except Exception:
                log.exception(
                    "SLA notifications for conversation %s failed; the next sweep tries again", conv["id"]
                )
        sent += self.housekeeping(now)
        return sent

    def _conversation(self, conv: Row, now: datetime) -> int:
        deadline = parse_iso(conv["deadline"])
        opened = parse_iso(conv.get("opened_at")) or deadline
        if deadline is None or opened is None:
            return 0
        clock = str(conv["deadline"])
        ahead = plan(
            opened, deadline, self.policy, until=now + HORIZON
        )  # one plan: what is due, and what is next
        planned = [p for p in ahead if p.at <= now]
        recorded = self.store.notification_keys(conversation_id=int(conv["id"]), clock=clock)
        missing = [p for p in planned if p.key not in recorded]
        # After downtime: each missed stage still gets its first notification (marked late), and the current
        # stage its newest one; older repeats are recorded as skipped, so nobody gets a burst of stale pings.
        current = stage_at(deadline, now, self.policy)
        newest: dict[Stage, Planned] = {p.stage: p for p in missing}
        sent = 0
        with self.store.transaction():
            for p in missing:
                wanted = newest[p.stage] is p if p.stage is current else p.seq == 0
                if not wanted:
                    self._record(conv, clock, p, now, skipped=True)
                    continue
                self._notify(conv, clock, p, now)
                sent += 1
            nxt = first_after(ahead, now)
            self.store.update_conversation(
                conversation_id=int(conv["id"]),
                sla_stage=current.value,
                next_sla_at=iso(nxt) if nxt else None,
            )
        breached = current is Stage.BREACHED and conv.get("sla_stage") != Stage.BREACHED.value
        if breached and self.on_breach is not None:
            self.on_breach()
        return sent

    def _record(
        self, conv: Row, clock: str, p: Planned, now: datetime, *, skipped: bool = False, who: str = ""
    ) -> bool:
        # recorded before it is sent; another worker that recorded it first sends it, we do not
        return self.store.record_notification(
            conversation_id=int(conv["id"]),
            clock=clock,
            key=p.key,
            stage=p.stage.value,
            planned_at=p.at,
            sent_at=now,
            late=now - p.at > LATE_AFTER,
            skipped=skipped,
            who=who,
        )

    def _notify(self, conv: Row, clock: str, p: Planned, now: datetime) -> None:
        mentions = self.who(conv, p.actions, now)
        if not self._record(conv, clock, p, now, who=",".join(mentions)):
            return
        late = now - p.at > LATE_AFTER
        deadline = parse_iso(conv["deadline"])
        payload = {
            "sla": {
                "stage": p.stage.value,
                "deadline": conv["deadline"],
                "mentions": mentions,
                "late": late,
                "planned_at": iso(p.at),
                "buyer": conv.get("buyer_name"),
                "marketplace": conv.get("marketplace"),
                "order_id": conv.get("order_id"),
                "repeat": p.seq,
            }
        }
        key = f"sla:{conv['id']}:{clock}:{p.key}"
        if Action.CARD in p.actions:
            self.post("update", int(conv["id"]), None, f"{key}:card", {})
        if Action.THREAD in p.actions:
            self.post("thread", int(conv["id"]), None, f"{key}:thread", payload)
        if Action.DM in p.actions and not conv.get("claimed_by"):
            person = self.on_call(now)
            if person:
                self.post("note", int(conv["id"]), person, f"{key}:dm", payload)
        log.info(
            "conversation %s: %s notification%s (deadline %s) to %s",
            conv["id"],
            p.stage.value,
            " (late)" if late else "",
            deadline.isoformat() if deadline else "?",
            ", ".join(mentions) or "the channel",
        )

    def explain(self, received: datetime, now: datetime | None = None) -> dict[str, Any]:
        """Every notification the policy plans for a message received then, with who would get it."""
        deadline = deadline_for(received, self.settings.response_hours)
        until = deadline + timedelta(minutes=self.settings.sla_repeat_minutes * 2)
        planned = plan(received, deadline, self.policy, until=until)
        notes = []
        conv: Row = {}
        for p in planned:
            if now is not None and p.at < now:
                continue
            mentions = self.who(conv, p.actions, p.at)
            on_call_then = self.on_call(p.at)
            for action in p.actions:
                who = {
                    Action.CARD: "card",
                    Action.THREAD: "channel" if not mentions else ",".join(mentions),
                    Action.ONCALL: on_call_then or "nobody (no rotation set)",
                    Action.LEAD: self.settings.escalation_mention or "nobody (INBOX_BOT_ESCALATION_MENTION)",
                    Action.DM: on_call_then or "nobody (no rotation set)",
                }[action]
                local = p.at.astimezone(self.settings.tz)
                notes.append(
                    {"at": local.isoformat(), "stage": p.stage.value, "action": action.value, "who": who}
                )
        return {
            "deadline": deadline.astimezone(self.settings.tz).isoformat(),
            "stage": stage_at(deadline, now or received, self.policy).value,
            "notifications": notes,
        }

    # ---- channel-wide: handoffs and the digest ----

    def once(self, key: str, now: datetime) -> bool:
        """Record a once-only event (a notice, a daily job) under `key`; False if it happened before."""
        return self.store.record_once(key=key, at=now)

    def daily(self, key: str, now: datetime, job: Callable[[], object]) -> bool:
        """Run a once-only job (handoff, digest, report, purge) under `key`; False if it ran before or failed.

        It is recorded done in the same transaction as what it queues, so a job that fails is not marked done: the
        next sweep tries again, and a second failure in a row is told in the channel (once)."""
        try:
            with self.store.transaction():
                if not self.once(key, now):
                    return False
                job()
        except Exception as e:
            failures = self._failures[key] = self._failures.get(key, 0) + 1
            log.exception("%s failed (%d time(s) in a row); the next sweep tries again", key, failures)
            if failures == 2:
                payload = {"job_failed": {"job": key, "error": f"{type(e).__name__}: {e}"[:300]}}
                try:
                    self.post("note", None, self.settings.slack_channel, f"failed:{key}", payload)
                except (
                    Exception
                ):  # the database may be what fails: the log has it, the next sweep tries again
                    log.exception("could not queue the notice that %s failed", key)
            return False
        self._failures.pop(key, None)
        return True

    def housekeeping(self, now: datetime) -> int:
        """The on-call handoff message and the daily digest, each once (and again if it failed)."""
        sent = 0
        channel = self.settings.slack_channel
        shift = on_call(self.rotation, self.overrides(), now)
        if shift is not None and now - shift.start < timedelta(hours=12):
            key = f"handoff:{iso(shift.start)}:{shift.user}"

            def handoff() -> None:
                open_convs = self.store.conversations(state="open")
                payload = {
                    "handoff": {
                        "user": shift.user,
                        "until": iso(shift.end),
                        "open": len(open_convs),
                        "earliest": open_convs[0].get("deadline") if open_convs else None,
                        "override": shift.override,
                    }
                }
                self.post("note", None, channel, key, payload)

            sent += self.daily(key, now, handoff)
        if self.digest_at is None:
            return sent
        local = now.astimezone(self.settings.tz)
        if local.time() < self.digest_at:
            return sent
        today = local.date().isoformat()

        for (
            account
        ) in self.accounts.names():  # with several accounts, each one's buyers in its own channel only
            sent += self._account_digest(account, now, today)
        sent += self._cases(now, today)
        return sent  # the weekly report is jobs/report.py: it asks SP-API for the week's orders first

    def _account_digest(self, account: str | None, now: datetime, today: str) -> int:
        """One account's digest in its channel (the first's, or the only one's, under the key a single account uses)."""
        key = f"digest:{today}" if account is None else f"digest:{account}:{today}"

        def daily_digest() -> None:
            from bot.clock.digest import digest

            if not self.accounts.several:  # one account: everything, as it always was
                payload = {"digest": digest(self.store, now, self.settings.tz)}
                self.post("note", None, self.accounts.first.slack_channel, key, payload)
                return
            ids = {  # the first account's also holds those of an account no longer configured (they still get cards)
                int(c["id"])
                for c in self.store.conversations()
                if c.get("account") == account
                or (account is None and not self.accounts.known(c.get("account")))
            }
            report = digest(self.store, now, self.settings.tz, only=ids, cases=account is None)
            payload = {"digest": {**report, "account": self.accounts.label(account)}}
            self.post("note", None, self.accounts.settings_for(account).slack_channel, key, payload)

        return self.daily(key, now, daily_digest)

    def _cases(self, now: datetime, today: str) -> int:
        """Daily follow-up reminders to case owners, and a warning before Amazon would close a case."""
        from bot.clock.cases import Cases

        cases = Cases(self.store, self.clock)
        sent = 0
        for case, kind in cases.due(now, today):
            closes = cases.closes_at(case)
            payload = {
                "case": {
                    **{k: case[k] for k in ("case_id", "summary", "owner", "opened_at", "last_update_at")},
                    "kind": kind,
                    "closes": iso(closes) if closes else None,
                }
            }
            self.post("note", None, str(case["owner"]), f"case:{case['case_id']}:{kind}:{today}", payload)
            cases.mark(case, kind, now, today)
            sent += 1
        return sent

    def add_override(self, *, user: str, start: datetime, end: datetime, by: str) -> None:
        """'I cover Sunday': someone takes the on-call duty for a time."""
        if end <= start:
            raise ValueError("an override ends after it starts")
        self.store.add_oncall_override(user=user, start=start, end=end, by=by)
