"""The demo's SMTP server on loopback: it receives the bot's replies the way Amazon's relay would."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

log = logging.getLogger(__name__)


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.sink.receive(message)
        return "250 Message accepted for delivery"


class MailSink:
    """Accepts every mail and keeps it for the page's 'sent to buyers' panel."""

    def __init__(self, host: str = "127.0.0.1", clock: Callable[[], datetime] | None = None) -> None:
        self.host = host
        self.clock = clock or (lambda: datetime.now(UTC))  # the demo's clock: when the buyer received it
        with socket.socket() as s:
            s.bind((host, 0))
            self.port = int(s.getsockname()[1])
        self.mails: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self.on_mail: list[Any] = []
        self._controller = Controller(_Handler(self), hostname=host, port=self.port)

    def start(self) -> MailSink:
        """Listen (in aiosmtpd's own thread)."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    def receive(self, message: EmailMessage) -> None:
        """Keep one received mail as the page shows it."""
        body = message.get_body(preferencelist=("plain",))
        entry = {
            "to": str(message["To"]),
            "from": str(message["From"]),
            "subject": str(message["Subject"]),
            "date": str(message["Date"]),
            "received": self.clock().isoformat(),
            "in_reply_to": str(message["In-Reply-To"] or ""),
            "text": body.get_content() if body is not None else "",
            "attachments": [
                {
                    "filename": part.get_filename(),
                    "type": part.get_content_type(),
                    "size": len(part.get_content()),
                }
                for part in message.iter_attachments()
            ],
        }
        with self._lock:
            self.mails.append(entry)
        log.info("demo relay received a reply to %s: %s", entry["to"], entry["subject"])
        for hook in self.on_mail:
            hook(entry)

    def snapshot(self) -> list[dict[str, Any]]:
        """The mails received so far, newest first."""
        with self._lock:
            return list(reversed(self.mails))
