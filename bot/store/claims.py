"""A-to-z claims and chargebacks: the open claim notices the clock reminds about, and the evidence gathered for them."""

from __future__ import annotations

import logging

from bot.store.base import Row, StoreBase

log = logging.getLogger(__name__)

CLAIM_TYPES = ("a_to_z_claim", "chargeback")  # the notices with a claim's windows and evidence


class ClaimRecords(StoreBase):
    """Open claim notices, and the evidence texts gathered for them."""

    def open_claims(self) -> list[Row]:
        """Open A-to-z claim and chargeback notices, and appealed ones (Amazon has yet to decide), oldest first."""
        marks = ", ".join("?" * len(CLAIM_TYPES))
        sql = (
            "SELECT * FROM conversations WHERE kind = 'notice' AND (state = 'open' OR outcome = 'appealed') "
            f"AND notice_type IN ({marks}) ORDER BY opened_at IS NULL, opened_at, id"
        )
        return self.query(sql, list(CLAIM_TYPES))

    def add_evidence(self, *, conversation_id: int, order_id: str | None, text: str, by: str) -> int:
        """Keep one gathered evidence text (posted and uploaded from here); its id."""
        with self.transaction():
            evidence_id = self._insert(
                "evidence",
                {
                    "conversation_id": conversation_id,
                    "order_id": order_id,
                    "text": text,
                    "by_user": by,
                    "created_at": self.now(),
                },
            )
            self.audit(
                actor=by, action="evidence_gathered", conversation_id=conversation_id, evidence=evidence_id
            )
        return evidence_id

    def evidence(self, *, evidence_id: int) -> Row | None:
        """One gathered evidence text (None once purged)."""
        return self.query_one("SELECT * FROM evidence WHERE id = ?", [evidence_id])

    def latest_evidence(self, *, conversation_id: int) -> Row | None:
        """The newest evidence gathered for a claim, if any."""
        sql = "SELECT * FROM evidence WHERE conversation_id = ? ORDER BY id DESC LIMIT 1"
        return self.query_one(sql, [conversation_id])
