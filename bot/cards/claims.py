"""Block Kit for A-to-z claims and chargebacks: the windows and buttons on the claim's card, the note when a window
is reached, and the evidence gathered for an appeal, as pure functions."""

from __future__ import annotations

import re
from typing import Any

from bot.cards.card import (
    CHUNK,
    MAX_BLOCKS,
    SECTION_TEXT,
    CardTime,
    Message,
    chunks,
    escape,
    slack_date,
    time_left,
    truncate,
)
from bot.cards.clock import mention
from bot.cards.ids import ActionId
from bot.clock.claims import Window
from bot.store.store import Row, parse_iso

WHEN = {
    "contact": "by",
    "respond": "by",
    "appeal": "from",
    "decision": "around",
}  # how each window's date reads
TEMPLATE_LABEL = "A-to-z: solved"  # templates/*/a_to_z_resolved.j2's label


def evidence_label(notice_type: str | None) -> str:
    """What the evidence is for: an A-to-z appeal or a chargeback response."""
    return "Evidence for the response" if notice_type == "chargeback" else "Evidence for the appeal"


def evidence_filename(order_id: str | None, conversation_id: int) -> str:
    """`claim-<order>.txt` (the conversation's number when the notice names no order)."""
    safe = re.sub(r"[^0-9A-Za-z-]", "", order_id or "")
    return f"claim-{safe or conversation_id}.txt"


def _window_line(window: Window, at: CardTime, *, first_ahead: bool) -> str:
    when = f"{WHEN.get(window.key, 'at')} {slack_date(window.at, at.tz)}"
    if window.at <= at.now:
        return f":heavy_check_mark: ~{escape(window.title)}~ {when} _(passed)_"
    if first_ahead:
        return f":arrow_forward: *{escape(window.title)}* {when} ({time_left(window.at, at.now)})"
    return f":white_small_square: {escape(window.title)} {when}"


def claim_blocks(conv: Row, windows: list[Window], at: CardTime) -> list[dict[str, Any]]:
    """The claim's part of its card: the dated windows (passed ones struck through, the next one marked), the evidence
    button, and, for an A-to-z claim, how to ask the buyer whether to withdraw it once the matter is solved."""
    # an appealed claim is still open to Amazon's decision
    open_ = conv.get("state") == "open" or conv.get("outcome") == "appealed"
    ahead = next((w for w in windows if w.at > at.now), None) if open_ else None
    lines = [_window_line(w, at, first_ahead=w is ahead) for w in windows]
    head = "*Claim windows* (from the claim's arrival" + (")" if open_ else "; handled: no more reminders)")
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": truncate("\n".join([head, *lines]), 3000)}},
        {
            "type": "actions",
            "block_id": "claim_actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": ActionId.CLAIM_EVIDENCE.value,
                    "text": {
                        "type": "plain_text",
                        "text": evidence_label(conv.get("notice_type")),
                        "emoji": True,
                    },
                    "value": str(conv["id"]),
                }
            ],
        },
    ]
    if open_ and conv.get("notice_type") == "a_to_z_claim":
        text = (
            f"Once the matter is solved: *Message the buyer…* → “{TEMPLATE_LABEL}” asks whether they would withdraw "
            "the claim. Asking is allowed; offering anything for it is not (the guard refuses it)."
        )
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
    return blocks


def window_note(payload: dict[str, Any], at: CardTime) -> Message:
    """A claim's window was reached: which, what to do now, who should, and what comes next."""
    when = parse_iso(payload.get("at")) or at.now
    kind = "Chargeback" if payload.get("notice_type") == "chargeback" else "A-to-z claim"
    subject = kind + (f", order `{escape(str(payload['order_id']))}`" if payload.get("order_id") else "")
    who = f" {mention(str(payload['who']))}" if payload.get("who") else ""
    text = (
        f":calendar: *{escape(str(payload.get('title')))}* ({slack_date(when, at.tz)}): {subject}.{who}\n"
        f"{escape(str(payload.get('advice') or ''))}"
    )
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}
    ]
    notes = []
    if payload.get("missed"):
        notes.append(
            "Also passed while the bot was not running: " + ", ".join(escape(m) for m in payload["missed"])
        )
    elif payload.get("late"):
        notes.append(":clock3: Sent late: the bot was not running when this window was reached")
    nxt = payload.get("next") or {}
    if nxt.get("at") and (nxt_at := parse_iso(nxt["at"])) is not None:
        notes.append(f"Next: {escape(str(nxt.get('title')))}, {slack_date(nxt_at, at.tz)}")
    if notes:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(". ".join(notes), 2000)}]}
        )
    return {"text": escape(f"{kind}: {payload.get('title')}"), "blocks": blocks}


def _code(text: str) -> str:
    """Text in a Slack code block: escaped, with any ``` it contains broken so it cannot end the block."""
    return "```" + escape(text).replace("```", "``\u200b`") + "```"


def _code_parts(text: str) -> list[str]:
    """The text as code blocks of at most a section's 3,000 characters (a piece that escaping makes longer is split)."""
    out: list[str] = []
    pending = chunks(text, CHUNK - 400)
    while pending:
        piece = pending.pop(0)
        code = _code(piece)
        if len(code) <= SECTION_TEXT or len(piece) < 200:
            out.append(truncate(code, SECTION_TEXT))
        else:
            pending[:0] = chunks(piece, len(piece) // 2)
    return out


def evidence_note(evidence: Row | None, at: CardTime, *, notice_type: str | None, filename: str) -> Message:
    """The gathered evidence in the thread, in code blocks (the same text as the file that follows it)."""
    label = evidence_label(notice_type)
    if evidence is None or evidence.get("text") is None:
        text = (
            f":page_facing_up: {label}: no longer kept (personal data is removed after the retention period)."
        )
        return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
    created = parse_iso(evidence.get("created_at"))
    order = f" for order `{escape(str(evidence['order_id']))}`" if evidence.get("order_id") else ""
    head = (
        f":page_facing_up: *{label}*{order}, gathered by {mention(str(evidence['by_user']))}"
        + (f" {slack_date(created, at.tz)}" if created else "")
        + f". The same text follows as `{escape(filename)}` to download and attach in Seller Central."
    )
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": head}}]
    parts = _code_parts(str(evidence["text"]))
    room = MAX_BLOCKS - 2
    for part in parts[:room]:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": part}})
    if len(parts) > room:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"_… the rest is in `{escape(filename)}`._"}],
            }
        )
    return {
        "text": f"{label}" + (f", order {evidence['order_id']}" if evidence.get("order_id") else ""),
        "blocks": blocks,
    }
