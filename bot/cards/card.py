"""Block Kit builders: pure functions from stored data to Slack message JSON, within Slack's limits."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Any

from bot.store.store import ANSWERED_OUTSIDE_SLACK, Row, parse_iso

# Slack's limits (shared/docs/slack.md)
MAX_BLOCKS = 50
SECTION_TEXT = 3000
HEADER_TEXT = 150
FIELD_TEXT = 2000
CONTEXT_ELEMENTS = 10
FALLBACK_TEXT = 3000  # the notification text; Slack truncates above 40,000
CARD_TEXT_BUDGET = 2800  # buyer text on the card; the rest goes to the thread
CHUNK = 2900

Message = dict[str, Any]


class PostKind(StrEnum):
    """What an outbox item posts or changes."""

    CARD = "post_card"
    THREAD = "post_thread"
    UPDATE = "update_card"
    NOTE = "post_note"  # a message of its own: a DM, the on-call handoff, the digest
    PHOTO = "post_photo"  # a buyer's picture uploaded into the card's thread
    FILE = "post_file"  # a text file (a claim's evidence) uploaded into the card's thread


class MetadataEvent(StrEnum):
    """Slack message-metadata event types the bot writes, to recognise its own posts."""

    POST = "inbox_bot_post"


NOTICE_TITLES = {
    "cancellation_request": "Cancellation requested by the buyer",
    "a_to_z_claim": "A-to-z Guarantee claim",
    "chargeback": "Chargeback",
    "return_request": "Return request",
    "refund_issued": "Refund issued",
    "message_not_delivered": "Your message was NOT delivered",
    "other_notice": "Notice from Amazon",
}
NOTICE_NEEDS_ACTION = {
    "cancellation_request",
    "a_to_z_claim",
    "chargeback",
    "return_request",
    "message_not_delivered",
}


def percent(value: float | None) -> str:
    """A share as people read it: 12.5 %, or — when it is not known."""
    return "—" if value is None else f"{value * 100:.1f} %"


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control: & < >."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_to_plain(text: str) -> str:
    """Slack message text as the buyer should read it: entities decoded, <links|labels> and mentions unwrapped."""
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"<[@#!][^>]*>", "", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def truncate(text: str, limit: int) -> str:
    """Cut text to `limit` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def quoted(text: str, limit: int) -> str:
    """Text as a Slack quote (escaped, each line after '> '), at most `limit` characters in all, cut with an
    ellipsis (escaping and quoting make text longer, so the cut comes after them, never inside an entity)."""
    quote = "\n".join("> " + line if line else ">" for line in escape(text).split("\n"))
    if len(quote) <= limit:
        return quote
    cut = re.sub(r"&[a-z]*$", "", quote[: limit - 1])
    return cut.rstrip() + "…"


