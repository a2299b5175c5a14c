"""Drafts of open reply windows: what a window sends, kept here so the window itself carries only the draft's key."""

from __future__ import annotations

import json
import logging
import uuid

from bot.store.base import Row, StoreBase

log = logging.getLogger(__name__)


class DraftRecords(StoreBase):
    """Reply drafts: text, template, language, the buyer message answered and the files to attach."""

    def create_draft(
        self,
        *,
        conversation_id: int,
        user: str,
        reply_to_row: int | None,
        text: str,
        template: str | None = None,
        language: str | None = None,
        attachments: list[str] | None = None,
        channels: list[str] | None = None,
    ) -> str:
        """Store a draft and return its key: random and unguessable, also the idempotency key of its send."""
        key = uuid.uuid4().hex
        self._insert(
            "drafts",
            {
                "key": key,
                "conversation_id": conversation_id,
                "user": user,
                "reply_to_row": reply_to_row,
                "template": template,
                "language": language,
                "text": text,
                "attachments": json.dumps(attachments or [], ensure_ascii=False),
                "channels": json.dumps(channels) if channels is not None else None,
                "created_at": self.now(),
            },
        )
        return key

    def draft(self, *, key: str) -> Row | None:
        """One draft by its key, its attachments as a list of paths."""
        row = self.query_one("SELECT * FROM drafts WHERE key = ?", [key])
        if row is not None:
            row["attachments"] = list(json.loads(row["attachments"] or "[]"))
            row["channels"] = list(json.loads(row["channels"])) if row.get("channels") else None
        return row
