"""Which conversation a mail belongs to: the same buyer's alias (any +suffix), never two different orders."""

from __future__ import annotations

from bot.mail.belongs import alias_base, conversation_key, same_buyer
from bot.mail.model import ParsedMail


def test_the_alias_loses_amazons_suffix_and_its_case() -> None:
    assert alias_base("Abc123+case-77@Marketplace.Amazon.de") == "abc123@marketplace.amazon.de"
    assert alias_base(None) == "" and alias_base("not-an-address") == ""


def test_a_conversation_is_the_buyer_and_the_order_and_a_raw_mail_stays_alone() -> None:
    mail = ParsedMail(buyer_alias="abc+1@marketplace.amazon.de", order_id="302-1234567-1234567")
    assert conversation_key(mail) == "abc@marketplace.amazon.de|302-1234567-1234567"
    assert conversation_key(ParsedMail(buyer_alias="abc@marketplace.amazon.de")).endswith("|-")
    assert conversation_key(ParsedMail(error="unreadable", message_id="<k1@x>")) == "mail:<k1@x>"


def test_the_same_buyer_joins_unless_the_orders_differ() -> None:
    conv = {"kind": "buyer", "buyer_alias": "abc@marketplace.amazon.de", "order_id": "302-1234567-1234567"}
    assert same_buyer(conv, ParsedMail(buyer_alias="abc+9@marketplace.amazon.de"))
    assert not same_buyer(
        conv, ParsedMail(buyer_alias="abc@marketplace.amazon.de", order_id="302-7654321-7654321")
    )
    assert not same_buyer(conv, ParsedMail(buyer_alias="xyz@marketplace.amazon.de"))
    assert not same_buyer({**conv, "kind": "notice"}, ParsedMail(buyer_alias="abc@marketplace.amazon.de"))
