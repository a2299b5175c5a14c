"""An Amazon notice and the buyer's conversation about the same order point at each other.

When a notice (an A-to-z claim, a return or cancellation request, a chargeback …) names an order the buyer also wrote
about, each card's thread gets a note linking to the other card, so whoever handles the claim sees what the buyer
said and was told, and whoever answers the buyer sees the claim. The links are Slack permalinks, fetched when the
note is posted (the other card may be posted a moment later).

Either may come first. A buyer conversation exists only once the buyer has written (Amazon's relay gives the address
to write to only then); until then the notice's card is where the team writes to the buyer (*Message the buyer*), and
the buyer conversation that starts later, when the buyer writes, is linked to the notices about its order then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from bot.cards.card import PostKind
from bot.store.store import Store, iso

log = logging.getLogger(__name__)

ChannelOf = Callable[[int], str]  # a conversation's id → the channel its card is (or will be) in


def link_notice(
    store: Store, *, notice_id: int, order_id: str | None, channel_of: ChannelOf, due: datetime
) -> int:
    """Queue the two notes between a new notice and the newest buyer conversation about its order; how many."""
    buyer = store.buyer_conversation_for_order(order_id=order_id) if order_id else None
    if buyer is None:
        return 0
    return _link(store, notice_id, int(buyer["id"]), order_id, channel_of, due)


def link_buyer(
    store: Store, buyer_id: int, order_id: str | None, channel_of: ChannelOf, due: datetime
) -> int:
    """Queue the notes between a buyer conversation that has just started and the notices already about its order
    (a claim or a request that came before the buyer wrote); how many."""
    if not order_id:
        return 0
    notices = store.notices_for_order(order_id=order_id)
    return sum(_link(store, int(n["id"]), buyer_id, order_id, channel_of, due) for n in notices)


def _link(
    store: Store, notice_id: int, buyer_id: int, order_id: str | None, channel_of: ChannelOf, due: datetime
) -> int:
    for here, there in ((notice_id, buyer_id), (buyer_id, notice_id)):
        store.enqueue(  # once per pair, whichever side came first
            kind=PostKind.THREAD.value,
            dedupe_key=f"related:{here}:{there}",
            due_by=iso(due),
            conversation_id=here,
            message_row=None,
            channel=channel_of(here),  # each note where its own card is (accounts may post to other channels)
            payload={"related": there},
        )
    log.info("notice %d and conversation %d (order %s) linked both ways", notice_id, buyer_id, order_id)
    return 2
