"""The lease's SQL on a real PostgreSQL: one leader at a time, each takeover a new epoch, a silent leader ended,
and the store's fencing refusing the claims of a leader whose epoch has passed."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest

from bot.clock.clocks import FakeClock
from bot.store.base import LeaseLost
from bot.store.engine import PostgresEngine, instance_name
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
        first.close()  # the process died: the server drops its session, and the lock with it (soon after)
        assert won(second) == 2
        assert pg_store.query_one("SELECT epoch, holder FROM leader") == {"epoch": 2, "holder": "host-b:2"}
    finally:
        second.close()


def won(lease: LeaseConnection, tries: int = 100) -> int | None:
    """The epoch once `lease` wins (the server releases a closed session's lock a moment after it closes)."""
    for _ in range(tries):
        epoch, _holder = lease.try_lead()
        if epoch:
            return epoch
        time.sleep(0.02)
    return None


def test_a_leader_silent_for_a_whole_lease_is_ended_and_cannot_renew(pg_store: Store) -> None:
    hung = LeaseConnection.open(url_of(pg_store), lease_seconds=3, holder="hung:1")
    standby = LeaseConnection.open(url_of(pg_store), lease_seconds=3, holder="standby:2")
    try:
        assert hung.try_lead() == (1, "")
        pg_store.conn.execute("UPDATE leader SET renewed_at = (now() - interval '4 seconds')::text")
        assert standby.try_lead() == (None, "hung:1")  # its session is ended now …
        assert won(standby) == 2  # … which the server finishes asynchronously
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
        assert won(second) == 2
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


def test_a_hung_leader_stopped_inside_a_claim_does_not_block_the_takeover(
    postgres_server: Postgres, pg_store: Store
) -> None:
    """Frozen between its epoch check and COMMIT, the old leader's store session holds the leader row share-locked:
    the standby ends that session too, not only the lease's, and takes over."""
    hung_store = Store.connect(
        url_of(pg_store), clock=FakeClock()
    )  # named after this process, as the bot's is
    hung = LeaseConnection.open(url_of(pg_store), lease_seconds=3, holder=instance_name())
    standby = LeaseConnection.open(url_of(pg_store), lease_seconds=3, holder="standby:2")
    try:
        assert hung.try_lead() == (1, "")
        pg_store.conn.execute(
            "UPDATE leader SET renewed_at = '2026-01-01T00:00:00.000000+00:00'"
        )  # silent since
        hung_store.fence_epoch = 1
        hung_store.conn.begin()
        hung_store.check_lease()  # FOR SHARE on the leader row, and then the process stops
        assert won(standby) == 2
        with pytest.raises(
            psycopg.errors.AdminShutdown
        ):  # ended by the standby, not by the server's idle timeout
            hung_store.conn.execute("COMMIT")  # the claim never happened
    finally:
        standby.close()
        hung.close()
        hung_store.close()


def test_a_leader_whose_lease_was_not_renewed_in_time_lets_nothing_leave(pg_store: Store) -> None:
    lease = LeaseConnection.open(url_of(pg_store), lease_seconds=30, holder="a:1")
    try:
        assert lease.try_lead() == (1, "")
        cid = pg_store.create_conversation(key="k", kind="buyer")
        pg_store.enqueue(kind="post_card", dedupe_key="card:1", due_by=None, conversation_id=cid)
        pg_store.fence_epoch, pg_store.fence_deadline = 1, time.monotonic() + 60
        pg_store.assert_leading()  # within the lease
        pg_store.fence_deadline = time.monotonic() - 0.001  # paused longer than the renewal covers
        with pytest.raises(LeaseLost, match="not renewed in time"):
            pg_store.assert_leading()
        with pytest.raises(LeaseLost, match="not renewed in time"):
            pg_store.mark_in_flight(outbox_id=pg_store.due_outbox()[0]["id"])
        assert pg_store.due_outbox()[0]["attempts"] == 0
    finally:
        lease.close()


def test_a_leader_whose_lease_session_died_inside_a_claim_does_not_block_the_takeover(
    pg_store: Store,
) -> None:
    """Its lease connection is gone (a partition, a vanished host) while its store session sits inside a claim: the
    standby wins the lock at once and ends that session before it takes the row, instead of waiting a minute."""
    stuck_store = Store.connect(
        url_of(pg_store), clock=FakeClock()
    )  # named after this process, as the bot's is
    old = LeaseConnection.open(url_of(pg_store), lease_seconds=3, holder=instance_name())
    standby = LeaseConnection.open(url_of(pg_store), lease_seconds=3, holder="standby:2")
    try:
        assert old.try_lead() == (1, "")
        stuck_store.fence_epoch = 1
        stuck_store.conn.begin()
        stuck_store.check_lease()  # FOR SHARE on the leader row
        old.close()  # the lease session is gone; the lease was renewed just now, so it is not stale
        assert won(standby) == 2
        with pytest.raises(psycopg.errors.AdminShutdown):
            stuck_store.conn.execute("COMMIT")
    finally:
        standby.close()
        stuck_store.close()
