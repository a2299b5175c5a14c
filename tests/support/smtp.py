"""A real SMTP server on loopback (aiosmtpd) that records what the bot sends and can refuse on request."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Callable
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


class Recorder:
    """aiosmtpd handler: keeps each accepted message; answers queued refusals first.

    `on_data` hooks are called with the envelope when a message has arrived (DATA received, before the delay and
    any answer), `on_accepted` hooks once it is kept and before the 250 is sent: a test can act while the client
    waits for the answer. They run in the server's thread.
    """

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.envelopes: list[Any] = []
        self.refusals: list[str] = []
        self.delay = (
            0.0  # seconds before answering DATA (a slow relay: a crash can fall between send and answer)
        )
        self.lock = threading.Lock()
        self.on_data: list[Callable[[Any], None]] = []
        self.on_accepted: list[Callable[[Any], None]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for hook in self.on_data:
            hook(envelope)
        if self.delay:
            await asyncio.sleep(self.delay)  # aiosmtpd cancels this if the client goes away: nothing is kept
        with self.lock:
            if self.refusals:
                return self.refusals.pop(0)
            self.envelopes.append(envelope)
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        for hook in self.on_accepted:
            hook(envelope)
        return "250 Message accepted for delivery"


class SmtpServer:
    """Start/stop an SMTP server on a free loopback port."""

    def __init__(self) -> None:
        self.recorder = Recorder()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Message]:
        with self.recorder.lock:
            return list(self.recorder.messages)

    def refuse(self, *answers: str) -> None:
        """Answer the next DATA commands with these replies (e.g. '451 4.7.1 Greylisted', '550 5.7.1 Rejected')."""
        with self.recorder.lock:
            self.recorder.refusals.extend(answers)

    def settings(self) -> dict[str, Any]:
        """Settings that point the bot's sender here."""
        return {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_tls": "plain",
            "smtp_from": "service@example-shop.de",
            "reply_signature": "Example Shop Kundenservice",
        }
