"""The inspection and data commands of `inbox-bot` (parse, order, track, guard, templates, sla, classify, report,
purge), registered by bot/cli.py, and what every command shares: the --config option, settings, logging."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError

from bot.settings import Settings
from bot.settings_sources import describe, load_settings

log = logging.getLogger(__name__)


ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="TOML settings file (also INBOX_BOT_CONFIG)")
]


def settings_or_exit(config: Path | None) -> Settings:
    """The settings, or exit 2 naming what is wrong (never a traceback)."""
    try:
        return load_settings(config)
    except ValidationError as e:  # secrets' values are masked by load_settings and left out here
        typer.echo(f"inbox-bot: the settings are not valid:\n{describe(e)}", err=True)
        raise typer.Exit(2) from None
    except (FileNotFoundError, tomllib.TOMLDecodeError, SettingsError) as e:  # none of these quotes a value
        typer.echo(f"inbox-bot: the settings are not valid:\n{e}", err=True)
        raise typer.Exit(2) from None


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def parse(
    files: Annotated[list[Path], typer.Argument(help="Saved relay mails (.eml)")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file, one per line")] = False,
) -> None:
    """Parse saved relay mails and print what the bot reads from them."""
    from bot.mail.parser import parse_relay_mail

    code = 0
    for file in files:
        try:
            raw = file.read_bytes()
        except OSError as e:
            code = 2
            out = {"file": str(file), "error": f"cannot read file: {e.strerror or e}"}
            typer.echo(json.dumps(out, ensure_ascii=False) if as_json else f"{file}: {out['error']}")
            continue
        parsed = parse_relay_mail(raw)
        data = parsed.to_json(str(file))
        if as_json:
            typer.echo(json.dumps(data, ensure_ascii=False))
        else:
            typer.echo(f"== {file}")
            for k, v in data.items():
                if k not in ("file", "text") and v not in (None, []):
                    typer.echo(f"  {k}: {v}")
            typer.echo("  text:\n    " + (data["text"] or "").replace("\n", "\n    "))
    raise typer.Exit(code)


def order(
    order_id: Annotated[str, typer.Argument(help="Amazon order id, e.g. 302-1234567-1234567")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    config: ConfigOption = None,
) -> None:
    """Show an order with its packages and each package's live tracking (SP-API and carriers)."""
    from bot.mail.patterns import ORDER_ID

    settings = settings_or_exit(config)
    setup_logging("WARNING")
    m = ORDER_ID.search(order_id)
    if not m:
        typer.echo(f"✗ {order_id!r} is not an Amazon order id (like 302-1234567-1234567)", err=True)
        raise typer.Exit(2)
    if not settings.sp_api_enabled:
        typer.echo(
            "✗ SP-API is not configured: set INBOX_BOT_SP_API_REFRESH_TOKEN, _LWA_APP_ID, _LWA_CLIENT_SECRET",
            err=True,
        )
        raise typer.Exit(2)
    data = asyncio.run(_order_json("-".join(m.groups()), settings))
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
    else:
        _print_order(data)
    raise typer.Exit(1 if data.get("error") else 0)


async def _order_json(order_id: str, settings: Settings) -> dict[str, object]:
    from bot.errors import UpstreamError
    from bot.services.amazon import SpApi
    from bot.services.carriers.detect import marketplace_country
    from bot.services.carriers.tracker import Tracker, providers_from
    from bot.services.http import new_client

    amazon = SpApi(settings)
    async with new_client() as http:
        try:
            found = await amazon.get_order(order_id)
        except UpstreamError as e:
            return {"order_id": order_id, "error": str(e)}
        finally:
            await amazon.aclose()
        tracker = Tracker(settings, providers_from(settings, http))
        country = marketplace_country(found.marketplace)
        tracked = await asyncio.gather(
            *(
                tracker.track(p.tracking_number, carrier_name=p.carrier, country=country)
                for p in found.packages
                if p.tracking_number
            )
        )
    out = found.to_json()
    out["packages"] = [{**p, "tracking": t.to_json()} for p, t in zip(out["packages"], tracked, strict=True)]
    out["error"] = None
    return out


def _print_order(data: dict[str, object]) -> None:
    if data.get("error"):
        typer.echo(f"✗ {data['error']}")
        return
    typer.echo(f"Order {data['order_id']} ({data['marketplace']}, {data['channel']}): {data['status']}")
    for item in data.get("items") or []:  # type: ignore[attr-defined]
        typer.echo(f"  {item['quantity']} × {item['title']}")
    for pkg in data.get("packages") or []:  # type: ignore[attr-defined]
        t = pkg["tracking"]
        event = (t.get("last_event") or {}).get("description") or ""
        typer.echo(f"  {t['carrier']} {t['tracking_number']}: {t['status']} {event}".rstrip())
        typer.echo(f"    {t['link']}")


