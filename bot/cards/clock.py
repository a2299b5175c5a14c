"""Block Kit for the clock: stage reminders in a card's thread (or a DM), on-call handoffs, the daily digest."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.cards.card import CardTime, Message, escape, percent, slack_date, time_left
from bot.cards.ids import ActionId
from bot.cards.order import CARRIER_NAMES
from bot.clock.sla import STAGE_ICONS, Stage
from bot.store.store import parse_iso

WORDS = {
    Stage.DUE_SOON: "Due soon",
    Stage.URGENT: "Urgent",
    Stage.CRITICAL: "Critical",
    Stage.BREACHED: "Overdue: Amazon counts this answer as late",
    Stage.FRESH: "New",
}


def mention(who: str) -> str:
    """<@U…> for a person, <!subteam^S…> for a user group."""
    return f"<!subteam^{who}>" if who.startswith("S") else f"<@{who}>"


def reminder(payload: dict[str, Any], at: CardTime, *, direct: bool = False) -> Message:
    """A stage reminder: how much time is left, who should act, whether it comes late."""
    stage = Stage(payload["stage"])
    deadline = parse_iso(payload["deadline"]) or at.now
    who = " ".join(mention(w) for w in payload.get("mentions") or [])
    left = time_left(deadline, at.now)
    subject = escape(payload.get("buyer") or "a buyer")
    if payload.get("order_id"):
        subject += f", order `{escape(payload['order_id'])}`"
    text = f"{STAGE_ICONS[stage]} *{WORDS[stage]}*: {left} to answer {subject} (due {slack_date(deadline, at.tz)})."
    if who:
        text += f" {who} please take it."
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    if payload.get("late"):
        planned = parse_iso(payload.get("planned_at"))
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f":clock3: Sent late: this reminder was due {slack_date(planned, at.tz) if planned else 'earlier'} "
                        "while the bot was not running.",
                    }
                ],
            }
        )
    if not direct:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": ActionId.CLAIM.value,
                        "text": {"type": "plain_text", "text": "I'm on it"},
                        "value": "claim",
                        "style": "primary",
                    }
                ],
            }
        )
    else:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": "You are on call. The card is in the inbox channel."}
                ],
            }
        )
    fallback = f"{WORDS[stage]}: {left} to answer {escape(payload.get('buyer') or 'a buyer')}"
    return {"text": fallback, "blocks": blocks}


def follow_up(payload: dict[str, Any], at: CardTime) -> Message:
    """A follow-up came due: who promised what to whom, with Snooze and Done."""
    conv_id = int(payload["follow_up"])
    due = parse_iso(payload.get("due")) or at.now
    subject = escape(payload.get("buyer") or "the buyer")
    if payload.get("order_id"):
        subject += f", order `{escape(payload['order_id'])}`"
    who = f"{mention(payload['who'])}: " if payload.get("who") else ""
    by = f" by {mention(payload['by'])}" if payload.get("by") else ""
    text = (
        f":alarm_clock: *Follow-up due* ({slack_date(due, at.tz)}): {who}the reply{by} to {subject} promised to "
        "come back, and the buyer has not written since. Check and keep the promise."
    )
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    if payload.get("note"):
        quoted = "\n".join(f"> {line}" for line in escape(str(payload["note"])).splitlines())
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"What was sent:\n{quoted}"[:2900]}]}
        )

    value = f"{conv_id}@{payload.get('due')}"  # the conversation and the due time this reminder is about

    def button(text: str, action_id: str, style: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "button",
            "action_id": action_id,
            "text": {"type": "plain_text", "text": text},
            "value": value,
        }
        if style:
            out["style"] = style
        return out

    snooze = ActionId.FOLLOW_UP_SNOOZE.value
    blocks.append(
        {
            "type": "actions",
            "elements": [
                button("Done", ActionId.FOLLOW_UP_DONE.value, "primary"),
                button("Snooze 4 h", f"{snooze}:4"),
                button("Snooze 1 day", f"{snooze}:24"),
            ],
        }
    )
    return {"text": f"Follow-up due: {escape(payload.get('buyer') or 'a buyer')}", "blocks": blocks}


def parcel_note(payload: dict[str, Any], at: CardTime) -> Message:
    """A parcel in trouble: what the carrier says, since when, and the message to write before the buyer asks."""
    name = str(payload.get("carrier") or "")
    carrier = escape(CARRIER_NAMES.get(name, name or "the carrier"))
    since = parse_iso(payload.get("since"))
    when = f" (since {slack_date(since, at.tz)})" if since else ""
    text = f":package: *Parcel `{escape(str(payload['parcel']))}`* ({carrier}) {escape(str(payload.get('what')))}{when}."
    event = payload.get("last_event") or {}
    if event.get("description"):
        where = f", {escape(event['location'])}" if event.get("location") else ""
        text += f"\nLast scan: {escape(event['description'])}{where}"
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}]
    if payload.get("template"):
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": "Write to the buyer before they ask: it prevents claims."}
                ],
            }
        )
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"{ActionId.TEMPLATE.value}:{payload['template']}",
                        "text": {"type": "plain_text", "text": "Write to the buyer"},
                        "value": str(payload["template"]),
                        "style": "primary",
                    }
                ],
            }
        )
    return {"text": escape(f"Parcel {payload['parcel']} {payload.get('what')}"), "blocks": blocks}


def quiet_mailbox(payload: dict[str, Any], at: CardTime) -> Message:
    """The mailbox watchdog: no Amazon mail for hours (of business time, or while orders came in), and what to check."""
    last = parse_iso(payload.get("last_mail"))
    seen = f"the last one came {slack_date(last, at.tz)}" if last else "none has come since the bot started"
    whose = f"*{escape(str(payload['account']))}:* " if payload.get("account") else ""
    if payload.get("orders"):  # the shop sells (searchOrders) while nothing comes: surely not a quiet day
        n = escape(str(payload["orders"]))
        seen += f", while {n} order{'' if n == '1' else 's'} came in"
    text = whose + (
        f":mailbox_with_no_mail: *No mail from Amazon for {payload.get('hours', 12):g} hours* ({seen}). Buyer "
        "messages may not be reaching this mailbox, and their 24 hours run all the same. Please check:\n"
        "• Seller Central → Settings → Notification Preferences → Messaging: this mailbox's address, *Buyer "
        "Messages* ticked\n• Buyer-Seller Messages in Seller Central for messages not here\n"
        "• the mailbox: full (quota), a filter or rule moving Amazon's mail, the folder the bot reads"
    )
    return {
        "text": "No mail from Amazon for hours",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def full_mailbox(payload: dict[str, Any], at: CardTime) -> Message:
    """The mailbox watchdog: the mailbox is nearly full, and a full one refuses Amazon's mails."""
    used, limit = (int(n) for n in payload["quota"])
    whose = f"*{escape(str(payload['account']))}:* " if payload.get("account") else ""
    text = whose + (
        f":inbox_tray: *The mailbox is {100 * used // max(limit, 1)} % full* ({used // 1024:,} of {limit // 1024:,} MB). "
        "When it is full, the server refuses Amazon's mails and buyer messages never arrive here. Delete or archive "
        "old mail in it (the bot keeps its own copy of every message) or raise the mailbox's quota."
    )
    return {
        "text": "The mailbox is nearly full",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def handoff(payload: dict[str, Any], at: CardTime) -> Message:
    """The on-call handoff with the open queue."""
    h = payload["handoff"]
    until = parse_iso(h.get("until"))
    earliest = parse_iso(h.get("earliest"))
    cover = " (covering)" if h.get("override") else ""
    text = (
        f":pager: {mention(h['user'])} is on call now{cover}"
        + (f" until {slack_date(until, at.tz)}" if until else "")
        + "."
    )
    queue = f"Open conversations: *{h.get('open', 0)}*" + (
        f", the earliest due {slack_date(earliest, at.tz)} ({time_left(earliest, at.now)})"
        if earliest
        else ""
    )
    return {
        "text": f"On call now: {h['user']}",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"{text}\n{queue}"}}],
    }


