"""`inbox-bot backup`, `export` and `--version` (bot/cli_data.py), run as a user runs them."""

from __future__ import annotations

import csv
import shutil
import sqlite3
import tomllib
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path

from bot.clock.clocks import FakeClock
from bot.store.lock import InstanceLock
from bot.store.schema import MIGRATIONS
from bot.store.store import Store, iso
from tests.bot.test_cli import cli
from tests.support.clock import TEAM_TIME
from tests.support.postgres import Postgres

ROOT = Path(__file__).resolve().parents[2]


def database(tmp_path: Path) -> Path:
    """A database with two buyer conversations of 25 November (Berlin), one answered after 45 minutes."""
    path = tmp_path / "bot.db"
    store = Store.open(path, clock=FakeClock(TEAM_TIME))
    for n in (1, 2):
        received = TEAM_TIME - timedelta(days=1, hours=n)
        cid = store.create_conversation(
            key=f"a{n}", kind="buyer", marketplace="amazon.de", order_id=f"302-1234567-000000{n}"
        )
        store.insert_message(
            message_id=f"<in{n}@x>",
            conversation_id=cid,
            direction="in",
            kind="buyer_message",
            received_at=iso(received),
        )
    store.insert_message(
        message_id="<out@x>",
        conversation_id=1,
        direction="out",
        kind="reply",
        received_at=iso(TEAM_TIME - timedelta(days=1, minutes=15)),
    )
    store.create_send(key="q", conversation_id=2, reply_to_row=2, text="Hallo", by_user="U1")
    store.close()
    return path


def test_version_is_the_installed_package_version() -> None:
    result = cli("--version")
    assert result.returncode == 0, result.stderr
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert result.stdout == f"inbox-bot {version('inbox-bot')}\n" == f"inbox-bot {declared}\n"


