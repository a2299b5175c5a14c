"""The claim card's button: the evidence for the appeal (or the chargeback response), acknowledged at once.

The conversation is the card the click came from (what Slack sends is checked against the store, never believed);
bot/workers/evidence.py gathers the evidence and queues it for the thread and as a file. A refusal (not a claim, just
gathered) is told only to the person by handlers/errors.py.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.cards.ids import ActionId
from bot.deps import Deps
from bot.errors import Refusal
from bot.store.store import Row
from handlers.errors import answered

log = logging.getLogger(__name__)


def _claim(deps: Deps, body: dict[str, Any]) -> Row:
    """The claim notice whose card the button is on."""
    container = body.get("container") or {}
    channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
    ts = str(container.get("message_ts") or "")
    conv = deps.store.conversation_by_card(channel=channel, ts=ts) if channel and ts else None
    if conv is None or conv.get("kind") != "notice":
        raise Refusal("This button belongs to no A-to-z claim or chargeback the bot knows.")
    return conv


async def claim_evidence(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    """'Evidence for the appeal': the evidence goes into the claim's thread, as a block and as a file."""
    await ack()
    deps: Deps = context["deps"]
    await deps.evidence.collect(await deps.store.run(_claim, deps, body), user=str(body["user"]["id"]))


def register(app: AsyncApp) -> None:
    """Listen to the claim card's button."""
    app.action(ActionId.CLAIM_EVIDENCE.value)(answered(claim_evidence))
