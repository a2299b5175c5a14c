"""Block Kit for answering: the card's reply buttons, the reply modal, and the thread notes about a send."""

from __future__ import annotations

import json
from typing import Any

from bot.cards.card import CardTime, Message, answered_by, escape, quoted, slack_date, truncate
from bot.cards.ids import ActionId, ViewId
from bot.replies.guard import MESSAGES
from bot.replies.library import Template
from bot.replies.model import OUTCOMES
from bot.replies.proactive import reference, via
from bot.store.store import Row, parse_iso

MODAL_TEXT_LIMIT = 3000  # plain_text_input max_length
SUGGESTED = 3


def button(
    text: str, action_id: str, value: str = "", style: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A Slack button (label cut to Slack's 75 characters, value to 2000)."""
    element: dict[str, Any] = {
        "type": "button",
        "action_id": action_id[:255],
        "text": {"type": "plain_text", "text": truncate(text, 75), "emoji": True},
    }
    if value:
        element["value"] = value[:2000]
    if style:
        element["style"] = style
    element.update(extra)
    return element


def _option(template: Template) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": truncate(template.label, 75)}, "value": template.key}


def _confirm(title: str, text: str, go: str) -> dict[str, Any]:
    return {
        "title": {"type": "plain_text", "text": truncate(title, 100)},
        "text": {"type": "mrkdwn", "text": truncate(text, 300)},
        "confirm": {"type": "plain_text", "text": go},
        "deny": {"type": "plain_text", "text": "Cancel"},
    }


def status_line(conv: Row, at: CardTime) -> str:
    """Who holds or settled the conversation, for the card."""
    if conv.get("state") == "answered" and conv.get("answered_by"):
        when = parse_iso(conv.get("answered_at"))
        return f":white_check_mark: Answered {answered_by(str(conv['answered_by']))}" + (
            f" {slack_date(when, at.tz)}" if when else ""
        )
    if conv.get("state") == "closed" and conv.get("closed_by"):
        return f":no_entry_sign: No response needed: decided by <@{conv['closed_by']}>"
    if conv.get("claimed_by"):
        return f":raising_hand: <@{conv['claimed_by']}> is on it"
    return ""


def notice_actions(conv: Row, at: CardTime) -> list[dict[str, Any]]:
    """For a notice that needs action: who is on it, and 'Mark handled' (stops its clock); an appealed one keeps
    its outcome menu for Amazon's decision."""
    outcome = {
        "type": "static_select",
        "action_id": ActionId.HANDLED_AS.value,
        "placeholder": {"type": "plain_text", "text": "Handled: how it ended…"},
        "options": [
            {"text": {"type": "plain_text", "text": label}, "value": key} for key, label in OUTCOMES.items()
        ],
    }
    if conv.get("state") == "closed" and conv.get("closed_by"):
        when = parse_iso(conv.get("closed_at"))
        later = [{"type": "actions", "elements": [outcome]}] if conv.get("outcome") == "appealed" else []
        return [
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f":white_check_mark: Handled by <@{conv['closed_by']}>"
                        + (f" {slack_date(when, at.tz)}" if when else "")
                        + (f": {OUTCOMES[conv['outcome']]}" if conv.get("outcome") in OUTCOMES else ""),
                    }
                ],
            },
            *later,
        ]
    blocks: list[dict[str, Any]] = []
    if conv.get("claimed_by"):
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f":raising_hand: <@{conv['claimed_by']}> is on it"}],
            }
        )
    claim = (
        button("Release", ActionId.CLAIM, "release")
        if conv.get("claimed_by")
        else button("I'll take it", ActionId.CLAIM, "claim")
    )
    handled = button(
        "Mark handled",
        ActionId.HANDLED,
        style="primary",
        confirm=_confirm(
            "Handled in Seller Central?", "The card is closed and its clock stops.", "Yes, handled"
        ),
    )
    blocks.append({"type": "actions", "block_id": "notice_actions", "elements": [claim, handled, outcome]})
    return blocks


