"""What answering works with: a draft for the reply window, the card's reply offer, what became of a submission."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from bot.replies.library import Template
from bot.store.store import Row

log = logging.getLogger(__name__)


@dataclass
class Draft:
    """A reply ready for the modal: its text and notes for the person; what it sends is stored under `key`."""

    text: str
    key: str  # the stored draft (bot/store/drafts.py), also the idempotency key of its send
    conversation_id: int
    reply_to_row: int | None
    language: str | None
    attachments: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    template: Template | None = None

    @property
    def metadata(self) -> dict[str, Any]:
        """The reply modal's private_metadata: the draft's key and conversation, nothing else to tamper with."""
        return {"d": self.key, "c": self.conversation_id}


@dataclass(frozen=True)
class Advice:
    """The card's reply offer for a conversation."""

    latest: Row | None  # the buyer message the advice is for
    suggested: list[Template]
    others: list[Template]
    reason: str
    recommendation: str | None  # the refund matrix's advice, when a rule fits
    unsure: bool = False  # the message could be either of two intents; both groups of templates lead


@dataclass
class Outcome:
    """What became of a submitted reply: queued (with its send), or refused with errors per modal block."""

    send: Row | None = None
    errors: dict[str, str] = field(default_factory=dict)
    created: bool = False


def parse_metadata(raw: str) -> dict[str, Any]:
    """The reply modal's private_metadata: a draft's key and its conversation, and nothing else."""
    data = json.loads(raw or "{}")
    if (
        not isinstance(data, dict)
        or set(data) != {"d", "c"}
        or not isinstance(data["d"], str)
        or not re.fullmatch(r"[0-9a-f]{32}", data["d"])
        or not isinstance(data["c"], int)
        or isinstance(data["c"], bool)
    ):
        raise ValueError("not a reply modal of this version")
    return data


# How an Amazon notice ended, chosen when it is marked handled (the weekly report counts them).
OUTCOMES = {
    "refunded": "Refunded",
    "replaced": "Replaced",
    "return_authorised": "Return authorised",
    "appealed": "Appealed",
    "won": "Won (decided for us)",
    "lost": "Lost (decided against us)",
    "withdrawn": "Withdrawn by the buyer",
    "no_action": "Nothing to do",
}


def guard_errors(violations: list[Any], *, confirmed: bool) -> dict[str, str] | None:
    """The reply window's error for the guard's findings: any block refuses; warnings need "Send it anyway"."""
    blocking = [v for v in violations if v.severity == "block"]
    if blocking:
        return {"reply": "Not sent. " + " ".join(v.explain() for v in blocking)[:1900]}
    if violations and not confirmed:
        warning = " ".join(v.explain() for v in violations)
        return {
            "reply": f"Check before sending: {warning}"[:1800] + " Tick “Send it anyway” to send it as it is."
        }
    return None


OUT_OF_DATE = {"reply": "This window is out of date: close it and start again."}


@dataclass(frozen=True)
class Submitted:
    """What a person sent from a reply or message window: its draft, text, confirmation and the choice it offers."""

    metadata: dict[str, Any]
    text: str
    confirmed: bool  # "send it anyway" ticked for the guard's warnings
    choice: str  # the follow-up (reply window) or the way it goes (message window)


def submitted(view: dict[str, Any], choice_block: str) -> Submitted | None:
    """A submitted window's values (Slack's view state, untrusted: only the fields the window has); None when its
    metadata is not of this version (the window is out of date)."""
    try:
        metadata = parse_metadata(view.get("private_metadata") or "")
    except ValueError:
        return None
    values = (view.get("state") or {}).get("values") or {}
    text = str(((values.get("reply") or {}).get("text") or {}).get("value") or "")
    ticked = ((values.get("confirm") or {}).get("confirm") or {}).get("selected_options") or []
    chosen = ((values.get(choice_block) or {}).get(choice_block) or {}).get("selected_option") or {}
    return Submitted(
        metadata, text, any(o.get("value") == "yes" for o in ticked), str(chosen.get("value") or "")
    )
