"""The lease's SQL on a real PostgreSQL: one leader at a time, each takeover a new epoch, a silent leader ended,
and the store's fencing refusing the claims of a leader whose epoch has passed."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from bot.clock.clocks import FakeClock
from bot.store.base import LeaseLost
from bot.store.engine import PostgresEngine
from bot.store.lease import LeaseConnection, leader_of
from bot.store.store import Store
from tests.support.postgres import Postgres


@pytest.fixture
def pg_store(postgres_server: Postgres) -> Iterator[Store]:
    store = Store.connect(postgres_server.fresh_url(), clock=FakeClock())
    yield store
    store.close()


def url_of(store: Store) -> str:
    assert isinstance(store.conn, PostgresEngine)
    return store.conn.url


def test_one_leads_the_other_waits_and_takes_over_with_a_new_epoch_when_the_first_goes(
    pg_store: Store,
) -> None:
    first = LeaseConnection.open(url_of(pg_store), lease_seconds=30, holder="host-a:1")
    second = LeaseConnection.open(url_of(pg_store), lease_seconds=30, holder="host-b:2")
    try:
        assert leader_of(pg_store.conn) == "no instance has led yet"
        assert first.try_lead() == (1, "")
        assert leader_of(pg_store.conn) == "leader host-a:1 (lease epoch 1)"  # as `check` shows it
        assert second.try_lead() == (None, "host-a:1")  # a standby learns who leads
        first.renew(1)
        first.close()  # the process died: the server drops its session, and the lock with it
        assert second.try_lead() == (2, "")
        assert pg_store.query_one("SELECT epoch, holder FROM leader") == {"epoch": 2, "holder": "host-b:2"}
    finally:
        second.close()


def test_a_leader_silent_for_a_whole_lease_is_ended_and_cannot_renew(pg_store: Store) -> None:
    hung = LeaseConnection.open(url_of(pg_store), lease_seconds=3, holder="hung:1")
    standby = LeaseConnection.open(url_of(pg_store), lease_seconds=3, holder="standby:2")
    try:
        assert hung.try_lead() == (1, "")
        pg_store.conn.execute("UPDATE leader SET renewed_at = (now() - interval '4 seconds')::text")
        assert standby.try_lead() == (None, "hung:1")  # its session is ended now …
        for _ in range(50):  # … which the server finishes asynchronously
            epoch, _holder = standby.try_lead()
            if epoch:
                break
        assert epoch == 2
        with pytest.raises(psycopg.OperationalError):  # the hung one, waking up, finds its session gone
            hung.renew(1)
    finally:
        standby.close()
        hung.close()


def test_renewing_someone_elses_epoch_is_refused(pg_store: Store) -> None:
    lease = LeaseConnection.open(url_of(pg_store), lease_seconds=30, holder="a:1")
    try:
        assert lease.try_lead() == (1, "")
        with pytest.raises(LeaseLost):
            lease.renew(7)
    finally:
        lease.close()


def test_after_a_takeover_the_old_leader_claims_no_post_and_no_send(pg_store: Store) -> None:
    first = LeaseConnection.open(url_of(pg_store), lease_seconds=30, holder="a:1")
    assert first.try_lead() == (1, "")
    pg_store.fence_epoch = 1
    cid = pg_store.create_conversation(key="k", kind="buyer")
    pg_store.enqueue(kind="post_card", dedupe_key="card:1", due_by=None, conversation_id=cid)
    item = pg_store.due_outbox()[0]
    send, _ = pg_store.create_send(
        key="s1", conversation_id=cid, reply_to_row=None, text="Hallo", by_user="U1"
    )
    assert pg_store.mark_in_flight(outbox_id=item["id"]) == 1  # while it leads, claims go through
    first.close()
    second = LeaseConnection.open(url_of(pg_store), lease_seconds=30, holder="b:2")
    try:
        assert second.try_lead() == (2, "")
        with pytest.raises(LeaseLost, match="epoch 2"):
            pg_store.mark_in_flight(outbox_id=item["id"])
        with pytest.raises(LeaseLost):
            pg_store.update_send(send_id=send["id"], state="sending", attempts=1)
        assert (
            pg_store.outbox_item(outbox_id=item["id"])["attempts"] == 1
        )  # nothing changed by the refused claims
        assert (pg_store.send(send_id=send["id"]) or {})["state"] == "queued"
        pg_store.update_send(send_id=send["id"], error="noted")  # what is not a claim still goes through
        assert not pg_store.conn.in_transaction
    finally:
        second.close()


def test_without_a_lease_the_store_does_not_fence(store: Store) -> None:
    cid = store.create_conversation(key="k", kind="buyer")
    store.enqueue(kind="post_card", dedupe_key="card:1", due_by=None, conversation_id=cid)
    assert store.mark_in_flight(outbox_id=store.due_outbox()[0]["id"]) == 1  # SQLite, or no lease taken