def track(
    number: Annotated[str, typer.Argument(help="Tracking number")],
    carrier: Annotated[
        str | None, typer.Option(help="Carrier (dhl, dpd, gls, hermes, ups, fedex, usps, amazon)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    config: ConfigOption = None,
) -> None:
    """Track one package: the detected carrier, its live status and public link."""
    from bot.services.carriers.detect import detect_carriers
    from bot.services.carriers.tracker import Tracker, providers_from
    from bot.services.http import new_client

    settings = settings_or_exit(config)
    setup_logging("WARNING")

    async def lookup() -> dict[str, object]:
        async with new_client() as http:
            result = await Tracker(settings, providers_from(settings, http)).track(number, carrier=carrier)
        return {**result.to_json(), "candidates": detect_carriers(number)}

    data = asyncio.run(lookup())
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
    else:
        event = (data.get("last_event") or {}).get("description") or ""  # type: ignore[attr-defined]
        typer.echo(f"{data['carrier']} {data['tracking_number']}: {data['status']} {event}".rstrip())
        typer.echo(f"  {data['link']}")
        if data.get("error"):
            typer.echo(f"  ✗ {data['error']}")
    raise typer.Exit(1 if data.get("error") else 0)


def guard(
    lang: Annotated[
        str | None, typer.Option(help="The text's language (de, en, fr …): its region for phone numbers")
    ] = None,
    order_id: Annotated[str | None, typer.Option(help="Order id, for the proactive-message rule")] = None,
    proactive: Annotated[bool, typer.Option(help="The buyer did not write first")] = False,
    jsonl: Annotated[
        Path | None, typer.Option(help='Check many texts: one {"text", "lang"} per line; one result per line')
    ] = None,
    evaluate: Annotated[
        list[Path] | None,
        typer.Option(help="Labelled corpus (JSON lines with label and rules): recall and false refusals"),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Check a text (standard input) against Amazon's messaging rules; JSON list of violations, exit 1 if any."""
    from bot.replies.guard import Policy
    from bot.replies.guard_eval import evaluate as run_evaluation
    from bot.replies.guard_eval import read_corpus, report

    s = settings_or_exit(config)
    policy = Policy.from_settings(s.guard_disabled_rules, s.guard_allowed_domains, model=s.guard_model)
    if evaluate:
        for path in evaluate:
            result = run_evaluation(policy, read_corpus(path))
            typer.echo(report(result, str(path)))
        return
    if jsonl is not None:
        any_found = False
        for row in read_corpus(jsonl):
            found = policy.check(
                str(row["text"]),
                order_id=order_id,
                proactive=proactive,
                lang=str(row.get("lang") or lang or "") or None,
            )
            any_found = any_found or bool(found)
            line = {
                "lang": row.get("lang"),
                "refused": bool(found),
                "violations": [v.to_json() for v in found],
            }
            typer.echo(json.dumps(line, ensure_ascii=False))
        raise typer.Exit(1 if any_found else 0)
    text = sys.stdin.read()
    found = policy.check(text, order_id=order_id, proactive=proactive, lang=lang)
    typer.echo(json.dumps([v.to_json() for v in found], ensure_ascii=False))
    raise typer.Exit(1 if found else 0)


templates_app = typer.Typer(no_args_is_help=True, help="Reply templates.")


@templates_app.command("lint")
def templates_lint(
    folder: Annotated[
        Path | None, typer.Option(help="Template folder (default: the shipped templates)")
    ] = None,
    team: Annotated[
        Path | None,
        typer.Option(
            help="A team folder read over them (default: INBOX_BOT_TEMPLATE_DIR, if the settings have one)"
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Render every template with sample data under StrictUndefined and the guard; exit 1 on any problem."""
    from bot.replies.library import Library, TemplateProblem, lint

    if team is None and folder is None:
        team = settings_or_exit(config).template_dir
    try:
        library = Library.load(folder, overlay=team)
    except TemplateProblem as e:
        typer.echo(f"✗ {e}", err=True)
        raise typer.Exit(1) from e
    problems = lint(library)
    for line in problems:
        typer.echo(f"✗ {line}")
    count = len(library.templates)
    languages = sorted({lang for _, lang in library.templates})
    typer.echo(f"{count} templates in {', '.join(languages)}: {len(problems)} problem(s)")
    raise typer.Exit(1 if problems else 0)


@templates_app.command("export")
def templates_export(
    folder: Annotated[Path, typer.Argument(help="Where to copy the shipped templates (your team folder)")],
    force: Annotated[bool, typer.Option(help="Overwrite files that exist")] = False,
) -> None:
    """Copy the shipped templates into a folder as your team's starting point (then set INBOX_BOT_TEMPLATE_DIR)."""
    from bot.replies.library import TemplateProblem, export

    try:
        written = export(folder, force=force)
    except TemplateProblem as e:
        typer.echo(f"✗ {e}", err=True)
        raise typer.Exit(1) from e
    typer.echo(f"{len(written)} templates copied to {folder}; set INBOX_BOT_TEMPLATE_DIR={folder}")


sla_app = typer.Typer(no_args_is_help=True, help="The 24-hour clock.")


def _when(text: str, option: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        typer.echo(f"✗ {option} {text!r} is not an ISO 8601 time (e.g. 2026-11-24T18:30:00+01:00)", err=True)
        raise typer.Exit(2) from e
    if when.tzinfo is None:
        typer.echo(f"✗ {option} needs a timezone offset (e.g. +01:00 or Z)", err=True)
        raise typer.Exit(2)
    return when


@sla_app.command("explain")
def sla_explain(
    received: Annotated[str, typer.Option(help="When the buyer's message arrived (ISO 8601 with offset)")],
    now: Annotated[str | None, typer.Option(help="Show only what happens from this time on")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    config: ConfigOption = None,
) -> None:
    """The deadline and every notification the policy plans: when, at which stage, what, to whom."""
    from bot.cli_data import existing_store
    from bot.clock.clocks import clock_from
    from bot.clock.escalation import Escalator
    from bot.store.store import Store

    settings = settings_or_exit(config)
    arrived = _when(received, "--received")
    current = _when(now, "--now") if now else None
    clock = clock_from(settings)
    database = settings.database
    if database.path is not None and not database.path.exists():
        store = Store.open(":memory:", clock=clock)  # no bot ran yet: no overrides
    else:
        store = existing_store(settings, clock)  # overrides people set in Slack count
    try:
        data = Escalator(settings, store, clock, post=lambda *a: None).explain(arrived, current)
    except ValueError as e:
        typer.echo(f"✗ {e}", err=True)
        raise typer.Exit(2) from e
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    typer.echo(f"Answer by {data['deadline']} (now: {data['stage']})")
    for n in data["notifications"]:
        typer.echo(f"  {n['at']}  {n['stage']:<9} {n['action']:<16} {n['who']}")


def classify(
    lang: Annotated[
        str | None,
        typer.Option(
            help="The text's language: one model reads every language; one it has not learnt is unsure"
        ),
    ] = None,
    order: Annotated[
        bool | None,
        typer.Option(
            "--order/--no-order", help="The message has an order id / has none (pre-sale); default: unknown"
        ),
    ] = None,
    evaluate: Annotated[
        Path | None, typer.Option(help="Measure on a labelled JSONL file instead of reading a text")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --evaluate: print JSON instead of tables")
    ] = False,
    model: Annotated[
        Path | None,
        typer.Option(help="A model file built by bot/mail/intent_train.py (default: the shipped one)"),
    ] = None,
) -> None:
    """What a buyer wants (standard input): {"intent", "confidence", "templates"} as JSON."""
    from bot.mail import intent_eval, intents
    from bot.mail.intent_model import LinearModel

    try:
        linear = LinearModel.load(model) if model is not None else None
        if evaluate is not None:
            report = intent_eval.evaluate(intent_eval.read_rows(evaluate), model=linear)
            typer.echo(
                json.dumps(report, ensure_ascii=False, indent=1) if as_json else intent_eval.render(report)
            )
            return
    except (OSError, ValueError) as e:
        typer.echo(f"✗ {e}", err=True)
        raise typer.Exit(2) from e
    result = intents.classify(sys.stdin.read(), has_order=order, lang=lang, model=linear)
    out = result.to_json()
    if lang:
        out["lang"] = lang
    typer.echo(json.dumps(out, ensure_ascii=False))


def report(
    since: Annotated[str, typer.Option(help="First day (YYYY-MM-DD, team timezone)")],
    until: Annotated[str | None, typer.Option(help="Day after the last one (default: now)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    config: ConfigOption = None,
) -> None:
    """Response times, Late Response Rate, breaches by hour and weekday, intents, account health (orders: SP-API)."""
    from datetime import date as date_

    from bot.cli_data import existing_store
    from bot.clock.clocks import clock_from
    from bot.clock.health import cli_window
    from bot.clock.report import report as build
    from bot.clock.report import text

    settings = settings_or_exit(config)
    clock = clock_from(settings)
    try:
        start = datetime.combine(date_.fromisoformat(since), datetime.min.time(), tzinfo=settings.tz)
        end = (
            datetime.combine(date_.fromisoformat(until), datetime.min.time(), tzinfo=settings.tz)
            if until
            else clock.now().astimezone(settings.tz)
        )
    except ValueError as e:
        typer.echo(f"✗ dates are YYYY-MM-DD: {e}", err=True)
        raise typer.Exit(2) from e
    store = existing_store(settings, clock)
    try:
        data = build(
            store, start, end, settings.tz, orders=asyncio.run(cli_window(settings, store, start, end))
        )
    finally:
        store.close()
    typer.echo(json.dumps(data, ensure_ascii=False) if as_json else text(data))


def purge(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what would be removed")] = False,
    config: ConfigOption = None,
) -> None:
    """Remove buyer text, names and raw mails of conversations settled longer ago than the retention period."""
    from bot.cli_data import existing_store
    from bot.clock.clocks import clock_from
    from bot.store.retention import purge as run_purge

    settings = settings_or_exit(config)
    clock = clock_from(settings)
    store = existing_store(settings, clock)
    try:
        summary = run_purge(store, clock.now(), settings.raw_retention_days, dry_run=dry_run)
    finally:
        store.close()
    typer.echo(json.dumps(summary))
