"""The footprint benchmark's two processes: the bot's imports alone (the floor), or the bot built and holding data.

    python bench/footprint.py floor
    python bench/footprint.py bot CONVERSATIONS CLOCK_START

Both import exactly the same modules, first thing, so the floor is the interpreter with the bot's imports and
nothing else. `bot` then builds settings, store, clients and the Bolt app on a clock pinned to CLOCK_START (ISO
8601), stores CONVERSATIONS answered conversations and reads them as the queue command does. Each prints one JSON
line: `import_s` (the imports), `startup_s` (imports plus building the app; the imports alone for the floor),
`import_rss_mb` (peak resident memory after the imports) and `rss_mb` (peak resident memory at the end, VmHWM).
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()

import gc  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from datetime import datetime  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_deps, create_app  # noqa: E402
from bot.clock.clocks import ScaledClock  # noqa: E402
from bot.settings_sources import settings_from  # noqa: E402
from bot.store.store import iso  # noqa: E402

_IMPORTED = time.perf_counter()


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike getrusage's ru_maxrss it does not carry the memory of the
    parent it was forked from)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def floor() -> dict[str, float]:
    """The bot's imports and nothing else."""
    gc.collect()
    imported = _IMPORTED - _STARTED
    rss_mb = peak_rss_mb()
    return {"import_s": imported, "startup_s": imported, "import_rss_mb": rss_mb, "rss_mb": rss_mb}


def bot(conversations: int, start: datetime) -> dict[str, float]:
    """Build the bot (settings, store, clients, Bolt app), then hold and read many stored conversations."""
    import_rss_mb = peak_rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        clock = ScaledClock(1.0, start=start)
        settings = settings_from(
            database_path=Path(tmp) / "f.db", slack_channel="C0INBOX", slack_bot_token="xoxb-x"
        )
        deps = build_deps(settings, clock=clock)
        create_app(settings, deps)
        built = time.perf_counter()
        now = iso(clock.now())
        deps.store.db.conn.executemany(
            "INSERT INTO conversations (key, kind, state, buyer_name, deadline, created_at, updated_at) VALUES (?, 'buyer', 'answered', ?, ?, ?, ?)",
            [(f"k{n}", f"Buyer {n}", now, now, now) for n in range(conversations)],
        )
        deps.store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        deps.desk.queue()  # touch the data as a command would
        gc.collect()
        rss_mb = peak_rss_mb()
        deps.store.close()
    return {
        "import_s": _IMPORTED - _STARTED,
        "startup_s": built - _STARTED,
        "import_rss_mb": import_rss_mb,
        "rss_mb": rss_mb,
    }


def main(argv: list[str]) -> None:
    """Run one of the two modes and print its JSON line."""
    out = floor() if argv[0] == "floor" else bot(int(argv[1]), datetime.fromisoformat(argv[2]))
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
