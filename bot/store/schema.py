"""The database schema, as numbered migrations applied in order at start, the same list on both engines
(bot/store/ddl.py; the version in PRAGMA user_version on SQLite, the inbox_bot_schema table on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable

from bot.store.ddl import SchemaDb


def _m1_initial(db: SchemaDb) -> None:
    db.table("conversations").create(
        {
            "id": int,
            "key": str,
            "kind": str,
            "state": str,
            "buyer_alias": str,
            "buyer_name": str,
            "marketplace": str,
            "order_id": str,
            "language": str,
            "topic": str,
            "notice_type": str,
            "opened_at": str,
            "deadline": str,
            "last_message_at": str,
            "message_count": int,
            "slack_channel": str,
            "slack_ts": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"key", "kind", "state", "created_at", "updated_at"},
        defaults={"message_count": 0},
    )
    db.table("conversations").create_index(["key"], unique=True)
    db.table("conversations").create_index(["state", "deadline"])
    db.table("conversations").create_index(["order_id"])
    db.table("messages").create(
        {
            "id": int,
            "message_id": str,
            "conversation_id": int,
            "direction": str,
            "kind": str,
            "notice_type": str,
            "received_at": str,
            "sender": str,
            "subject": str,
            "topic": str,
            "text": str,
            "language": str,
            "attachments": str,
            "no_response_link": str,
            "in_reply_to": str,
            "refs": str,
            "parse_error": str,
            "raw": bytes,
            "raw_sha256": str,
            "source_ref": str,
            "purge_after": str,
            "created_at": str,
        },
        pk="id",
        not_null={"message_id", "direction", "kind", "received_at", "created_at"},
        foreign_keys=[("conversation_id", "conversations", "id")],
    )
    db.table("messages").create_index(["message_id"], unique=True)
    db.table("messages").create_index(["conversation_id"])
    db.table("messages").create_index(["source_ref"])
    db.table("slack_posts").create(
        {
            "id": int,
            "conversation_id": int,
            "message_row": int,
            "outbox_id": int,
            "role": str,
            "channel": str,
            "ts": str,
            "thread_ts": str,
            "created_at": str,
        },
        pk="id",
        not_null={"channel", "ts", "role", "created_at"},
    )
    db.table("slack_posts").create_index(["channel", "ts"], unique=True)
    db.table("outbox").create(
        {
            "id": int,
            "kind": str,
            "dedupe_key": str,
            "conversation_id": int,
            "message_row": int,
            "channel": str,
            "payload": str,
            "due_by": str,
            "state": str,
            "attempts": int,
            "next_attempt_at": str,
            "last_error": str,
            "created_at": str,
            "done_at": str,
        },
        pk="id",
        not_null={"kind", "dedupe_key", "state", "created_at"},
        defaults={"attempts": 0, "state": "pending"},
    )
    db.table("outbox").create_index(["dedupe_key"], unique=True)
    db.table("outbox").create_index(["state", "due_by"])
    db.table("audit").create(
        {"id": int, "at": str, "actor": str, "action": str, "conversation_id": int, "detail": str},
        pk="id",
        not_null={"at", "actor", "action"},
    )
    db.table("mailbox_state").create(
        {"source": str, "uidvalidity": int, "last_uid": int, "updated_at": str}, pk="source"
    )


def _m2_orders_and_packages(db: SchemaDb) -> None:
    db.table("orders").create(
        {
            "order_id": str,
            "data": str,
            "fetched_at": str,
            "error": str,
            "error_at": str,
            "not_found": int,
            "next_attempt_at": str,
        },
        pk="order_id",
    )
    db.table("packages").create(
        {
            "id": int,
            "order_id": str,
            "tracking_number": str,
            "carrier": str,
            "amazon_carrier": str,
            "service": str,
            "status": str,
            "last_event": str,
            "estimated_delivery": str,
            "link": str,
            "provider": str,
            "error": str,
            "failures": int,
            "checked_at": str,
            "changed_at": str,
            "next_check_at": str,
        },
        pk="id",
        not_null={"order_id", "tracking_number"},
        defaults={"failures": 0},
    )
    db.table("packages").create_index(["order_id", "tracking_number"], unique=True)
    db.table("packages").create_index(["next_check_at"])


def _m3_replies(db: SchemaDb) -> None:
    conversations = db.table("conversations")
    for column in ("claimed_by", "claimed_at", "answered_by", "answered_at", "closed_by", "closed_at"):
        conversations.add_column(column, str)
    db.table("sends").create(
        {
            "id": int,
            "key": str,
            "conversation_id": int,
            "reply_to_row": int,
            "template": str,
            "language": str,
            "text": str,
            "edited": int,
            "attachments": str,
            "by_user": str,
            "state": str,
            "attempts": int,
            "error": str,
            "message_id": str,
            "created_at": str,
            "next_attempt_at": str,
            "sent_at": str,
        },
        pk="id",
        not_null={"key", "conversation_id", "text", "by_user", "state", "created_at"},
        defaults={"attempts": 0, "edited": 0},
        foreign_keys=[("conversation_id", "conversations", "id")],
    )
    db.table("sends").create_index(["key"], unique=True)
    db.table("sends").create_index(["state", "next_attempt_at"])
    # At most one live reply per buyer message: a double click, a retry or a second person sends nothing twice.
    db.execute(
        "CREATE UNIQUE INDEX sends_one_per_buyer_message ON sends (reply_to_row) "
        "WHERE reply_to_row IS NOT NULL AND state IN ('queued', 'sending', 'sent', 'uncertain')"
    )


def _m4_clock(db: SchemaDb) -> None:
    conversations = db.table("conversations")
    conversations.add_column("sla_stage", str)
    conversations.add_column("next_sla_at", str)
    conversations.create_index(["state", "next_sla_at"])
    db.table("notifications").create(
        {
            "id": int,
            "conversation_id": int,
            "clock": str,  # the deadline the notification belongs to (a new buyer message starts a new clock)
            "key": str,  # stage:repeat, or handoff:/digest: for channel-wide notices
            "stage": str,
            "planned_at": str,
            "sent_at": str,
            "late": int,
            "skipped": int,
            "who": str,
        },
        pk="id",
        not_null={"conversation_id", "clock", "key", "sent_at"},
        defaults={"late": 0, "skipped": 0},
    )
    db.table("notifications").create_index(["conversation_id", "clock", "key"], unique=True)
    db.table("oncall_overrides").create(
        {"id": int, "user": str, "start": str, "end": str, "created_by": str, "created_at": str},
        pk="id",
        not_null={"user", "start", "end"},
    )


def _m5_workflows(db: SchemaDb) -> None:
    db.table("sends").add_column("auto", int, not_null_default=0)
    db.table("cases").create(
        {
            "id": int,
            "case_id": str,
            "summary": str,
            "owner": str,
            "opened_at": str,
            "last_update_at": str,
            "state": str,
            "reminded_on": str,
            "warned_at": str,
            "closed_at": str,
        },
        pk="id",
        not_null={"case_id", "owner", "opened_at", "last_update_at", "state"},
    )
    db.table("cases").create_index(["case_id"], unique=True)


def _m6_retention(db: SchemaDb) -> None:
    db.table("messages").add_column("intent", str)
    db.table("messages").add_column("purged_at", str)
    db.table("conversations").add_column("purged_at", str)


def _m7_untracked_packages(db: SchemaDb) -> None:
    # Packages whose first lookup a stop cut short were never due again: make them due for the next sweep.
    db.execute(
        "UPDATE packages SET next_check_at = '1970-01-01T00:00:00+00:00' "  # due at once, whatever the clock
        "WHERE checked_at IS NULL AND next_check_at IS NULL"
    )


def _m8_suspicion(db: SchemaDb) -> None:
    db.table("messages").add_column("suspicion", str)  # why a mail that claims to be Amazon's is not believed


def _m9_large_mail(db: SchemaDb) -> None:
    # A mail over INBOX_BOT_MAX_MAIL_MB is stored as its header and first part, its full size and where it is.
    db.table("messages").add_column("size", int)
    db.table("messages").add_column("location", str)


def _m10_drafts(db: SchemaDb) -> None:
    # What a reply window sends lives here; the window's private_metadata carries only the draft's key.
    db.table("drafts").create(
        {
            "id": int,
            "key": str,
            "conversation_id": int,
            "user": str,
            "reply_to_row": int,
            "template": str,
            "language": str,
            "text": str,
            "attachments": str,
            "created_at": str,
        },
        pk="id",
        not_null={"key", "conversation_id", "user", "text", "created_at"},
        foreign_keys=[("conversation_id", "conversations", "id")],
    )
    db.table("drafts").create_index(["key"], unique=True)
    db.table("drafts").create_index(["conversation_id"])


def _m11_follow_ups(db: SchemaDb) -> None:
    # A reply that promises something ("please send photos") sets a follow-up: due time, who, what was promised.
    db.table("sends").add_column("follow_up_hours", float)
    for name, kind in (
        ("follow_up_at", str),
        ("follow_up_by", str),
        ("follow_up_note", str),
        ("follow_up_send", int),
        ("follow_up_reminded", str),  # the due time a reminder was queued for (once per due time)
    ):
        db.table("conversations").add_column(name, kind)
    db.table("conversations").create_index(["follow_up_at"])


def _m12_outcomes(db: SchemaDb) -> None:
    # How a notice ended when a person marked it handled (refunded, appealed, won, lost …).
    db.table("conversations").add_column("outcome", str)


def _m13_channels(db: SchemaDb) -> None:
    # How a send leaves: 'email' (to the buyer's relay alias) or an SP-API Messaging action ('amazon:unexpectedProblem');
    # a window that writes to the buyer first keeps the ways Amazon allowed when it opened (checked again on Send).
    db.table("sends").add_column("channel", str, not_null_default="email")
    db.table("drafts").add_column("channels", str)


def _m14_claim_evidence(db: SchemaDb) -> None:
    # The evidence gathered for an A-to-z appeal or a chargeback response (order, scans, messages), as it was posted
    # in the claim's thread and uploaded as a file; personal data, so purged with its conversation.
    db.table("evidence").create(
        {
            "id": int,
            "conversation_id": int,
            "order_id": str,
            "text": str,
            "by_user": str,
            "created_at": str,
        },
        pk="id",
        not_null={"conversation_id", "by_user", "created_at"},
        foreign_keys=[("conversation_id", "conversations", "id")],
    )
    db.table("evidence").create_index(["conversation_id"])


def _m15_accounts(db: SchemaDb) -> None:
    # Several Amazon accounts in one process (bot/accounts.py): the account a conversation belongs to, by its name;
    # NULL is the first account, so every conversation stored before the list existed stays with it.
    db.table("conversations").add_column("account", str)
    # Facts about the database itself, e.g. which account the conversations without one belong to (the first listed
    # when the list was first used): a list that starts with another account later is refused at start.
    db.table("meta").create({"key": str, "value": str}, pk="key")


def _m16_leader(db: SchemaDb) -> None:
    # Which instance works (bot/workers/leader.py, PostgreSQL only; SQLite keeps its file lock): each takeover counts
    # the epoch up, and every outbox claim and send checks it (fencing), so a leader that lost the lease stops at once.
    db.table("leader").create(
        {"name": str, "epoch": int, "holder": str, "pid": int, "since": str, "renewed_at": str}, pk="name"
    )


MIGRATIONS: list[Callable[[SchemaDb], None]] = [
    _m1_initial,
    _m2_orders_and_packages,
    _m3_replies,
    _m4_clock,
    _m5_workflows,
    _m6_retention,
    _m7_untracked_packages,
    _m8_suspicion,
    _m9_large_mail,
    _m10_drafts,
    _m11_follow_ups,
    _m12_outcomes,
    _m13_channels,
    _m14_claim_evidence,
    _m15_accounts,
    _m16_leader,
]
