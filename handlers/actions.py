"""Button clicks on the cards: acknowledged at once, then handed to the core."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.cards.ids import ActionId
from bot.deps import Deps
from handlers.errors import answered

log = logging.getLogger(__name__)


async def refresh_order(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    """'Refresh order & tracking': fetch the order and every package now, bypassing the cache."""
    await ack()
    deps: Deps = context["deps"]
    user = body.get("user", {}).get("id")
    value = str((body.get("actions") or [{}])[0].get("value") or "")
    conv = deps.store.conversation(conversation_id=int(value)) if value.isdigit() else None
    if conv is None or not conv.get("order_id"):
        log.warning("refresh clicked by %s for unknown conversation %r", user, value)
        return
    order_id = str(conv["order_id"])
    deps.store.audit(
        actor=str(user), action="order_refreshed", conversation_id=int(conv["id"]), order=order_id
    )
    changed = await deps.enricher.enrich(order_id, conv.get("marketplace"), refresh=True, notify=False)
    # Always redraw: the person asked, and "checked just now" is news even when nothing moved.
    deps.outbox.order_changed(order_id)
    log.info("order %s refreshed by %s (%s)", order_id, user, "changed" if changed else "unchanged")


async def link_opened(ack: AsyncAck) -> None:
    """A link button (Track, Seller Central): Slack opens the URL; the click only needs its ack."""
    await ack()


def register(app: AsyncApp) -> None:
    """Listen to the card's buttons."""
    app.action(ActionId.REFRESH_ORDER.value)(answered(refresh_order))
    app.action(re.compile(rf"^({ActionId.OPEN_TRACKING.value}(:\d+)?|{ActionId.OPEN_ORDER.value})$"))(
        answered(link_opened)
    )
