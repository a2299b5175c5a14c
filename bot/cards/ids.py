"""Every id the bot puts into Slack and listens for again: button action ids and modal callback ids, in one place."""

from __future__ import annotations

from enum import StrEnum


class ActionId(StrEnum):
    """The action ids of the bot's buttons and menus; handlers register exactly these."""

    # the order on a card, and /order
    REFRESH_ORDER = "refresh_order"
    OPEN_TRACKING = "open_tracking"  # + ":<n>" for the n-th package
    OPEN_ORDER = "open_order"
    SHARE_ORDER = "share_order"
    # answering a buyer
    TEMPLATE = "reply_template"  # + ":<key>"
    PICK = "reply_pick"
    BLANK = "reply_blank"
    SEND_AS_IS = "send_as_is"
    CLAIM = "claim"
    NO_RESPONSE = "no_response"
    SEND_INVOICE = "send_invoice"
    SEND_MANUAL = "send_manual"
    RETRY = "retry_send"
    MARK_SENT = "mark_sent"
    THREAD_SEND = "thread_send"
    THREAD_KEEP = "thread_keep"
    MESSAGE_BUYER = "message_buyer"  # write to the buyer first (menu: a template, or "blank")
    # Amazon's notices
    HANDLED = "notice_handled"
    HANDLED_AS = "notice_handled_as"  # the same, choosing how it ended
    # A-to-z claims and chargebacks
    CLAIM_EVIDENCE = "claim_evidence"  # gather the evidence into the thread and a file
    # follow-ups a reply promised
    FOLLOW_UP_SNOOZE = "follow_up_snooze"  # + ":<hours>"; value "<conversation id>@<due time>"
    FOLLOW_UP_DONE = "follow_up_done"  # value "<conversation id>@<due time>"


class ViewId(StrEnum):
    """The callback ids of the bot's modals."""

    REPLY = "reply_modal"
    MESSAGE = "message_modal"  # a message to the buyer first
