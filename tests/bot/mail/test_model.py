"""What the relay-mail parser returns: the dedupe key, the raw flag and the documented JSON shape."""

from __future__ import annotations

import hashlib
import json

from bot.mail.model import Attachment, MailKind, NoticeType, ParsedMail, sha256
from tests.support.clock import TEAM_TIME


def test_sha256_is_the_hex_digest_of_the_raw_bytes() -> None:
    assert sha256(b"From: a@b\r\n\r\nhi") == hashlib.sha256(b"From: a@b\r\n\r\nhi").hexdigest()
    assert sha256(b"a") != sha256(b"b")


def test_dedupe_key_is_the_message_id_when_there_is_one() -> None:
    assert ParsedMail(message_id="<m1@amazon.de>", raw_sha256=sha256(b"x")).dedupe_key == "<m1@amazon.de>"


def test_dedupe_key_without_message_id_is_made_from_the_raw_bytes() -> None:
    digest = sha256(b"a mail without a Message-ID")
    key = ParsedMail(raw_sha256=digest).dedupe_key
    assert key == f"<{digest[:40]}@inbox-bot.invalid>"
    assert key == ParsedMail(raw_sha256=digest).dedupe_key
    assert key != ParsedMail(raw_sha256=sha256(b"another mail")).dedupe_key


def test_a_mail_is_raw_exactly_when_it_has_an_error() -> None:
    assert not ParsedMail().is_raw
    assert ParsedMail(error="not an e-mail: no headers found").is_raw


def test_defaults_are_an_other_mail_with_nothing_known() -> None:
    parsed = ParsedMail()
    assert parsed.kind is MailKind.OTHER
    assert (parsed.order_id, parsed.text, parsed.references, parsed.attachments) == (None, None, [], [])
    assert ParsedMail().references is not parsed.references  # no list shared between mails


def test_to_json_has_the_documented_fields_with_plain_values() -> None:
    parsed = ParsedMail(
        message_id="<m1@marketplace.amazon.de>",
        in_reply_to="<m0@x>",
        references=["<m0@x>"],
        kind=MailKind.AMAZON_NOTICE,
        notice_type=NoticeType.A_TO_Z_CLAIM.value,
        order_id="302-1234567-1234567",
        buyer_name="Max Müller",
        buyer_alias="abc@marketplace.amazon.de",
        marketplace="amazon.de",
        language="de",
        topic="Lieferung",
        subject="Anfrage",
        text="Wo bleibt mein Paket?",
        attachments=[Attachment("rechnung.pdf", "application/pdf", 1234)],
        no_response_link="https://sellercentral.amazon.de/no-response-needed?x=1",
        sender="abc@marketplace.amazon.de",
        date=TEAM_TIME,
        raw_sha256="f" * 64,
    )
    out = parsed.to_json()
    assert out == {
        "message_id": "<m1@marketplace.amazon.de>",
        "in_reply_to": "<m0@x>",
        "kind": "amazon_notice",
        "notice_type": "a_to_z_claim",
        "order_id": "302-1234567-1234567",
        "buyer_name": "Max Müller",
        "buyer_alias": "abc@marketplace.amazon.de",
        "marketplace": "amazon.de",
        "language": "de",
        "topic": "Lieferung",
        "subject": "Anfrage",
        "text": "Wo bleibt mein Paket?",
        "attachments": [{"filename": "rechnung.pdf", "content_type": "application/pdf", "size": 1234}],
        "no_response_link": "https://sellercentral.amazon.de/no-response-needed?x=1",
        "suspicion": None,
        "error": None,
    }
    json.dumps(out)  # plain JSON: no enums or dataclasses left


def test_to_json_names_the_file_first_when_given() -> None:
    out = ParsedMail(kind=MailKind.BUYER_MESSAGE).to_json("de_invoice.eml")
    assert next(iter(out)) == "file" and out["file"] == "de_invoice.eml"
    assert out["kind"] == "buyer_message"
    assert "file" not in ParsedMail().to_json()


def test_kinds_and_notice_types_are_their_stored_strings() -> None:
    assert MailKind("confirmation") is MailKind.CONFIRMATION
    assert NoticeType("other_notice") is NoticeType.OTHER
    assert f"{NoticeType.MESSAGE_NOT_DELIVERED}" == "message_not_delivered"