JOB_NAMES = {
    "handoff": "on-call handoff",
    "digest": "daily digest",
    "weekly": "weekly report",
    "purge": "retention purge",
}


def job_failed(payload: dict[str, Any], at: CardTime) -> Message:
    """A daily job that failed twice in a row: what, why, and that it is retried."""
    j = payload["job_failed"]
    name = JOB_NAMES.get(str(j["job"]).split(":", 1)[0], str(j["job"]))
    text = (
        f":warning: The {name} ({escape(str(j['job']))}) failed"
        + (" twice" if j.get("retried", True) else "")
        + f": `{escape(str(j['error']))}`. "
        + ("It is tried again at every sweep; " if j.get("retried", True) else "It is not tried again; ")
        + "the log has the details."
    )
    return {
        "text": f"The {name} failed",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def digest(payload: dict[str, Any], at: CardTime) -> Message:
    """The daily digest."""
    d = payload["digest"]
    whose = f" · {d['account']}" if d.get("account") else ""
    lines = [
        f"*Open:* {d['open']}",
        f"*Answered yesterday:* {d['answered_yesterday']}   *Breaches yesterday:* {d['breaches_yesterday']}",
        "*First response (7 days):* "
        + (
            f"median {d['median_minutes']} min, 90 % within {d['p90_minutes']} min"
            if d.get("median_minutes") is not None
            else "—"
        ),
        f"*Late Response Rate (estimate):* 7 days {percent(d.get('lrr_7'))}, 30 days {percent(d.get('lrr_30'))}",
    ]
    if d.get("follow_ups"):
        lines.append(f"*Follow-ups promised:* {d['follow_ups']}, due now: {d.get('follow_ups_due', 0)}")
    queue = []
    for item in d.get("queue") or []:
        deadline = parse_iso(item.get("deadline"))
        order = f" `{escape(item['order_id'])}`" if item.get("order_id") else ""
        due = (
            f"{slack_date(deadline, at.tz)} ({time_left(deadline, at.now)})"
            if isinstance(deadline, datetime)
            else "—"
        )
        queue.append(f"• {escape(item.get('buyer') or 'buyer')}{order}: due {due}")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Inbox digest for {d['date']}{whose}"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}},
    ]
    if queue:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Next due:*\n" + "\n".join(queue)}}
        )
    cases = d.get("cases") or []
    if cases:
        listed = "\n".join(
            f"• {escape(c['case_id'])} {escape(c['summary'])} ({mention(c['owner'])})" for c in cases[:10]
        )
        text = f"*Open Amazon cases ({len(cases)}):*\n{listed}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
    return {"text": f"Inbox digest for {d['date']}: {d['open']} open", "blocks": blocks}


