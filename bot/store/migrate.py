"""Moving a store from SQLite to PostgreSQL (`inbox-bot migrate-store --to postgresql://…`): every row copied in
one transaction, the ids kept, the counts compared before it commits; an empty target only."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.store.store import Store

log = logging.getLogger(__name__)

FIRST = ("conversations",)  # what the others refer to (foreign keys) goes first
# the lease belongs to the running instances, not to the data
SKIPPED = frozenset({"leader", "inbox_bot_schema"})
BATCH = 1000  # rows at most per insert batch …
BATCH_BYTES = 32 * 1024 * 1024  # … and about this much data (raw mails reach INBOX_BOT_MAX_MAIL_MB each)


class MigrationRefused(Exception):
    """The target is not empty, or the source not at this release's schema."""


@dataclass
class Copied:
    """What was copied: rows per table, the same on both sides."""

    tables: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Rows in all."""
        return sum(self.tables.values())


def nonempty_tables(store: Store) -> dict[str, int]:
    """Tables of the store that hold rows (the lease's aside)."""
    found = {}
    for table in store.conn.tables():
        if table in SKIPPED:
            continue
        n = int(store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        if n:
            found[table] = n
    return found


def copy_store(source: Store, target: Store) -> Copied:
    """Copy every row of `source` into the empty, migrated `target` in one transaction; raise MigrationRefused (and
    copy nothing) if the target holds rows or the schemas differ, RuntimeError if a count differs after the copy."""
    if source.schema_version != target.schema_version:
        raise MigrationRefused(
            f"the source has schema version {source.schema_version}, the target {target.schema_version}: "
            "start this release's bot once on the SQLite file so it migrates it, then copy"
        )
    filled = nonempty_tables(target)
    if "leader" in target.conn.tables() and target.conn.execute("SELECT 1 FROM leader").fetchone():
        filled["leader"] = 1  # a bot runs, or ran, on it: its ids would collide with the copied ones
    if filled:
        listed = ", ".join(f"{t} ({n})" for t, n in sorted(filled.items()))
        raise MigrationRefused(f"the target is not empty: {listed}. Copy into an empty database only")
    tables = [t for t in source.conn.tables() if t not in SKIPPED]
    strange = sorted(set(tables) - set(target.conn.tables()))
    if strange:  # e.g. a replication tool's table in the file: not the bot's, never silently left behind
        raise MigrationRefused(f"the SQLite file has tables the bot does not make: {', '.join(strange)}")
    for table in tables:
        missing = [c for c in source.conn.columns(table) if c not in set(target.conn.columns(table))]
        if missing:
            raise MigrationRefused(f"{table} has columns the target lacks: {', '.join(missing)}")
    ordered = [t for t in FIRST if t in tables] + [t for t in tables if t not in FIRST]
    copied = Copied()
    with target.transaction():
        for table in ordered:
            columns = source.conn.columns(table)
            names = ", ".join(f'"{c}"' for c in columns)
            insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
            cursor = source.conn.execute(f"SELECT {names} FROM {table} ORDER BY rowid")
            count, batch, size = 0, [], 0
            for row in iter(cursor.fetchone, None):
                batch.append(tuple(row))
                size += sum(len(v) for v in row if isinstance(v, str | bytes))
                if len(batch) >= BATCH or size >= BATCH_BYTES:
                    target.conn.executemany(insert, batch)
                    count, batch, size = count + len(batch), [], 0
            if batch:
                target.conn.executemany(insert, batch)
                count += len(batch)
            copied.tables[table] = count
            if "id" in columns and target.dialect == "postgresql":  # new rows go on after the copied ids
                target.conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
        for table, count in copied.tables.items():  # raised inside the transaction: nothing stays
            there = int(target.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            held = int(source.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            if not there == count == held:
                raise RuntimeError(f"{table}: {held} rows in the file, {count} read, {there} in the target")
    log.info("copied %d rows in %d tables", copied.total, len(copied.tables))
    return copied
