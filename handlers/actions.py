"""Button clicks on the cards: acknowledged at once, then handed to the core."""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck

from bot.cards.card import format_local
from bot.cards.ids import ActionId
from bot.deps import Deps
from bot.services.slack import SlackError
from handlers.errors import answered

log = logging.getLogger(__name__)


async def refresh_order(ack: AsyncAck, body: dict[str, Any], context: dict[str, Any]) -> None:
    """'Refresh order & tracking': fetch the order and every package now, bypassing the cache."""
    await ack()
    deps: Deps = context["deps"]
    user = body.get("user", {}).get("id")
    value = str((body.get("actions") or [{}])[0].get("value") or "")
    conv = (
        await deps.store.run(deps.store.conversation, conversation_id=int(value)) if value.isdigit() else None
    )
    if conv is None or not conv.get("order_id"):
        log.warning("refresh clicked by %s for unknown conversation %r", user, value)
        return
    order_id = str(conv["order_id"])
    again = deps.enricher.claim_refresh(order_id)
    if (
        again is not None
    ):  # pressed again within the cooldown: no carrier or SP-API call, the person is told when
        wait = max(1, math.ceil((again - deps.clock.now()).total_seconds()))
        await _tell(
            deps,
            body,
            f"Order {order_id} was refreshed moments ago. You can refresh it again at "
            f"{format_local(again, deps.settings.tz)} (in {wait} s).",
        )
        return
    await deps.store.run(
        deps.store.audit,
        actor=str(user),
        action="order_refreshed",
        conversation_id=int(conv["id"]),
        order=order_id,
    )
    changed = await deps.enricher.enrich(order_id, conv.get("marketplace"), refresh=True, notify=False)
    # Always redraw: the person asked, and "checked just now" is news even when nothing moved.
    await deps.store.run(deps.enricher.announce, order_id)
    log.info("order %s refreshed by %s (%s)", order_id, user, "changed" if changed else "unchanged")


async def _tell(deps: Deps, body: dict[str, Any], text: str) -> None:
    """A note only the clicking person sees, where they clicked."""
    container = body.get("container") or {}
    channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
    user = str((body.get("user") or {}).get("id") or "")
    try:
        await deps.slack.ephemeral(
            channel=channel, user=user, text=text, thread_ts=container.get("thread_ts")
        )
    except SlackError as e:
        log.error("could not tell %s: %s (%s)", user, text, e.code)


async def link_opened(ack: AsyncAck) -> None:
    """A link button (Track, Seller Central): Slack opens the URL; the click only needs its ack."""
    await ack()


def register(app: AsyncApp) -> None:
    """Listen to the card's buttons."""
    app.action(ActionId.REFRESH_ORDER.value)(answered(refresh_order))
    app.action(re.compile(rf"^({ActionId.OPEN_TRACKING.value}(:\d+)?|{ActionId.OPEN_ORDER.value})$"))(
        answered(link_opened)
    )
