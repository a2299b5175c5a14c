"""The Slack stand-in in a process of its own, so a soak test measures the bot's memory and not the stand-in's.

Prints one JSON line (`base_url`, `bot_token`, `app_token`) when serving; then answers `stats` on stdin with a JSON
line of call counts per method and messages posted, and stops when stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter

from bot.sandbox.slack_api import FakeSlack


async def main() -> None:
    """Serve until stdin closes."""
    slack = await FakeSlack().start()
    counts: Counter[str] = Counter()
    stripped: Counter[str] = Counter()  # per channel: how many messages have had their blocks dropped

    def tally() -> None:
        # Keep counts, not every call's arguments, and no blocks of messages already shown: bounded memory.
        for method, args in slack.calls:
            counts[method] += 1
            if method == "chat.postMessage" and args.get("thread_ts"):
                counts["thread posts"] += 1
        slack.calls.clear()
        for channel, messages in slack.messages.items():
            for m in messages[stripped[channel] : max(stripped[channel], len(messages) - 200)]:
                m.pop("blocks", None)
            stripped[channel] = max(stripped[channel], len(messages) - 200)

    async def housekeeping() -> None:
        while True:
            await asyncio.sleep(1)
            tally()

    keeper = asyncio.create_task(housekeeping())
    print(
        json.dumps({"base_url": slack.base_url, "bot_token": slack.bot_token, "app_token": slack.app_token})
    )
    sys.stdout.flush()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := await reader.readline():
        if line.strip() == b"stats":
            tally()
            posted = sum(len(v) for v in slack.messages.values())
            print(json.dumps({"calls": dict(counts), "messages": posted}))
            sys.stdout.flush()
    keeper.cancel()
    await slack.stop()


if __name__ == "__main__":
    asyncio.run(main())
