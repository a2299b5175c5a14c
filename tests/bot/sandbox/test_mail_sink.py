"""The demo's relay stand-in: a real SMTP server on loopback that keeps each reply as the page shows it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import pytest

from bot.sandbox.mail_sink import MailSink
from tests.support.clock import TEAM_TIME


@pytest.fixture
def sink() -> Iterator[MailSink]:
    server = MailSink(clock=lambda: TEAM_TIME).start()
    yield server
    server.stop()


def reply(subject: str, *, attachment: bytes | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "service@example-shop.de"
    msg["To"] = "3x7kq2mdl0zy1vd@marketplace.amazon.de"
    msg["Subject"] = subject
    msg["Date"] = "Thu, 26 Nov 2026 10:00:00 +0100"
    msg["In-Reply-To"] = "<buyer-1@email.amazonses.com>"
    msg.set_content("Hallo Max,\nanbei die Rechnung.\n")
    if attachment is not None:
        msg.add_attachment(attachment, maintype="application", subtype="pdf", filename="Rechnung.pdf")
    return msg


async def test_a_reply_sent_over_smtp_is_kept_with_its_headers_text_and_attachments(sink: MailSink) -> None:
    seen: list[dict[str, Any]] = []
    sink.on_mail.append(seen.append)
    await aiosmtplib.send(reply("Re: Rechnung", attachment=b"%PDF-1.4 x"), hostname=sink.host, port=sink.port)
    [mail] = sink.snapshot()
    assert mail["to"] == "3x7kq2mdl0zy1vd@marketplace.amazon.de"
    assert mail["from"] == "service@example-shop.de" and mail["subject"] == "Re: Rechnung"
    assert mail["in_reply_to"] == "<buyer-1@email.amazonses.com>"
    assert mail["text"].splitlines() == ["Hallo Max,", "anbei die Rechnung."]  # SMTP's CRLF line ends
    assert mail["attachments"] == [{"filename": "Rechnung.pdf", "type": "application/pdf", "size": 10}]
    assert datetime.fromisoformat(mail["received"]) == TEAM_TIME  # the demo's clock, not the wall clock
    assert seen == [mail]  # the page is told at once


async def test_the_snapshot_is_newest_first_and_a_mail_without_in_reply_to_has_an_empty_one(
    sink: MailSink,
) -> None:
    first = reply("first")
    del first["In-Reply-To"]
    await aiosmtplib.send(first, hostname=sink.host, port=sink.port)
    await aiosmtplib.send(reply("second"), hostname=sink.host, port=sink.port)
    assert [m["subject"] for m in sink.snapshot()] == ["second", "first"]
    assert sink.snapshot()[1]["in_reply_to"] == "" and sink.snapshot()[1]["attachments"] == []
    sink.snapshot().clear()  # a copy: the page cannot empty the sink
    assert len(sink.snapshot()) == 2