def test_the_changelog_has_unreleased_changes_and_the_current_version() -> None:
    """Keep a Changelog: an Unreleased section first, then one per version, the current one among them."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    headings = [line for line in (ROOT / "CHANGELOG.md").read_text().splitlines() if line.startswith("## ")]
    assert headings[0] == "## [Unreleased]"
    assert any(h.startswith(f"## [{declared}] - ") for h in headings), f"add a section for {declared}"


def test_backup_writes_a_copy_says_what_is_in_it_and_never_overwrites_by_mistake(tmp_path: Path) -> None:
    env = {"INBOX_BOT_DATABASE_PATH": str(database(tmp_path)), "INBOX_BOT_TIMEZONE": "Europe/Berlin"}
    target = tmp_path / "backups" / "inbox.db"
    target.parent.mkdir()

    made = cli("backup", str(target), env=env)
    assert made.returncode == 0, made.stderr
    lines = made.stdout.splitlines()
    assert (
        lines[0].startswith(f"✓ {target}: ")
        and f"KB, schema version {len(MIGRATIONS)}, integrity ok, taken 2026-11-26" in lines[0]
    )
    assert lines[1].startswith("  2 conversations, 2 open conversations, 3 messages, 1 replies")
    assert "1 reply was on the way out: a bot restored from this file asks" in made.stdout
    assert "2 Slack posts" not in made.stdout  # nothing was queued for Slack in this database
    conn = sqlite3.connect(target)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM messages").fetchone() == (3,)
    conn.close()

    again = cli("backup", str(target), env=env)
    assert again.returncode == 2 and "exists already: choose another name, or --force" in again.stderr
    forced = cli("backup", str(target), "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    live = cli("backup", env["INBOX_BOT_DATABASE_PATH"], "--force", env=env)
    assert live.returncode == 2 and "is the live database" in live.stderr
    missing = cli(
        "backup", str(tmp_path / "x.db"), env={"INBOX_BOT_DATABASE_PATH": str(tmp_path / "none.db")}
    )
    assert missing.returncode == 2 and "no database at" in missing.stderr and not (tmp_path / "x.db").exists()


def test_export_writes_two_csv_files_for_the_days_asked(tmp_path: Path) -> None:
    env = {"INBOX_BOT_DATABASE_PATH": str(database(tmp_path)), "INBOX_BOT_TIMEZONE": "Europe/Berlin"}
    out = tmp_path / "export"
    result = cli("export", "--from", "2026-11-25", "--to", "2026-11-26", "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    conversations, daily = (
        out / "conversations_2026-11-25_2026-11-26.csv",
        out / "daily_2026-11-25_2026-11-26.csv",
    )
    assert result.stdout.splitlines() == [
        f"✓ {conversations}: 2 conversations",
        f"✓ {daily}: 2 days",
        "  times in Europe/Berlin; UTF-8 with a byte order mark, separated by ','",
    ]
    with open(conversations, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["id"], r["opened"], r["first_response_minutes"]) for r in rows] == [
        ("2", "2026-11-25 08:00:00", ""),
        ("1", "2026-11-25 09:00:00", "45"),
    ]
    with open(daily, encoding="utf-8-sig", newline="") as f:
        days = list(csv.DictReader(f))
    assert [
        (d["date"], d["messages"], d["answered_within_24h"], d["median_response_minutes"]) for d in days
    ] == [
        ("2026-11-25", "2", "1", "45"),
        ("2026-11-26", "0", "0", ""),
    ]

    semicolons = cli(
        "export", "--from", "2026-11-25", "--to", "2026-11-25", "--out", str(out), "--delimiter", ";", env=env
    )
    assert semicolons.returncode == 0, semicolons.stderr
    assert (out / "daily_2026-11-25_2026-11-25.csv").read_text(encoding="utf-8-sig").splitlines()[1].count(
        ";"
    ) == 7


def test_export_refuses_what_it_cannot_do_with_a_reason(tmp_path: Path) -> None:
    env = {"INBOX_BOT_DATABASE_PATH": str(database(tmp_path))}
    cases = [
        (["--from", "2026-11-31", "--to", "2026-12-01"], "dates are YYYY-MM-DD"),
        (["--from", "2026-11-26", "--to", "2026-11-25"], "--to 2026-11-25 is before --from 2026-11-26"),
        (["--from", "2026-11-25", "--to", "2026-11-25", "--delimiter", "::"], "--delimiter is one character"),
    ]
    for args, why in cases:
        result = cli("export", *args, "--out", str(tmp_path / "out"), env=env)
        assert result.returncode == 2 and why in result.stderr, (args, result.stderr)
    missing = cli(
        "export",
        "--from",
        "2026-11-25",
        "--to",
        "2026-11-25",
        env={"INBOX_BOT_DATABASE_PATH": "/nonexistent/x.db"},
    )
    assert missing.returncode == 2 and "no database at /nonexistent/x.db" in missing.stderr
    assert not (tmp_path / "out").exists()


def test_export_reads_only_and_writes_files_only_the_owner_can_read(tmp_path: Path) -> None:
    path = database(tmp_path)
    env = {"INBOX_BOT_DATABASE_PATH": str(path)}
    before = path.read_bytes()
    out = tmp_path / "export"
    result = cli("export", "--from", "2026-11-25", "--to", "2026-11-25", "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == before  # nothing written, nothing migrated
    files = sorted(out.iterdir())
    assert [f.name for f in files] == [
        "conversations_2026-11-25_2026-11-25.csv",
        "daily_2026-11-25_2026-11-25.csv",
    ]
    assert {f.stat().st_mode & 0o777 for f in files} == {0o600}  # buyers' names and orders are inside

    old = tmp_path / "old.db"  # a database of an older release: the export refuses it and leaves it as it is
    old.write_bytes((ROOT / "tests/fixtures/db/schema_v14.db").read_bytes())
    conn = sqlite3.connect(old)
    conn.execute("PRAGMA user_version=13")
    conn.close()
    kept = old.read_bytes()
    refused = cli(
        "export", "--from", "2026-11-25", "--to", "2026-11-25", env={"INBOX_BOT_DATABASE_PATH": str(old)}
    )
    assert refused.returncode == 2
    assert "schema version 13" in refused.stderr and "start the bot once" in refused.stderr
    assert old.read_bytes() == kept


def test_migrate_store_copies_into_an_empty_postgresql_once_and_never_beside_a_running_bot(
    tmp_path: Path, postgres_server: Postgres
) -> None:
    path = tmp_path / "inbox-bot.db"
    shutil.copy(
        Path(__file__).resolve().parents[1] / "fixtures" / "db" / f"schema_v{len(MIGRATIONS)}.db", path
    )
    url = postgres_server.fresh_url()
    env = {"INBOX_BOT_DATABASE_PATH": str(path)}
    lock = InstanceLock(path)
    lock.acquire()  # a bot runs on the file
    busy = cli("migrate-store", "--to", url, env=env)
    lock.release()
    assert busy.returncode == 2 and "another inbox-bot" in busy.stderr and "stop it first" in busy.stderr
    done = cli("migrate-store", "--to", url, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("✓ copied ") and "the counts match" in done.stdout
    assert "next: set INBOX_BOT_DATABASE_URL=postgresql://postgres@127.0.0.1" in done.stdout
    copied = Store.connect(url, clock=FakeClock())
    source = Store.open_read_only(path, clock=FakeClock())
    try:
        for table in ("conversations", "messages", "sends", "outbox", "audit"):
            count = f"SELECT count(*) AS n FROM {table}"
            assert copied.query(count) == source.query(count), table
    finally:
        copied.close()
        source.close()
    again = cli("migrate-store", "--to", url, env=env)
    assert again.returncode == 2 and "the target is not empty" in again.stderr
    wrong = cli("migrate-store", "--to", f"sqlite:///{tmp_path / 'x.db'}", env=env)
    assert wrong.returncode == 2 and "names a PostgreSQL database" in wrong.stderr
    # the bot then runs on PostgreSQL: its commands read the copy; a file backup is not how PostgreSQL is saved
    on_pg = {"INBOX_BOT_DATABASE_URL": url}
    purge = cli("purge", "--dry-run", env=on_pg)
    assert purge.returncode == 0 and '"dry_run": true' in purge.stdout
    backup = cli("backup", str(tmp_path / "b.db"), env=on_pg)
    assert backup.returncode == 2 and "pg_dump" in backup.stderr


def test_backup_copies_the_file_the_url_names_not_the_path_setting(tmp_path: Path) -> None:
    real = database(tmp_path)  # two conversations
    stale = tmp_path / "old" / "inbox-bot.db"
    stale.parent.mkdir()
    Store.open(
        stale, clock=FakeClock(TEAM_TIME)
    ).close()  # an empty file where INBOX_BOT_DATABASE_PATH points
    env = {"INBOX_BOT_DATABASE_URL": f"sqlite:///{real}", "INBOX_BOT_DATABASE_PATH": str(stale)}
    done = cli("backup", str(tmp_path / "copy.db"), env=env)
    assert done.returncode == 0, done.stderr
    assert "2 conversations" in done.stdout
    copy = Store.open_read_only(tmp_path / "copy.db", clock=FakeClock(TEAM_TIME))
    assert len(copy.query("SELECT id FROM conversations")) == 2
    copy.close()
