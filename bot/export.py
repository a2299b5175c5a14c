"""The export for a spreadsheet: the conversations and the daily numbers of a date range as two CSV files, times in
the team's timezone.

The files are UTF-8 with a byte order mark: Excel opens a CSV without one in the computer's legacy code page, which
garbles every umlaut and accent (and Japanese) of a user name or notice type; with the mark Excel, LibreOffice, Numbers
and Google Sheets all read UTF-8. Times are written `YYYY-MM-DD HH:MM:SS` in the team's timezone, which spreadsheets
take for a date and time (ISO 8601's `T` and offset would make them text). Numbers are whole (minutes), so no
decimal comma or point can be misread. No buyer names, aliases or words are exported.
"""

from __future__ import annotations

import csv
import logging
import os
import statistics
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from bot.clock.digest import responses
from bot.store.store import Store, parse_iso

log = logging.getLogger(__name__)

ENCODING = "utf-8-sig"  # UTF-8 with a byte order mark (see above)
CONVERSATION_COLUMNS = (
    "id",
    "kind",
    "notice_type",
    "marketplace",
    "order_id",
    "opened",
    "deadline",
    "answered_at",
    "answered_by",
    "closed_at",
    "closed_by",
    "state",
    "outcome",
    "intent",
    "first_response_minutes",
    "account",  # the Amazon account (several in [[accounts]]); last, so spreadsheets made before keep their columns
)
DAILY_COLUMNS = (
    "date",
    "messages",
    "answered_within_24h",
    "answered_late",
    "unanswered",
    "no_response_needed",
    "breaches",
    "median_response_minutes",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula


@dataclass(frozen=True)
class Exported:
    """The two files written and how many rows each has."""

    conversations: Path
    daily: Path
    conversation_count: int
    day_count: int


def window(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """From the start of `first` to the end of `last` (both included), in the team's timezone."""
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    return _midnight(first, tz), _midnight(last + timedelta(days=1), tz)


def conversation_rows(
    store: Store, first: date, last: date, tz: tzinfo, *, first_account: str = ""
) -> list[dict[str, Any]]:
    """One row per conversation whose first mail arrived between `first` and `last` (CONVERSATION_COLUMNS)."""
    since, until = window(first, last, tz)
    rows = []
    for c in store.conversations_between(since=since, until=until):
        opened, replied = parse_iso(c["first_mail_at"]), parse_iso(c["first_reply_at"])
        minutes = round((replied - opened).total_seconds() / 60) if opened and replied else None
        rows.append(
            {
                **{name: c.get(name) for name in CONVERSATION_COLUMNS},
                "opened": local(c["first_mail_at"], tz),
                "deadline": local(c["deadline"], tz),
                "answered_at": local(c["answered_at"], tz),
                "closed_at": local(c["closed_at"], tz),
                "first_response_minutes": minutes,
                "account": c.get("account") or first_account,  # the first account is stored as none
            }
        )
    return rows


def daily_rows(store: Store, first: date, last: date, tz: tzinfo) -> list[dict[str, Any]]:
    """One row per day from `first` to `last`, every day even without messages (DAILY_COLUMNS): buyer messages
    received that day and how they were answered, by Amazon's 24 hours; breaches are the messages whose 24 hours ran
    out that day without an answer in time (the digest's count)."""
    since, _ = window(first, last, tz)
    items = responses(
        store, since - timedelta(days=2)
    )  # a deadline on the first day may be a day before's message
    now = store.clock.now()
    rows = []
    day = first
    while day <= last:
        start, end = _midnight(day, tz), _midnight(day + timedelta(days=1), tz)
        received = [i for i in items if start <= i["received"] < end]
        answered = [i for i in received if i["answered"] is not None]
        breaches = [
            i
            for i in items
            if start <= i["deadline"] < end
            and i["deadline"] <= now
            and not i["no_response"]
            and (i["answered"] is None or i["answered"] > i["deadline"])
        ]
        minutes = [(i["answered"] - i["received"]).total_seconds() / 60 for i in answered]
        rows.append(
            {
                "date": day.isoformat(),
                "messages": len(received),
                "answered_within_24h": sum(1 for i in answered if i["answered"] <= i["deadline"]),
                "answered_late": sum(1 for i in answered if i["answered"] > i["deadline"]),
                "unanswered": sum(1 for i in received if i["answered"] is None and not i["no_response"]),
                "no_response_needed": sum(1 for i in received if i["no_response"]),
                "breaches": len(breaches),
                "median_response_minutes": round(statistics.median(minutes)) if minutes else None,
            }
        )
        day += timedelta(days=1)
    return rows


def export(
    store: Store,
    first: date,
    last: date,
    tz: tzinfo,
    folder: Path,
    *,
    delimiter: str = ",",
    first_account: str = "",
) -> Exported:
    """Write conversations_<first>_<last>.csv and daily_<first>_<last>.csv into `folder` (created if missing;
    files of the same range are replaced)."""
    conversations = conversation_rows(store, first, last, tz, first_account=first_account)
    days = daily_rows(store, first, last, tz)
    folder.mkdir(parents=True, exist_ok=True)
    span = f"{first.isoformat()}_{last.isoformat()}"
    conv_path, daily_path = folder / f"conversations_{span}.csv", folder / f"daily_{span}.csv"
    write_csv(conv_path, CONVERSATION_COLUMNS, conversations, delimiter=delimiter)
    write_csv(daily_path, DAILY_COLUMNS, days, delimiter=delimiter)
    log.info("exported %d conversations and %d days to %s", len(conversations), len(days), folder)
    return Exported(conv_path, daily_path, len(conversations), len(days))


def write_csv(
    path: Path, columns: Sequence[str], rows: Iterable[dict[str, Any]], *, delimiter: str = ","
) -> None:
    """One CSV file with a header line, written whole or not at all (a temporary file renamed into place)."""
    # a name of its own (two exports at once never share it), readable by the owner only: buyers' names are inside
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    partial = Path(name)
    try:
        with open(handle, "w", encoding=ENCODING, newline="") as f:
            out = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
            out.writerow(columns)
            for row in rows:
                out.writerow([cell(row.get(name)) for name in columns])
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def cell(value: Any) -> str:
    """A value as spreadsheet text: empty for none, and never something a spreadsheet would run as a formula."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def local(stored: str | None, tz: tzinfo) -> str | None:
    """A stored UTC time as `YYYY-MM-DD HH:MM:SS` in the team's timezone."""
    when = parse_iso(stored)
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if when else None


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)