def chunks(text: str, size: int = CHUNK) -> list[str]:
    """Split text into pieces of at most `size` characters, at line or word breaks where possible."""
    out: list[str] = []
    rest = text
    while len(rest) > size:
        cut = rest.rfind("\n", size // 2, size)
        if cut < 0:
            cut = rest.rfind(" ", size // 2, size)
        if cut < 0:
            cut = size
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not out:
        out.append(rest)
    return out


def split_for_card(text: str) -> tuple[str, list[str]]:
    """The part of a buyer's text shown on the card, and the parts continued in the thread."""
    if len(text) <= CARD_TEXT_BUDGET:
        return text, []
    head = chunks(text, CARD_TEXT_BUDGET)[0]
    return head, chunks(text[len(head) :].lstrip())


def _fallback(text: str) -> str:
    """The notification text: Slack reads it as mrkdwn too, so it is escaped like the blocks."""
    return truncate(escape(text), FALLBACK_TEXT)


def _plain(text: str, limit: int = HEADER_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text or " ", limit), "emoji": True}


def _mrkdwn(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": truncate(text or " ", limit)}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def _context(*texts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(t, FIELD_TEXT) for t in texts if t][:CONTEXT_ELEMENTS]}


def _quote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in escape(text).split("\n"))


def limit(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most Slack's 50 blocks; a shortened card says so in its last."""
    return _limit(blocks)


def _limit(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    return [*blocks[: MAX_BLOCKS - 1], _context("_(shortened: Slack shows at most 50 blocks)_")]


@dataclass(frozen=True)
class CardTime:
    """How the answer-by time is shown: clock now, team timezone, and Amazon's window in hours."""

    now: datetime
    tz: tzinfo


def format_local(when: datetime, tz: tzinfo) -> str:
    """'Tue 24 Nov 14:03 CET' in the team's timezone."""
    local = when.astimezone(tz)
    return f"{local:%a %d %b %H:%M} {local.tzname()}"


def slack_date(when: datetime, tz: tzinfo) -> str:
    """A Slack date token (shown in each reader's own timezone) with the team-time fallback."""
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{format_local(when, tz)}>"


def time_left(deadline: datetime, now: datetime) -> str:
    """'5 h 12 min left' or 'overdue by 1 h 3 min'."""
    seconds = int((deadline - now).total_seconds())
    minutes = abs(seconds) // 60
    span = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    return f"{span} left" if seconds >= 0 else f"overdue by {span}"


def _size(n: int) -> str:
    return f"{n / 1_048_576:.1f} MB" if n >= 1_048_576 else f"{max(1, round(n / 1024))} KB"


def attachments_line(attachments_json: str | None) -> str:
    """'📎 photo.jpg (120 KB)' for each attachment, or ''."""
    try:
        items = json.loads(attachments_json or "[]")
    except ValueError:
        return ""
    parts = [
        f"{escape(a['filename'])} ({_size(int(a.get('size', 0)))})" for a in items if isinstance(a, dict)
    ]
    return (":paperclip: " + ", ".join(parts)) if parts else ""


def answered_by(who: str) -> str:
    """'by @person', or 'in Seller Central' when Amazon's copy of a reply sent there closed the clock."""
    return "in Seller Central" if who == ANSWERED_OUTSIDE_SLACK else f"by <@{who}>"


def follow_up_text(conv: Row, at: CardTime) -> str:
    """', waiting: follow-up Wed 10:00' / ', :alarm_clock: follow-up due since …' for an answered conversation, or ''."""
    due = parse_iso(conv.get("follow_up_at"))
    if due is None or conv.get("state") != "answered":
        return ""
    if due <= at.now:
        return f", :alarm_clock: *follow-up due* since {slack_date(due, at.tz)}"
    return f", waiting for the buyer: follow-up {slack_date(due, at.tz)}"


def _deadline_text(conv: Row, at: CardTime) -> str:
    deadline = parse_iso(conv.get("deadline"))
    state = conv.get("state")
    if state == "answered":
        return ":white_check_mark: Answered" + follow_up_text(conv, at)
    if state == "closed":
        return ":white_check_mark: Closed"
    if deadline is None:
        return "—"
    icons = {
        "due_soon": ":large_yellow_circle:",
        "urgent": ":large_orange_circle:",
        "critical": ":red_circle:",
        "breached": ":rotating_light:",
    }
    icon = icons.get(str(conv.get("sla_stage")), ":hourglass_flowing_sand:")
    if deadline <= at.now:
        icon = ":rotating_light:"
    return f"{icon} {slack_date(deadline, at.tz)} ({time_left(deadline, at.now)})"


def buyer_card(conv: Row, latest: Row, at: CardTime, *, extra: list[dict[str, Any]] | None = None) -> Message:
    """The parent card of a buyer conversation, showing its latest buyer message."""
    name = conv.get("buyer_name") or "Amazon buyer"
    site = conv.get("marketplace") or "Amazon"
    order = conv.get("order_id")
    header = f"{name} · {site}"
    fields = [
        _mrkdwn(f"*Order*\n{f'`{escape(order)}`' if order else 'none (pre-sale question)'}", FIELD_TEXT),
        _mrkdwn(f"*Topic*\n{escape(conv.get('topic') or latest.get('topic') or '—')}", FIELD_TEXT),
        _mrkdwn(f"*Answer by*\n{_deadline_text(conv, at)}", FIELD_TEXT),
        _mrkdwn(f"*Language*\n{escape(conv.get('language') or '—')}", FIELD_TEXT),
    ]
    shown, rest = split_for_card(latest.get("text") or "")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(header)},
        {"type": "section", "fields": fields},
        _section(_quote(shown) if shown.strip() else "_(no text: see attachments)_"),
    ]
    if rest:
        blocks.append(_context(f"_Message continues in the thread ({len(rest)} more part(s))._"))
    count = int(conv.get("message_count") or 1)
    received = parse_iso(latest.get("received_at"))
    blocks.append(
        _context(
            f"Received {slack_date(received, at.tz)}" if received else "",
            f"Message {count} in this conversation" if count > 1 else "",
            attachments_line(latest.get("attachments")),
            f"Buyer: {escape(conv.get('buyer_alias') or '')}",
        )
    )
    blocks.extend(extra or [])
    fallback = f"New buyer message from {name} ({site})" + (f", order {order}" if order else "")
    if count > 1:
        fallback = f"Buyer {name} wrote again ({site})" + (f", order {order}" if order else "")
    return {"text": _fallback(fallback), "blocks": _limit(blocks)}


def raw_card(conv: Row, message: Row, at: CardTime, raw_text: str) -> Message:
    """A mail the parser could not take apart, shown as received so nothing is lost; a mail too large to hold says
    where to read it and shows the start of its text."""
    if message.get("location"):
        return _too_large_card(conv, message, at)
    error = message.get("parse_error") or "unknown problem"
    preview = truncate(escape(raw_text).replace("```", "``\u200b`"), SECTION_TEXT - 10)
    blocks = [
        {"type": "header", "text": _plain(":warning: A mail could not be read: shown as received")},
        _section(
            f"*Subject:* {escape(message.get('subject') or '—')}\n*From:* {escape(message.get('sender') or '—')}\n"
            f"*Problem:* {escape(truncate(error, 500))}\n*Answer by:* {_deadline_text(conv, at)}"
        ),
        _section(f"```{preview}```"),
        _context(
            f"Message-ID {escape(message.get('message_id') or '')}", "Open the mailbox to read the original."
        ),
    ]
    return {
        "text": _fallback(f"Unreadable mail: {message.get('subject') or '(no subject)'}"),
        "blocks": blocks,
    }


def _too_large_card(conv: Row, message: Row, at: CardTime) -> Message:
    """A mail over INBOX_BOT_MAX_MAIL_MB: who, what, how large, where the whole of it is, and how it begins."""
    shown, _ = split_for_card(message.get("text") or "")
    blocks = [
        {"type": "header", "text": _plain(":warning: A mail too large to show: read it in the mailbox")},
        _section(
            f"*Subject:* {escape(message.get('subject') or '—')}\n*From:* {escape(message.get('sender') or '—')}\n"
            f"*Size:* {_size(int(message.get('size') or 0))}\n*Where:* {escape(str(message['location']))}\n"
            f"*Answer by:* {_deadline_text(conv, at)}"
        ),
        _section(_quote(shown) if shown.strip() else "_(no text at its start)_"),
        _context(
            f"Message-ID {escape(message.get('message_id') or '')}",
            escape(truncate(message.get("parse_error") or "", 500)),
        ),
    ]
    return {
        "text": _fallback(f"Mail too large to show: {message.get('subject') or '(no subject)'}"),
        "blocks": blocks,
    }


def notice_card(
    conv: Row, message: Row, at: CardTime, *, extra: list[dict[str, Any]] | None = None
) -> Message:
    """An Amazon notice (cancellation request, A-to-z claim, return, refund, undelivered message…)."""
    ntype = conv.get("notice_type") or "other_notice"
    title = NOTICE_TITLES.get(ntype, f"Notice from Amazon ({ntype})")
    order = conv.get("order_id")
    needs = ntype in NOTICE_NEEDS_ACTION
    shown, _ = split_for_card(message.get("text") or "")
    blocks = [
        {
            "type": "header",
            "text": _plain(f"{':rotating_light:' if needs else ':information_source:'} {title}"),
        },
        _section(
            f"*Order:* {f'`{escape(order)}`' if order else '—'}   *Marketplace:* {escape(conv.get('marketplace') or '—')}\n"
            f"*Subject:* {escape(message.get('subject') or '—')}"
            + (f"\n*Respond by:* {_deadline_text(conv, at)}" if conv.get("deadline") else "")
        ),
        _section(_quote(shown) if shown.strip() else "_(no text)_"),
        _context(
            ":exclamation: Needs action in Seller Central" if needs else "For information",
            attachments_line(message.get("attachments")),
        ),
    ]
    blocks.extend(extra or [])
    return {"text": _fallback(f"{title}" + (f" — order {order}" if order else "")), "blocks": _limit(blocks)}


def other_card(conv: Row, message: Row, at: CardTime) -> Message:
    """A mail that is not from Amazon (posted only when configured)."""
    shown, _ = split_for_card(message.get("text") or "")
    blocks = [
        {"type": "header", "text": _plain(":incoming_envelope: Mail not from Amazon")},
        _section(
            f"*From:* {escape(message.get('sender') or '—')}\n*Subject:* {escape(message.get('subject') or '—')}"
        ),
        _section(_quote(shown) if shown.strip() else "_(no text)_"),
    ]
    return {"text": _fallback(f"Mail from {message.get('sender') or 'unknown'}"), "blocks": blocks}


def suspicious_card(conv: Row, message: Row, at: CardTime) -> Message:
    """A mail that claims to be Amazon's and is not: shown with why, with no reply buttons and no clock."""
    shown, _ = split_for_card(message.get("text") or "")
    blocks = [
        {"type": "header", "text": _plain(":rotating_light: Suspicious mail: not from Amazon")},
        _section(
            f"*Why:* {escape(message.get('suspicion') or 'it claims to be from Amazon')}.\n"
            "Do not answer it, open its links or send anything it asks for; it is not a buyer conversation."
        ),
        _section(
            f"*From:* {escape(message.get('sender') or '—')}\n*Subject:* {escape(message.get('subject') or '—')}"
        ),
        _section(_quote(shown) if shown.strip() else "_(no text)_"),
    ]
    return {"text": _fallback(f"Suspicious mail from {message.get('sender') or 'unknown'}"), "blocks": blocks}


def followup_message(message: Row, at: CardTime) -> Message:
    """A further buyer message, posted in the conversation's thread."""
    shown, rest = split_for_card(message.get("text") or "")
    received = parse_iso(message.get("received_at"))
    blocks = [
        _section(f"*The buyer wrote again*\n{_quote(shown) if shown.strip() else '_(no text)_'}"),
        _context(
            f"Received {slack_date(received, at.tz)}" if received else "",
            attachments_line(message.get("attachments")),
            f"_continues below ({len(rest)} more part(s))_" if rest else "",
        ),
    ]
    return {"text": _fallback("The buyer wrote again: " + shown), "blocks": blocks}


def continuation(message: Row, part: int) -> Message:
    """Part `part` (1-based) of a buyer text too long for one Slack message."""
    _, rest = split_for_card(message.get("text") or "")
    piece = rest[part - 1] if 0 < part <= len(rest) else ""
    return {
        "text": _fallback(piece),
        "blocks": [
            _section(_quote(piece) if piece else " "),
            _context(f"_continued, part {part + 1} of {len(rest) + 1}_"),
        ],
    }


def confirmation_note(message: Row, at: CardTime) -> Message:
    """A thread note: Amazon confirmed a reply the seller sent outside Slack."""
    received = parse_iso(message.get("received_at"))
    when = slack_date(received, at.tz) if received else "just now"
    return {
        "text": "Answered outside Slack (Amazon's copy of the reply arrived)",
        "blocks": [
            _context(f":outbox_tray: Answered outside Slack: Amazon's copy of the reply arrived {when}.")
        ],
    }
