"""What the team asks the bot in Slack: an order, the open queue, who is on call, Amazon cases, the Home tab."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.cards.card import CardTime, answered_by, escape, follow_up_text, slack_date, time_left
from bot.cards.clock import mention
from bot.cards.ids import ActionId
from bot.cards.order import order_blocks
from bot.clock.clocks import Clock
from bot.clock.escalation import Escalator
from bot.clock.oncall import schedule
from bot.desk.roles import Role, Roles
from bot.errors import Refusal as Refusal  # re-exported: listeners and tests know it as bot.desk.desk.Refusal
from bot.errors import UpstreamError
from bot.mail.patterns import ORDER_ID
from bot.services.amazon_accounts import OrderLookup
from bot.services.slack import SlackError, SlackGateway
from bot.settings import Settings
from bot.store.store import Row, Store, parse_iso
from bot.workers.enricher import Enricher

log = logging.getLogger(__name__)

MAX_LIST = 40  # conversations listed in one message (50 blocks at most)
HOME_QUEUE = 60  # conversations on the Home tab (100 blocks at most)
DURATION = re.compile(r"^(\d+)\s*(h|d)$")
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def order_id_in(text: str) -> str | None:
    """An order id pasted with spaces, dashes or none, alone or inside text: '302 1234567 1234567' → '302-…'."""
    m = ORDER_ID.search(text or "")
    return "-".join(m.groups()) if m else None


@dataclass
class Answer:
    """A reply to a command: text (always) and blocks."""

    text: str
    blocks: list[dict[str, Any]]

    @classmethod
    def said(cls, text: str, mrkdwn: str) -> Answer:
        """An answer of one paragraph: `text` for notifications, `mrkdwn` shown (cut to Slack's 3,000 characters)."""
        return cls(text=text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn[:3000]}}])


