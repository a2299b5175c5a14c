"""The engines: database URLs, the placeholder translation, numbers and errors alike on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.store.engine import PostgresEngine, is_integrity_error, to_pyformat
from bot.store.store import Store
from tests.support.dovecot import free_port
from tests.support.postgres import Postgres


def test_placeholders_become_psycopgs_and_literal_percent_signs_stay_literal() -> None:
    assert to_pyformat("SELECT * FROM t WHERE a = ? AND b LIKE '%x?' AND c = ?") == (
        "SELECT * FROM t WHERE a = %s AND b LIKE '%%x?' AND c = %s"
    )
    assert to_pyformat("SELECT 5 % 2, ?") == "SELECT 5 %% 2, %s"
    assert to_pyformat('SELECT "odd?name" FROM t') == 'SELECT "odd?name" FROM t'


def test_sums_and_averages_come_back_as_numbers_on_both_engines(store: Store) -> None:
    for n in (1, 2, 4):
        store.create_conversation(key=f"k{n}", kind="buyer", message_count=n)
    total, average, count = store.conn.execute(
        "SELECT sum(message_count), avg(message_count), count(*) FROM conversations"
    ).fetchone()
    assert (total, count) == (7, 3) and isinstance(total, int)
    assert average == pytest.approx(7 / 3) and isinstance(average, float)
    assert store.conn.execute("SELECT 1 WHERE '50%' LIKE ?", ["50%"]).fetchone() == (1,)


def test_a_duplicate_is_an_integrity_error_on_both_engines(store: Store) -> None:
    store.create_conversation(key="same", kind="buyer")
    with pytest.raises(Exception) as refused:
        store.create_conversation(key="same", kind="buyer")
    assert is_integrity_error(refused.value)
    assert not is_integrity_error(ValueError("x"))
    assert store.conversation_by_key(key="same") is not None  # the first one stays


def test_flags_are_stored_as_integers_as_sqlite_keeps_them(store: Store) -> None:
    cid = store.create_conversation(key="k", kind="buyer")
    store.conn.execute("UPDATE conversations SET message_count = ? WHERE id = ?", [True, cid])
    assert store.conn.execute("SELECT message_count FROM conversations").fetchone() == (1,)


def test_a_read_only_postgresql_is_reported_not_writable(postgres_server: Postgres) -> None:
    url = postgres_server.fresh_url()
    writable = PostgresEngine.open(url)
    read_only = PostgresEngine.open(
        url.replace("?options=", "?options=-cdefault_transaction_read_only%3Don%20")
    )
    try:
        assert writable.write_problem(wait_ms=2000) is None
        assert "read-only" in (read_only.write_problem(wait_ms=2000) or "")
        down = PostgresEngine(writable.raw, f"postgresql://postgres@127.0.0.1:{free_port()}/inbox")
        assert "OperationalError" in (down.write_problem(wait_ms=1000) or "")  # nobody listens there
    finally:
        writable.close()
        read_only.close()


def test_a_lost_postgresql_connection_is_made_again_and_a_transaction_it_cut_leaves_nothing(
    postgres_server: Postgres,
) -> None:
    import psycopg

    from bot.clock.clocks import FakeClock

    store = Store.connect(postgres_server.fresh_url(), clock=FakeClock())
    assert isinstance(store.conn, PostgresEngine)

    def cut() -> None:  # the server restarts, a failover, a proxy drops the connection
        pid = store.conn.raw.info.backend_pid
        with psycopg.connect(postgres_server.admin_url(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])

    try:
        store.create_conversation(key="before", kind="buyer")
        cut()
        with pytest.raises(psycopg.OperationalError), store.transaction():
            store.create_conversation(key="cut short", kind="buyer")
        assert [r["key"] for r in store.query("SELECT key FROM conversations")] == ["before"]
        cut()
        store.conn.ping()  # as a standby does when it takes over
        store.create_conversation(key="after", kind="buyer")
        assert [r["key"] for r in store.query("SELECT key FROM conversations ORDER BY id")] == [
            "before",
            "after",
        ]
    finally:
        store.close()


def test_an_installation_in_its_own_schema_never_reads_another_along_the_search_path(
    postgres_server: Postgres,
) -> None:
    import psycopg

    from bot.clock.clocks import FakeClock

    with psycopg.connect(postgres_server.admin_url(), autocommit=True) as admin:
        admin.execute("CREATE SCHEMA IF NOT EXISTS brand_a")
        admin.execute("CREATE SCHEMA IF NOT EXISTS brand_b")
    base = postgres_server.admin_url()
    a = Store.connect(f"{base}?options=-csearch_path%3Dbrand_a", clock=FakeClock())
    b = Store.connect(f"{base}?options=-csearch_path%3Dbrand_b,brand_a", clock=FakeClock())  # a further along
    try:
        a.create_conversation(key="A's buyer", kind="buyer")
        assert b.schema_version == a.schema_version  # b was migrated in its own schema, not taken for a's
        assert b.query("SELECT key FROM conversations") == []
        b.create_conversation(key="B's buyer", kind="buyer")
        assert [r["key"] for r in a.query("SELECT key FROM conversations")] == ["A's buyer"]
    finally:
        a.close()
        b.close()
    with pytest.raises(ValueError, match="names no schema that exists"):
        Store.connect(f"{base}?options=-csearch_path%3Dnowhere", clock=FakeClock())
