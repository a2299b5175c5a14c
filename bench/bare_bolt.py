"""The ack benchmark's floor: a bare slack-bolt AsyncApp that only acknowledges the card's "I'll take it" button.

    python bench/bare_bolt.py BASE_URL BOT_TOKEN APP_TOKEN

It connects over Socket Mode the way the bot does (`bot/app.py`: an `AsyncWebClient` pointed at `BASE_URL`, an
`AsyncSocketModeHandler` with the app-level token), registers nothing but `app.action("claim")` with a listener
that calls `ack()`, and runs until SIGTERM or SIGINT. The arguments default to the environment variables
INBOX_BOT_SLACK_API_URL, INBOX_BOT_SLACK_BOT_TOKEN and INBOX_BOT_SLACK_APP_TOKEN.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient


async def claim(ack: AsyncAck) -> None:
    """Acknowledge the click and do nothing else."""
    await ack()


def bare_app(base_url: str, bot_token: str) -> AsyncApp:
    """A Bolt app with the bot's client settings and one listener, for the "claim" action."""
    client = AsyncWebClient(token=bot_token, base_url=base_url, timeout=30)
    app = AsyncApp(
        client=client,
        signing_secret="",
        request_verification_enabled=False,  # Socket Mode, as the bot in socket mode
        raise_error_for_unhandled_request=False,
        name="bare-bolt",
    )
    app.action("claim")(claim)
    return app


async def serve(base_url: str, bot_token: str, app_token: str) -> None:
    """Connect over Socket Mode and answer clicks until SIGTERM or SIGINT."""
    handler = AsyncSocketModeHandler(bare_app(base_url, bot_token), app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]


def main(argv: list[str]) -> None:
    """Read the stand-in's URL and tokens from argv (or the environment) and serve."""
    env = os.environ
    base_url = argv[0] if len(argv) > 0 else env["INBOX_BOT_SLACK_API_URL"]
    bot_token = argv[1] if len(argv) > 1 else env["INBOX_BOT_SLACK_BOT_TOKEN"]
    app_token = argv[2] if len(argv) > 2 else env["INBOX_BOT_SLACK_APP_TOKEN"]
    asyncio.run(serve(base_url, bot_token, app_token))


if __name__ == "__main__":
    main(sys.argv[1:])