class Desk:
    """The core behind slash commands, mentions and the Home tab; listeners only translate."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        *,
        slack: SlackGateway,
        enricher: Enricher,
        escalator: Escalator,
        roles: Roles,
        amazon: OrderLookup | None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.slack = slack
        self.enricher = enricher
        self.escalator = escalator
        self.roles = roles
        self.amazon = amazon

    # ---- /order ----

    async def order(self, text: str) -> Answer:
        """An order with its items, packages and tracking, the conversations about it, and their clocks."""
        order_id = order_id_in(text)
        if order_id is None:
            raise Refusal(
                f"“{text.strip() or '(nothing)'}” has no Amazon order id in it. Try `{self.settings.command_order} 302-1234567-1234567`."
            )
        if self.amazon is None:
            raise Refusal(
                "Order details need the SP-API connected (see the README): INBOX_BOT_SP_API_REFRESH_TOKEN …"
            )
        try:
            await self.enricher.enrich(order_id)
        except UpstreamError as e:
            raise Refusal(
                f"Amazon did not answer for order `{order_id}` ({e}). Try again in a minute."
            ) from e
        row = await self.store.run(self.store.order_row, order_id=order_id) or {}
        if row.get("not_found"):
            raise Refusal(f"Amazon knows no order `{order_id}` in this seller account: check the number.")
        at = CardTime(now=self.clock.now(), tz=self.settings.tz)
        convs = await self.store.run(self.store.conversations_for_order, order_id=order_id)
        view = self.enricher.order_view(
            {"order_id": order_id, "marketplace": convs[0].get("marketplace") if convs else None}
        )
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": f"Order {order_id}"}}
        ]
        if view is not None:  # always, for an order id
            blocks += order_blocks(view, at, conversation_id=int(convs[0]["id"]) if convs else None)
        if row.get("error") and view and view.order is None:
            raise Refusal(
                f"Amazon did not answer for order `{order_id}` ({row['error']}). Try again in a minute."
            )
        lines = []
        for conv in convs[:10]:
            link = await self.permalink(conv)
            state = self.state_text(conv, at)
            who = escape(conv.get("buyer_name") or "buyer")
            lines.append(f"• {f'<{link}|{who}>' if link else who}: {state}")
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "*Conversations*\n"
                    + ("\n".join(lines) if lines else "_No buyer message about this order._"),
                },
            }
        )
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": ActionId.SHARE_ORDER,
                        "text": {"type": "plain_text", "text": "Share in channel"},
                        "value": order_id,
                    }
                ],
            }
        )
        return Answer(text=f"Order {order_id}", blocks=blocks[:50])

    async def permalink(self, conv: Row) -> str | None:
        """The link to a conversation's card."""
        if not conv.get("slack_ts"):
            return None
        try:
            link: str | None = await self.slack.permalink(
                channel=str(conv["slack_channel"]), ts=str(conv["slack_ts"])
            )
        except SlackError:
            return None  # the card is listed without its link
        return link

    def state_text(self, conv: Row, at: CardTime) -> str:
        """'answered by …', 'closed', or the time left with the stage colour."""
        if conv.get("state") == "answered":
            return (
                f"answered {answered_by(str(conv['answered_by']))}" if conv.get("answered_by") else "answered"
            ) + follow_up_text(conv, at)
        if conv.get("state") == "closed":
            return "closed (no response needed)"
        deadline = parse_iso(conv.get("deadline"))
        if deadline is None:
            return "open"
        claimed = f", {mention(conv['claimed_by'])} is on it" if conv.get("claimed_by") else ""
        return f"{time_left(deadline, at.now)} (due {slack_date(deadline, at.tz)}){claimed}"

    # ---- /inbox ----

    def queue(self, *, filter_: str = "", user: str = "") -> list[Row]:
        """Open conversations by deadline, optionally only mine, unclaimed or breached."""
        now = self.clock.now()
        rows = [c for c in self.store.conversations(state="open") if c.get("deadline")]
        if filter_ == "mine":
            rows = [c for c in rows if c.get("claimed_by") == user]
        elif filter_ == "unclaimed":
            rows = [c for c in rows if not c.get("claimed_by")]
        elif filter_ == "breached":
            rows = [c for c in rows if (parse_iso(c["deadline"]) or now) <= now]
        elif filter_:
            raise Refusal(
                f"“{filter_}” is not a filter: use `{self.settings.command_inbox} mine`, `unclaimed` or `breached`."
            )
        return rows

    async def inbox(self, text: str, user: str) -> Answer:
        """The open queue as a message."""
        filter_ = (text or "").strip().lower()
        rows = await self.store.run(self.queue, filter_=filter_, user=user)
        at = CardTime(now=self.clock.now(), tz=self.settings.tz)
        title = f"Open conversations{f' ({filter_})' if filter_ else ''}: {len(rows)}"
        lines = []
        for conv in rows[:MAX_LIST]:
            link = await self.permalink(conv)
            who = escape(conv.get("buyer_name") or "buyer")
            order = f" `{escape(conv['order_id'])}`" if conv.get("order_id") else ""
            lines.append(f"• {f'<{link}|{who}>' if link else who}{order}: {self.state_text(conv, at)}")
        if len(rows) > MAX_LIST:
            lines.append(f"_… and {len(rows) - MAX_LIST} more_")
        if not lines:
            lines.append("_Nothing open. Well done._")
        mine = [
            c
            for c in await self.store.run(self.store.waiting)
            if filter_ != "mine" or user in (c.get("claimed_by"), c.get("follow_up_by"))
        ]
        if mine and filter_ in ("", "mine"):
            lines.append(f"\n*Follow-ups ({len(mine)})*")
            for conv in mine[:MAX_LIST]:
                link = await self.permalink(conv)
                who = escape(conv.get("buyer_name") or "buyer")
                order = f" `{escape(conv['order_id'])}`" if conv.get("order_id") else ""
                lines.append(f"• {f'<{link}|{who}>' if link else who}{order}: {self.state_text(conv, at)}")
        body = "\n".join(lines)
        chunks = [body[i : i + 2900] for i in range(0, len(body), 2900)][:45]
        blocks = [{"type": "header", "text": {"type": "plain_text", "text": title[:150]}}]
        blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": c}} for c in chunks]
        return Answer(text=title, blocks=blocks)

    # ---- /oncall ----

    def oncall(self, text: str, user: str) -> Answer:
        """`/oncall`: who is on call and the next shifts; `me [for 8h|until sun]` or `@user …` sets an override."""
        words = (text or "").strip().split()
        now = self.clock.now()
        esc = self.escalator
        if words:
            who = user if words[0].lower() == "me" else self._user(words[0])
            end = self._until(words[1:], now)
            if who != user:
                self.roles.require(user, Role.LEAD, what="put someone else on call")
            limit = self.settings.max_override_hours
            if end - now > timedelta(hours=limit):
                self.roles.require(
                    user,
                    Role.LEAD,
                    what=f"set an on-call override longer than {limit:g} hours",
                    hint=f"You can take up to `{self.settings.command_oncall} me for {limit:g}h`.",
                )
            try:
                esc.add_override(user=who, start=now, end=end, by=user)
            except ValueError as e:  # an override that ends before it starts
                raise Refusal(f"{e}: give a time in the future, e.g. `for 8h` or `until sun`.") from e
            at = CardTime(now=now, tz=self.settings.tz)
            return Answer.said(
                f"{who} is on call until {end.isoformat()}",
                f":pager: {mention(who)} is on call until {slack_date(end, at.tz)} (set by {mention(user)}).",
            )
        shifts = schedule(esc.rotation, esc.overrides(), now, 4)
        at = CardTime(now=now, tz=self.settings.tz)
        if not shifts:
            return Answer.said(
                "No on-call rotation is set up",
                "No on-call rotation is set up: set INBOX_BOT_ONCALL_MEMBERS or INBOX_BOT_ONCALL_USERGROUP, or take it with `/oncall me`.",
            )
        lines = [
            f"{'*Now:*' if n == 0 else '•'} {mention(s.user)} until {slack_date(s.end, at.tz)}{' (covering)' if s.override else ''}"
            for n, s in enumerate(shifts)
        ]
        return Answer.said(f"On call now: {shifts[0].user}", "\n".join(lines))

    @staticmethod
    def _user(word: str) -> str:
        m = re.match(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$", word)
        if not m:
            raise Refusal(f"“{word}” is not a person: mention them, like `/oncall @anna for 8h`.")
        return m.group(1)

    def _until(self, words: list[str], now: datetime) -> datetime:
        """'for 8h', 'for 2d', 'until sun' (the end of that day), or by default the end of today (local)."""
        tz = self.settings.tz
        text = " ".join(words).lower().strip()
        local = now.astimezone(tz)
        if not text:
            return (local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)).astimezone(
                now.tzinfo
            )
        m = re.match(r"^for\s+(\d+)\s*(h|d)$", text)
        if m:
            n = int(m.group(1))
            try:
                return now + (timedelta(hours=n) if m.group(2) == "h" else timedelta(days=n))
            except OverflowError as e:
                raise Refusal(f"“{text}” is longer than the calendar: say `for 8h` or `for 2d`.") from e
        m = re.match(r"^until\s+(mon|tue|wed|thu|fri|sat|sun)\w*$", text)
        if m:
            ahead = (WEEKDAYS.index(m.group(1)) - local.weekday()) % 7
            day = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=ahead + 1)
            return day.astimezone(now.tzinfo)
        raise Refusal(f"“{text}”: say `for 8h`, `for 2d` or `until sun`.")

    # ---- /case ----

    def case(self, text: str, user: str) -> Answer:
        """`/case` lists; `add ID summary`, `update ID`, `close ID` track Amazon support cases."""
        from bot.clock.cases import CaseProblem, Cases

        cases = Cases(self.store, self.clock)
        words = (text or "").split(maxsplit=2)
        verb = words[0].lower() if words else "list"
        at = CardTime(now=self.clock.now(), tz=self.settings.tz)
        cmd = self.settings.command_case
        if verb in ("add", "update", "close"):
            self.roles.require(user, Role.RESPONDER, what="track, update or close Amazon cases")
        try:
            if verb == "add" and len(words) >= 2:
                case = cases.add(case_id=words[1], summary=words[2] if len(words) > 2 else "", owner=user)
                closes = cases.closes_at(case)
                return Answer.said(
                    f"Tracking case {case['case_id']}",
                    f":memo: Tracking Amazon case *{escape(case['case_id'])}* for {mention(user)}: a reminder every day, a warning before it would close by itself ({slack_date(closes, at.tz) if closes else '—'}).",
                )
            if verb in ("update", "close") and len(words) >= 2:
                case = (
                    cases.touch(words[1], user=user) if verb == "update" else cases.close(words[1], user=user)
                )
                done = "updated: its two weeks start again" if verb == "update" else "closed"
                return Answer.said(
                    f"Case {case['case_id']} {done}", f"Case *{escape(case['case_id'])}* {done}."
                )
            if verb != "list":
                raise Refusal(
                    f"Use `{cmd} add 1234567890 what it is about`, `{cmd} update ID`, `{cmd} close ID` or `{cmd}`."
                )
        except CaseProblem as e:
            raise Refusal(str(e)) from e
        rows = cases.open_cases()
        lines = []
        for case in rows[:40]:
            closes = cases.closes_at(case)
            lines.append(
                f"• *{escape(case['case_id'])}* {escape(case['summary'])}: {mention(case['owner'])}, closes by itself {slack_date(closes, at.tz) if closes else '—'}"
            )
        body = "\n".join(lines) or "_No open cases._"
        return Answer.said(
            f"Open Amazon cases: {len(rows)}", f"*Open Amazon cases: {len(rows)}*\n{body}"[:3000]
        )

    # ---- help ----

    def help(self) -> Answer:
        """What the bot understands."""
        s = self.settings
        text = "\n".join(
            [
                "*inbox-bot* answers Amazon buyers from this channel. Commands:",
                f"• `{s.command_order} 302-1234567-1234567`: the order, its tracking and its conversations",
                f"• `{s.command_inbox} [mine|unclaimed|breached]`: open conversations by deadline",
                f"• `{s.command_oncall}`: who is on call; `{s.command_oncall} me for 8h`, `{s.command_oncall} @anna until sun`",
                f"• `{s.command_case} add 1234567890 summary`, `{s.command_case}`, `{s.command_case} update|close ID`: Amazon support cases",
                "In a card's thread (slash commands do not work there), mention the bot:",
                "• `@inbox-bot order`, `@inbox-bot claim`, `@inbox-bot send <template>`, `@inbox-bot help`",
                "Buttons on each card reply with a template; every reply is checked against Amazon's rules first.",
            ]
        )
        return Answer.said("inbox-bot help", text)

    # ---- App Home ----

    def home(self, user: str) -> dict[str, Any]:
        """The Home tab: my conversations, the queue by deadline, on call now and next, today's numbers."""
        from bot.clock.digest import digest

        now = self.clock.now()
        at = CardTime(now=now, tz=self.settings.tz)
        rows = self.queue()
        mine = [c for c in rows if c.get("claimed_by") == user]

        def line(conv: Row) -> str:
            order = f" `{escape(conv['order_id'])}`" if conv.get("order_id") else ""
            return f"• {escape(conv.get('buyer_name') or 'buyer')}{order}: {self.state_text(conv, at)}"

        def sections(title: str, items: list[str], empty: str) -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = [
                {"type": "header", "text": {"type": "plain_text", "text": title[:150]}}
            ]
            body = "\n".join(items) or empty
            for start in range(0, len(body), 2900):
                out.append(
                    {"type": "section", "text": {"type": "mrkdwn", "text": body[start : start + 2900]}}
                )
            return out

        blocks: list[dict[str, Any]] = []
        blocks += sections(
            f"Mine ({len(mine)})",
            [line(c) for c in mine[:20]],
            "_Nothing claimed. Press “I'll take it” on a card._",
        )
        queue = [line(c) for c in rows[:HOME_QUEUE]]
        if len(rows) > HOME_QUEUE:
            queue.append(
                f"_… and {len(rows) - HOME_QUEUE} more: `{self.settings.command_inbox}` lists them._"
            )
        blocks += sections(f"Queue by deadline ({len(rows)} open)", queue, "_Nothing open._")
        waiting = self.store.waiting()
        if waiting:
            blocks += sections(f"Follow-ups ({len(waiting)})", [line(c) for c in waiting[:HOME_QUEUE]], "")
        shifts = schedule(self.escalator.rotation, self.escalator.overrides(), now, 2)
        oncall = [
            f"{'Now' if n == 0 else 'Next'}: {mention(s.user)} until {slack_date(s.end, at.tz)}"
            for n, s in enumerate(shifts)
        ]
        blocks += sections("On call", oncall, "_No rotation set up._")
        numbers = digest(self.store, now, self.settings.tz)
        lrr = numbers.get("lrr_7")
        today = [
            f"Answered yesterday: *{numbers['answered_yesterday']}*, breaches: *{numbers['breaches_yesterday']}*",
            f"Late Response Rate (7 days): *{'—' if lrr is None else f'{lrr * 100:.1f} %'}*",
        ]
        blocks += sections("Numbers", today, "")
        return {"type": "home", "blocks": blocks[:100]}
