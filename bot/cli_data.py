"""The data-keeping commands of `inbox-bot` (backup, export) and `--version`, registered by bot/cli.py."""

from __future__ import annotations

import logging
from datetime import date
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli_tools import ConfigOption, settings_or_exit, setup_logging

if TYPE_CHECKING:
    from bot.clock.clocks import Clock
    from bot.settings import Settings
    from bot.store.store import Store

log = logging.getLogger(__name__)

DISTRIBUTION = "inbox-bot"


def version_text() -> str:
    """`inbox-bot <version>` from the installed package's metadata."""
    try:
        return f"{DISTRIBUTION} {package_version(DISTRIBUTION)}"
    except PackageNotFoundError:
        return f"{DISTRIBUTION}: version unknown (not installed as a package: pip install .)"


def show_version(value: bool) -> None:
    """The eager `--version` option: print the version and stop."""
    if value:
        typer.echo(version_text())
        raise typer.Exit()


def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the copy (a new file)", show_default=False)],
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists")] = False,
    config: ConfigOption = None,
) -> None:
    """Copy the database to FILE while the bot runs (SQLite's online backup); restore: stop the bot, copy it back."""
    from bot.clock.clocks import clock_from
    from bot.store.backup import BackupError
    from bot.store.backup import backup as take

    settings = settings_or_exit(config)
    setup_logging("WARNING")
    if settings.database.engine == "postgresql":
        typer.echo(
            "✗ the store is in PostgreSQL (INBOX_BOT_DATABASE_URL): back it up with pg_dump or your provider's "
            "backups (docs/operations.md)",
            err=True,
        )
        raise typer.Exit(2)
    try:
        made = take(
            settings.database.path or settings.database_path,
            file,
            taken_at=clock_from(settings).now(),
            force=force,
        )
    except BackupError as e:
        typer.echo(f"✗ {e}", err=True)
        raise typer.Exit(2) from e
    except OSError as e:  # the disk, the folder's permissions
        typer.echo(f"✗ cannot write the backup {file}: {e.strerror or e}", err=True)
        raise typer.Exit(2) from e
    typer.echo(
        f"✓ {made.path}: {_size(made.size)}, schema version {made.schema_version}, integrity ok, "
        f"taken {made.taken_at.astimezone(settings.tz):%Y-%m-%d %H:%M:%S %Z}"
    )
    typer.echo("  " + ", ".join(f"{n} {label}" for label, n in made.counts.items()))
    if made.held_sends:
        typer.echo(
            f"  {made.held_sends} repl{'y was' if made.held_sends == 1 else 'ies were'} on the way out: a bot restored "
            "from this file asks in the card's thread whether it went out, and never sends it again by itself"
        )
    if made.pending_posts:
        typer.echo(
            f"  {made.pending_posts} Slack post{' was' if made.pending_posts == 1 else 's were'} still to be made: a "
            "bot restored from this file looks for it in the channel before posting"
        )


def export(
    first: Annotated[
        str, typer.Option("--from", help="First day, YYYY-MM-DD (team timezone)", show_default=False)
    ],
    last: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD, included", show_default=False)],
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the two CSV files (created if missing)")
    ] = Path("."),
    delimiter: Annotated[
        str, typer.Option(help="Field separator: ';' for Excel set to a language that writes decimal commas")
    ] = ",",
    config: ConfigOption = None,
) -> None:
    """Conversations and daily numbers (messages, answered within 24 h, late, breaches, median response) as CSV."""
    from bot.accounts import Accounts
    from bot.clock.clocks import clock_from
    from bot.export import export as write

    settings = settings_or_exit(config)
    setup_logging("WARNING")
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError as e:
        typer.echo(f"✗ dates are YYYY-MM-DD: {e}", err=True)
        raise typer.Exit(2) from e
    if end < start:
        typer.echo(f"✗ --to {end} is before --from {start}", err=True)
        raise typer.Exit(2)
    if len(delimiter) != 1 or delimiter in '"\r\n':
        typer.echo(f"✗ --delimiter is one character such as , or ; (not {delimiter!r})", err=True)
        raise typer.Exit(2)
    # read-only: an export never migrates or writes the database a running bot uses
    store = existing_store(settings, clock_from(settings), read_only=True)
    try:
        first_account = Accounts.from_settings(settings).first_name
        done = write(store, start, end, settings.tz, out, delimiter=delimiter, first_account=first_account)
    except OSError as e:
        typer.echo(f"✗ cannot write into {out}: {e.strerror or e}", err=True)
        raise typer.Exit(2) from e
    finally:
        store.close()
    typer.echo(f"✓ {done.conversations}: {done.conversation_count} conversations")
    typer.echo(f"✓ {done.daily}: {done.day_count} days")
    typer.echo(f"  times in {settings.timezone}; UTF-8 with a byte order mark, separated by {delimiter!r}")


def _size(n: int) -> str:
    """Bytes for people: 812 KB, 1.4 MB."""
    if n < 1024 * 1024:
        return f"{max(1, round(n / 1024))} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def migrate_store(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The empty PostgreSQL to copy into: postgresql://user@host/db (the password from PGPASSWORD or "
            "~/.pgpass keeps it out of the shell's history)",
        ),
    ],
    config: ConfigOption = None,
) -> None:
    """Copy the SQLite database into an empty PostgreSQL (every row, counts compared, one transaction); the bot must
    be stopped. Then set INBOX_BOT_DATABASE_URL and start it (docs/operations.md)."""
    from bot.clock.clocks import clock_from
    from bot.store.base import open_errors
    from bot.store.engine import database_errors
    from bot.store.lock import AlreadyRunning, InstanceLock
    from bot.store.migrate import MigrationRefused, copy_store
    from bot.store.store import Store
    from bot.store.url import DatabaseUrl

    settings = settings_or_exit(config)
    setup_logging("WARNING")
    try:
        target_url = DatabaseUrl.parse(to)
    except ValueError as e:
        typer.echo(f"✗ --to: {e}", err=True)
        raise typer.Exit(2) from e
    if target_url.engine != "postgresql":
        typer.echo("✗ --to names a PostgreSQL database: postgresql://user:password@host/db", err=True)
        raise typer.Exit(2)
    path = (
        settings.database.path or settings.database_path
    )  # the SQLite file, also when the URL says PostgreSQL
    if not path.exists():
        typer.echo(f"✗ no SQLite database at {path}: set INBOX_BOT_DATABASE_PATH", err=True)
        raise typer.Exit(2)
    lock = InstanceLock(path)
    try:
        lock.acquire()  # no bot writes while it is copied
    except AlreadyRunning as e:
        typer.echo(f"✗ {e}", err=True)
        raise typer.Exit(2) from e
    clock = clock_from(settings)
    unreadable = open_errors()
    try:
        source = Store.open_read_only(path, clock=clock)
        target = Store.connect(target_url, clock=clock)
    except unreadable as e:
        lock.release()
        typer.echo(f"✗ {target_url.redact(str(e))}", err=True)
        raise typer.Exit(2) from e
    failing: tuple[type[BaseException], ...] = (RuntimeError, *database_errors())
    try:
        copied = copy_store(source, target)
    except MigrationRefused as e:
        typer.echo(f"✗ {e}", err=True)
        raise typer.Exit(2) from e
    except failing as e:  # a row the target refuses, a count that differs
        typer.echo(
            f"✗ the copy was rolled back, nothing stays in the target: {target_url.redact(str(e))}", err=True
        )
        raise typer.Exit(1) from e
    finally:
        source.close()
        target.close()
        lock.release()
    typer.echo(f"✓ copied {copied.total} rows from {path} into {target_url.shown}; the counts match:")
    typer.echo("  " + ", ".join(f"{table} {n}" for table, n in copied.tables.items()))
    typer.echo(
        f"  next: set INBOX_BOT_DATABASE_URL={target_url.shown} (with its password) and start the bot; "
        f"keep {path} as the backup of this moment"
    )


def existing_store(settings: Settings, clock: Clock, *, read_only: bool = False) -> Store:
    """The bot's database for a command, or exit 2 saying why not: an SQLite file that is not there, a PostgreSQL
    that does not answer, a schema this release does not read (read-only: nothing is created or migrated)."""
    from bot.store.base import open_errors
    from bot.store.store import Store

    unreadable = open_errors()
    database = settings.database
    if database.path is not None and str(database.path) != ":memory:" and not database.path.exists():
        typer.echo(
            f"✗ no database at {database.path}: set INBOX_BOT_DATABASE_PATH or INBOX_BOT_DATABASE_URL",
            err=True,
        )
        raise typer.Exit(2)
    try:
        if read_only:
            return Store.open_read_only(database, clock=clock)
        return Store.connect(database, clock=clock)
    except unreadable as e:
        typer.echo(f"✗ cannot read {database.shown}: {database.redact(str(e))}", err=True)
        raise typer.Exit(2) from e
