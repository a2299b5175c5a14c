"""Claim records: which notices are open claims, the evidence kept for them (audited, newest first, purged with the
conversation after the retention period)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock.clocks import FakeClock
from bot.store.engine import is_integrity_error
from bot.store.retention import purge
from bot.store.store import Store
from tests.support.clock import TEAM_TIME


def notice(store: Store, notice_type: str, key: str, **fields: object) -> int:
    return store.create_conversation(
        key=key, kind="notice", notice_type=notice_type, order_id="302-1", **fields
    )


def test_open_claims_are_the_open_a_to_z_and_chargeback_notices(store: Store) -> None:
    atoz = notice(store, "a_to_z_claim", "a", opened_at="2026-11-20T10:00:00+00:00")
    chargeback = notice(store, "chargeback", "b", opened_at="2026-11-19T10:00:00+00:00")
    notice(store, "return_request", "c")
    handled = notice(store, "a_to_z_claim", "d")
    store.settle(conversation_id=handled, by="U0LEAD")
    store.create_conversation(key="e", kind="buyer", notice_type="a_to_z_claim")  # not a notice
    assert [c["id"] for c in store.open_claims()] == [chargeback, atoz]  # oldest first


def test_evidence_is_kept_audited_and_the_newest_found(store: Store, clock: FakeClock) -> None:
    conv_id = notice(store, "a_to_z_claim", "a")
    assert store.latest_evidence(conversation_id=conv_id) is None
    first = store.add_evidence(conversation_id=conv_id, order_id="302-1", text="ORDER\n…", by="U0LEAD")
    clock.advance(minutes=5)
    second = store.add_evidence(conversation_id=conv_id, order_id="302-1", text="ORDER\nnewer", by="U0AGENT")
    assert (store.evidence(evidence_id=first) or {})["text"] == "ORDER\n…"
    latest = store.latest_evidence(conversation_id=conv_id) or {}
    assert latest["id"] == second and latest["by_user"] == "U0AGENT"
    audit = [r for r in store.query("SELECT * FROM audit ORDER BY id") if r["action"] == "evidence_gathered"]
    assert [r["actor"] for r in audit] == ["U0LEAD", "U0AGENT"]
    assert store.evidence(evidence_id=999) is None


def test_evidence_belongs_to_a_conversation_that_exists(store: Store) -> None:
    with pytest.raises(Exception) as refused:
        store.add_evidence(conversation_id=4242, order_id=None, text="x", by="U0LEAD")
    assert is_integrity_error(refused.value)


def test_evidence_goes_with_its_conversation_after_the_retention_period(
    store: Store, clock: FakeClock
) -> None:
    conv_id = notice(store, "a_to_z_claim", "a", last_message_at=clock.now().isoformat())
    evidence = store.add_evidence(
        conversation_id=conv_id, order_id="302-1", text="Buyer to seller…", by="U0LEAD"
    )
    purge(store, TEAM_TIME + timedelta(days=31), 30)
    assert store.evidence(evidence_id=evidence) is None