def reply_blocks(
    conv: Row,
    at: CardTime,
    *,
    suggested: list[Template],
    others: list[Template],
    reason: str,
    no_response_link: str | None,
    invoice: bool,
    unsure: bool = False,
    manual: bool = False,
) -> list[dict[str, Any]]:
    """The card's answering part: suggested templates first, the rest in a menu, claim, no response needed."""
    blocks: list[dict[str, Any]] = []
    line = status_line(conv, at)
    if line:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": line}]})
    if conv.get("state") != "open":
        return blocks
    elements: list[dict[str, Any]] = [
        button(t.label, f"{ActionId.TEMPLATE}:{t.key}", t.key, "primary" if n == 0 else None)
        for n, t in enumerate(suggested[:SUGGESTED])
    ]
    if invoice:
        elements.append(button("Send invoice", ActionId.SEND_INVOICE))
    if manual:
        elements.append(button("Send manual", ActionId.SEND_MANUAL))
    menu = [t for t in others if t not in suggested[:SUGGESTED]][:100]
    if menu:
        elements.append(
            {
                "type": "static_select",
                "action_id": ActionId.PICK.value,
                "placeholder": {"type": "plain_text", "text": "More replies…"},
                "options": [_option(t) for t in menu],
            }
        )
    elements.append(button("Write a reply", ActionId.BLANK))
    safe = [t for t in suggested if t.safe]
    if safe:
        elements.append(
            {
                "type": "static_select",
                "action_id": ActionId.SEND_AS_IS.value,
                "placeholder": {"type": "plain_text", "text": "Send as is…"},
                "options": [_option(t) for t in safe][:100],
                "confirm": _confirm(
                    "Send without editing?", "The reply goes to the buyer as the template has it.", "Send"
                ),
            }
        )
    if conv.get("claimed_by"):
        elements.append(button("Release", ActionId.CLAIM, "release"))
    else:
        elements.append(button("I'll take it", ActionId.CLAIM, "claim"))
    if no_response_link:
        elements.append(
            button(
                "No response needed",
                ActionId.NO_RESPONSE,
                style="danger",
                url=no_response_link[:3000],
                confirm=_confirm(
                    "No response needed?",
                    "Amazon's page opens to confirm it there; the card is closed and the clock stops.",
                    "Yes, close it",
                ),
            )
        )
    blocks.append({"type": "actions", "block_id": "reply_actions", "elements": elements[:25]})
    if suggested:
        why = (
            f":grey_question: Not sure what the buyer wants: {escape(reason)}. Templates for both come first."
            if unsure
            else f"Suggested for {escape(reason)}"
        )
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": why}]})
    return blocks