def weekly(payload: dict[str, Any], at: CardTime) -> Message:
    """The weekly report in the channel."""
    w = payload["weekly"]
    start, end = parse_iso(w["since"]), parse_iso(w["until"])
    span = (
        f"{start.astimezone(at.tz):%d %b} – {(end - timedelta(days=1)).astimezone(at.tz):%d %b}"
        if start and end
        else ""
    )
    times = ", ".join(f"{k}: {v}" for k, v in w["response_time"].items() if v)
    worst_hours = sorted(((n, h) for h, n in w["breaches_by_hour"].items() if n), reverse=True)[:3]
    worst_days = sorted(((n, d) for d, n in w["breaches_by_weekday"].items() if n), reverse=True)[:3]
    intents = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in list(w["messages_by_intent"].items())[:6])
    lines = [
        f"*Buyer messages:* {w['messages']}   *Answered late or not at all:* {w['breaches']}",
        f"*Late Response Rate:* {percent(w.get('late_response_rate'))}",
        f"*Response times:* {times or '—'}",
        "*First response:* "
        + (
            f"median {w['median_minutes']} min, 90 % within {w['p90_minutes']} min"
            if w.get("median_minutes") is not None
            else "—"
        ),
        "*Breaches by hour:* " + (", ".join(f"{h}:00 ({n})" for n, h in worst_hours) or "none"),
        "*Breaches by weekday:* " + (", ".join(f"{d} ({n})" for n, d in worst_days) or "none"),
        f"*By intent:* {intents or '—'}",
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Weekly report {span}".strip()[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}},
    ]
    if w.get("health"):  # reports queued before the section existed have none
        health = "*Account health*\n" + "\n".join(health_lines(w["health"]))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": health[:3000]}})
    return {"text": f"Weekly report: {w['messages']} messages, {w['breaches']} late", "blocks": blocks}


def health_lines(h: dict[str, Any]) -> list[str]:
    """The weekly report's account health: orders, claims and chargebacks per 100 orders, outcomes, valid tracking
    (with what was not checked), handling time per person."""
    if h.get("orders") is not None:
        orders = f"*Orders:* {h['orders']} ({escape(', '.join(h.get('marketplaces') or []))})"
    else:
        orders = f"*Orders:* unknown ({escape(str(h.get('orders_unknown') or 'no SP-API'))}): counts only"
    lines = [orders]
    for name, label in (("a_to_z_claims", "A-to-z claims"), ("chargebacks", "Chargebacks")):
        per = h.get(f"{name}_per_100")
        lines.append(f"*{label}:* {h.get(name, 0)}" + (f" ({per} per 100 orders)" if per is not None else ""))
    outcomes = ", ".join(f"{escape(k.replace('_', ' '))} {v}" for k, v in (h.get("outcomes") or {}).items())
    lines.append(f"*Outcomes:* {outcomes or '—'}")
    vt = h.get("valid_tracking")
    if vt is None:
        lines.append("*Valid tracking rate:* unknown (needs the orders from SP-API)")
    else:
        lines.append(
            f"*Valid tracking rate:* {percent(vt['rate'])}: {vt['valid']} of {vt['checked']} seller-fulfilled packages "
            f"shipped had a carrier scan"
            + (f"; {vt['unchecked']} more not checked" if vt["unchecked"] else "")
        )
    people = [
        f"{mention(p['user'])} "
        + (f"{p['median_minutes']} min" if p["median_minutes"] is not None else "start unknown")
        + f" ({p['sends']})"
        for p in (h.get("handling") or [])[:20]
    ]
    lines.append("*Handling time (median, sends):* " + (", ".join(people) or "—"))
    return lines


def case_note(payload: dict[str, Any], at: CardTime) -> Message:
    """A DM to a case's owner: follow up today, or it closes by itself soon."""
    c = payload["case"]
    closes = parse_iso(c.get("closes"))
    opened = parse_iso(c.get("opened_at"))
    days = (at.now - opened).days if opened else 0
    if c["kind"] == "warn":
        head = f":warning: *Amazon case {escape(c['case_id'])} closes by itself {slack_date(closes, at.tz) if closes else 'soon'}* without an answer: follow up or reopen it."
    else:
        head = f":memo: Follow up on Amazon case *{escape(c['case_id'])}* today (open {days} day{'s' if days != 1 else ''})."
    text = f"{head}\n> {escape(c.get('summary') or '')}\nWhen it moves: `/case update {c['case_id']}`; when solved: `/case close {c['case_id']}`."
    return {
        "text": head.replace("*", ""),
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }
