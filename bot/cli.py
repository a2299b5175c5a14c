"""The `inbox-bot` command line."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.cli_data import backup, export, migrate_store, show_version
from bot.cli_tools import (
    ConfigOption,
    classify,
    guard,
    order,
    parse,
    purge,
    report,
    settings_or_exit,
    setup_logging,
    sla_app,
    templates_app,
    track,
)

log = logging.getLogger(__name__)

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Amazon buyer messages in Slack.")


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=show_version, is_eager=True, help="Print the installed version and stop"
        ),
    ] = False,
) -> None:
    """Amazon buyer messages in Slack."""


@app.command()
def run(config: ConfigOption = None) -> None:
    """Run the bot: read the mailbox, post cards, listen to Slack."""
    from bot.app import StartupError, build_deps, create_app, run_bot
    from bot.checks import problems as problems_of
    from bot.ops.logs import configure_logging
    from bot.store.base import LeaseLost

    settings = settings_or_exit(config)
    configure_logging(settings.log_level, settings.log_format)  # text, or JSON lines (INBOX_BOT_LOG_FORMAT)
    problems = problems_of(settings)
    if problems:
        for p in problems:
            typer.echo(f"✗ {p}", err=True)
        raise typer.Exit(2)

    async def main() -> None:
        deps = build_deps(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_bot(deps, create_app(settings, deps), stop=stop)

    try:
        asyncio.run(main())
    except StartupError as e:
        typer.echo(f"✗ {e}", err=True)
        raise typer.Exit(2) from e
    except (
        LeaseLost
    ) as e:  # another instance leads now: this one stops; its supervisor starts it as a standby
        log.error("%s", e)
        raise typer.Exit(3) from e


@app.command()
def check(
    config: ConfigOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help='A JSON list of {"item", "ok", "detail", "severity"} for scripts')
    ] = False,
) -> None:
    """Validate every setting and try everything the bot will use, one line per item; exit 1 on any failure (2 when
    the settings do not parse, as every command)."""
    from bot.checks import load_checked, render, run_checks

    setup_logging("ERROR")  # each problem is its own line; a check that breaks still logs its traceback
    settings, results = load_checked(config)
    if settings is None:
        typer.echo(render(results, as_json=as_json))
        raise typer.Exit(2)
    results = asyncio.run(run_checks(settings))
    typer.echo(render(results, as_json=as_json))
    raise typer.Exit(0 if all(c.ok for c in results) else 1)


for _command in (parse, order, track, guard, classify, report, purge, backup, export):
    app.command()(_command)
app.command("migrate-store")(migrate_store)
app.add_typer(templates_app, name="templates")
app.add_typer(sla_app, name="sla")


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port of the demo page on 127.0.0.1")] = 8080,
    speed: Annotated[
        float, typer.Option(help="Clock speed: 60 makes an hour pass in a minute", min=0.01, max=10_000)
    ] = 1.0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open a browser")] = False,
    data: Annotated[
        Path | None, typer.Option(help="Keep the demo's mailbox and database in this folder")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            help="Where the demo's clock starts, ISO 8601 with offset "
            "(default 2026-11-26T10:00:00+01:00, a Thursday morning in Berlin)"
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Also show the libraries' log lines (scheduler, HTTP, SMTP)")
    ] = False,
) -> None:
    """The whole product on this machine: the real bot, a Slack look-alike page, a sample mailbox."""
    import webbrowser

    from bot.sandbox.demo import Demo

    begin = _demo_start(start)
    _demosetup_logging(verbose)

    def listening(url: str) -> None:
        typer.echo(f"inbox-bot demo: open {url}  (Ctrl-C stops it)")

    async def serve() -> None:
        world = Demo(port=port, speed=speed, start=begin, workdir=data)
        try:
            await world.start(on_listening=listening)
        except OSError as e:
            await world.stop()
            typer.echo(f"✗ cannot serve the demo on port {port}: {e.strerror or e}; try --port", err=True)
            raise typer.Exit(2) from e
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if not no_browser:
            webbrowser.open(world.url)
        waiter = asyncio.create_task(stop.wait())
        bot = asyncio.create_task(world.wait())
        await asyncio.wait([waiter, bot], return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        await world.stop()
        if bot.done() and not bot.cancelled() and bot.exception():
            raise bot.exception()  # type: ignore[misc]

    asyncio.run(serve())


def _demo_start(text: str | None) -> datetime | None:
    """The demo's `--start`, checked: an ISO 8601 moment with its offset."""
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError as e:
        raise typer.BadParameter(
            f"{text!r}: write it like 2026-11-26T10:00:00+01:00", param_hint="--start"
        ) from e
    if when.tzinfo is None:
        raise typer.BadParameter(f"{text!r} has no offset: add one, e.g. +01:00", param_hint="--start")
    return when


# Whose INFO lines are chatter in the demo's console (shown with --verbose): the scheduler, the HTTP clients, the
# SMTP server, Slack's libraries, the per-call HTTP log and the migrations.
DEMO_QUIET = (
    "apscheduler",
    "httpx",
    "httpcore",
    "mail.log",
    "aiohttp",
    "slack_bolt",
    "slack_sdk",
    "sp_api",
    "bot.services.http",
    "bot.store.store",
)


def _demosetup_logging(verbose: bool) -> None:
    """The bot's own INFO lines; the chatter only from WARNING on unless `verbose`."""
    setup_logging("INFO")
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # the page polls; keep the log readable
    if verbose:
        return

    def quiet(record: logging.LogRecord) -> bool:
        # a filter on the handler, not logger levels: Bolt gives its loggers the root's level when it creates them
        return record.levelno >= logging.WARNING or not record.name.startswith(DEMO_QUIET)

    for handler in logging.getLogger().handlers:
        handler.addFilter(quiet)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)
