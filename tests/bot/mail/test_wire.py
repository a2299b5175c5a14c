"""UID FETCH responses as aioimaplib hands them over, and the part of a mail too large to hold."""

from __future__ import annotations

from bot.mail.wire import parse_fetch, partial_mail


def test_a_fetch_response_with_several_literals_per_message_is_taken_apart() -> None:
    lines = [
        b'1 FETCH (UID 7 INTERNALDATE "24-Nov-2026 09:00:00 +0100" RFC822.SIZE 62915158 BODY[HEADER]<0> {23}',
        bytearray(b"Subject: big\r\nX: y\r\n\r\n"),
        b" BODY[TEXT]<0> {5}",
        bytearray(b"Hallo"),
        b")",
        b"2 FETCH (FLAGS (\\Seen))",  # an unsolicited update without a UID is no message
        b'3 FETCH (UID 9 INTERNALDATE "not a date" BODY[] {4}',
        bytearray(b"mail"),
        b")",
        b"Fetch completed (0.001 + 0.000 secs).",
    ]
    big, small = parse_fetch(lines)
    assert (big.uid, big.size, big.internal_date and big.internal_date.isoformat()) == (
        7,
        62915158,
        "2026-11-24T08:00:00+00:00",
    )
    assert (
        big.section("BODY[HEADER]") == b"Subject: big\r\nX: y\r\n\r\n"
        and big.section("BODY[TEXT]") == b"Hallo"
    )
    assert (small.uid, small.size, small.internal_date, small.section("BODY[]")) == (9, None, None, b"mail")
    assert small.section("BODY[TEXT]") == b""


def test_the_part_of_a_mail_kept_is_its_header_and_the_start_of_its_text() -> None:
    mail = b"Subject: x\r\nFrom: a@b\r\n\r\n" + b"A" * 1000
    assert partial_mail(mail, text_bytes=10) == b"Subject: x\r\nFrom: a@b\r\n\r\n" + b"A" * 10
    assert partial_mail(b"Subject: x\n\nbody", text_bytes=2) == b"Subject: x\n\nbo"  # bare LF line ends
    endless = b"X-Junk: " + b"j" * 100  # a header that never ends within the limit is cut, and ended
    assert partial_mail(endless, header_bytes=20) == endless[:20] + b"\r\n\r\n"