def reply_modal(
    conv: Row,
    *,
    text: str,
    metadata: dict[str, Any],
    title: str = "Reply to the buyer",
    notes: list[str] | None = None,
    follow_up_hours: float | None = None,
) -> dict[str, Any]:
    """The modal to check and edit a reply before it goes out (with a follow-up preset from the template)."""
    who = escape(conv.get("buyer_name") or "the buyer")
    site = escape(conv.get("marketplace") or "Amazon")
    order = conv.get("order_id")
    head = f"*To:* {who} ({site})" + (f" · order `{escape(order)}`" if order else "")
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": head}}]
    for note in notes or []:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(note, 2000)}]})
    blocks.append(
        {
            "type": "input",
            "block_id": "reply",
            "label": {"type": "plain_text", "text": "Message"},
            "element": {
                "type": "plain_text_input",
                "action_id": "text",
                "multiline": True,
                "max_length": MODAL_TEXT_LIMIT,
                "initial_value": text[:MODAL_TEXT_LIMIT],
            },
        }
    )
    blocks.append(follow_up_input(follow_up_hours))
    blocks.append(
        {
            "type": "input",
            "block_id": "confirm",
            "optional": True,
            "label": {"type": "plain_text", "text": "Warnings"},
            "element": {
                "type": "checkboxes",
                "action_id": "confirm",
                "options": [
                    {
                        "text": {"type": "plain_text", "text": "Send it anyway"},
                        "description": {
                            "type": "plain_text",
                            "text": "Only for warnings (emoji, a marketing tone); links, contact details, "
                            "review requests and incentives are never sent.",
                        },
                        "value": "yes",
                    }
                ],
            },
        }
    )
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Checked against Amazon's messaging rules when you press *Send*: no links (tracking excepted), "
                    "e-mail addresses, phone numbers, review requests or coupons.",
                }
            ],
        }
    )
    return {
        "type": "modal",
        "callback_id": ViewId.REPLY,
        "title": {"type": "plain_text", "text": truncate(title, 24)},
        "submit": {"type": "plain_text", "text": "Send"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps(metadata, separators=(",", ":")),  # a draft's key (store/drafts.py)
        "blocks": blocks,
    }


FOLLOW_UP_CHOICES = [1.0, 4.0, 24.0, 48.0, 72.0, 168.0]


def follow_up_label(hours: float) -> str:
    """'in 4 hours', 'in 2 days'."""
    if hours >= 24 and hours % 24 == 0:
        days = int(hours // 24)
        return f"in {days} day{'s' if days != 1 else ''}"
    return f"in {hours:g} hour{'s' if hours != 1 else ''}"


def follow_up_input(default: float | None) -> dict[str, Any]:
    """'Remind me if the buyer does not answer': none, or in 1 hour … 7 days (the template's default chosen)."""
    choices = sorted({*FOLLOW_UP_CHOICES, *([default] if default else [])})
    options = [{"text": {"type": "plain_text", "text": "No reminder"}, "value": "none"}]
    options += [
        {"text": {"type": "plain_text", "text": follow_up_label(h)}, "value": f"{h:g}"} for h in choices
    ]
    element: dict[str, Any] = {"type": "static_select", "action_id": "follow_up", "options": options}
    element["initial_option"] = (
        next((o for o in options if o["value"] == f"{default:g}"), options[0]) if default else options[0]
    )
    return {
        "type": "input",
        "block_id": "follow_up",
        "optional": True,
        "label": {"type": "plain_text", "text": "Remind me if the buyer does not answer"},
        "element": element,
    }


def send_note(send: Row, event: str, at: CardTime) -> Message:
    """The thread note about one send: sent, retrying, failed (with Retry) or uncertain (a person decides)."""
    user = f"<@{send['by_user']}>"
    value = str(send["id"])
    if event == "sent":
        by = "automatically (where-is-my-order auto-reply)" if send.get("auto") else f"by {user}{via(send)}"
        when = parse_iso(send.get("sent_at"))
        quote = quoted(str(send["text"]), 2500)
        stamp = f" {slack_date(when, at.tz)}" if when else ""
        return {
            "text": f"Reply sent to the buyer by {user}",
            "blocks": [
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": f":outbox_tray: *Sent to the buyer* {by}{stamp}\n{quote}",
                    },
                },
                {
                    "type": "context",
                    "elements": [
                        {"type": "mrkdwn", "text": reference(send, escape(send.get("message_id") or ""))}
                    ],
                },
            ],
        }
    error = escape(truncate(str(send.get("error") or "unknown problem"), 500))
    if event == "retrying":
        return {
            "text": "Reply not sent yet; retrying",
            "blocks": [
                {
                    "type": "context",
                    "elements": [
                        {
                            "type": "mrkdwn",
                            "text": f":hourglass_flowing_sand: Reply by {user} not sent yet ({error}); retrying automatically.",
                        }
                    ],
                }
            ],
        }
    if event == "uncertain":
        return {
            "text": "A reply may or may not have been sent",
            "blocks": [
                {
                    "type": "section",
                    "text": {
                        "type": "mrkdwn",
                        "text": f":warning: The reply by {user} may have reached the buyer ({error}): "
                        "check *Seller Central → Buyer Messages → Sent* before sending again.",
                    },
                },
                {
                    "type": "actions",
                    "elements": [
                        button("Send again", ActionId.RETRY, value, "danger"),
                        button("It was sent", ActionId.MARK_SENT, value),
                    ],
                },
            ],
        }
    return {
        "text": "Reply NOT sent",
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f":x: *Reply by {user} was not sent:* {error}"},
            },
            {"type": "actions", "elements": [button("Retry", ActionId.RETRY, value, "primary")]},
        ],
    }


def thread_offer(text: str, message_ts: str) -> list[dict[str, Any]]:
    """The ephemeral question after a team message in a card's thread: send it to the buyer, or keep it internal."""
    quote = quoted(text, 2500)
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"Send this to the buyer?\n{quote}"}},
        {
            "type": "actions",
            "elements": [
                button("Review and send to buyer…", ActionId.THREAD_SEND, message_ts, "primary"),
                button("Keep internal", ActionId.THREAD_KEEP, message_ts),
            ],
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": "Only you see this. Thread messages stay internal unless you send them.",
                }
            ],
        },
    ]


def auto_held(payload: dict[str, Any], at: CardTime) -> Message:
    """The where-is-my-order auto-reply held back by the guard: why, and that a person answers (said once)."""
    held = payload["auto_held"]
    reasons = "; ".join(MESSAGES.get(str(rule), str(rule)) for rule in held.get("rules") or [])
    text = (
        ":raised_hand: The automatic where-is-my-order reply was *held back*: the policy guard found "
        f"{escape(reasons) or 'a problem'}. Nothing was sent — please answer this buyer yourself "
        "(check the reply template and the signature)."
    )
    return {
        "text": "Auto-reply held back",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }
