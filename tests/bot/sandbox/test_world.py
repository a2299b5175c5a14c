"""The demo's sample world: relay mails the production parser reads, the Maildir drop, orders, invoices."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.mail.model import MailKind
from bot.mail.parser import parse_relay_mail
from bot.sandbox.fake_services import FakeServices
from bot.sandbox.world import (
    SAMPLES,
    BuyerMail,
    atoz_notice,
    deliver,
    invoice_pdf,
    normalise_order_id,
    relay_mail,
    stock_services,
    subject,
    write_invoices,
    write_samples,
)
from tests.support.clock import TEAM_TIME


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_every_sample_relay_mail_is_read_by_the_production_parser(sample: BuyerMail) -> None:
    parsed = parse_relay_mail(relay_mail(sample, sent_at=TEAM_TIME))
    assert parsed.error is None and parsed.kind is MailKind.BUYER_MESSAGE
    assert parsed.buyer_name == sample.name and parsed.buyer_alias == sample.alias
    assert parsed.order_id == sample.order_id and parsed.marketplace == sample.marketplace
    assert parsed.language == sample.language
    assert parsed.text is not None and parsed.text.startswith(sample.text.split("\n")[0])
    assert "Copyright" not in parsed.text  # the footer is Amazon's, not the buyer's
    assert parsed.no_response_link is not None
    assert parsed.no_response_link.startswith(f"https://sellercentral.{sample.marketplace}/")
    assert parsed.date == TEAM_TIME


def test_subjects_are_amazons_in_the_buyers_language() -> None:
    de = BuyerMail(
        name="Max Müller", text="x", language="de", order_id="302-1234567-1234567", topic="shipping"
    )
    en = BuyerMail(name="John Smith", text="x", language="en", topic="returns")
    assert subject(de) == "Versand-Anfrage von Amazon-Kunde Max Müller (Bestellung: 302-1234567-1234567)"
    assert subject(en) == "Returns inquiry from Amazon customer John Smith"
    assert subject(BuyerMail(name="A", text="x", topic="custom")) == "custom inquiry from Amazon customer A"


def test_a_buyers_alias_is_stable_per_name_and_marketplace() -> None:
    one = BuyerMail(name="Max Müller", text="a")
    assert one.alias == BuyerMail(name="MAX MÜLLER", text="b").alias  # one buyer, one alias
    assert one.alias != BuyerMail(name="Sabine Weber", text="a").alias
    assert one.alias.endswith("@marketplace.amazon.de")
    assert BuyerMail(name="Max Müller", text="a", marketplace="amazon.fr").alias.endswith(
        "@marketplace.amazon.fr"
    )


def test_an_a_to_z_notice_is_read_as_an_amazon_notice_for_its_order() -> None:
    parsed = parse_relay_mail(atoz_notice("205-7366207-0755439", "amazon.co.uk", sent_at=TEAM_TIME))
    assert parsed.kind is MailKind.AMAZON_NOTICE and parsed.notice_type == "a_to_z_claim"
    assert parsed.order_id == "205-7366207-0755439" and parsed.marketplace == "amazon.co.uk"


def test_deliver_drops_a_mail_into_new_as_a_mail_server_does(tmp_path: Path) -> None:
    maildir = tmp_path / "mailbox"
    path = deliver(maildir, b"Subject: hi\r\n\r\nbody\r\n", when=TEAM_TIME)
    assert path.parent == maildir / "new" and path.read_bytes() == b"Subject: hi\r\n\r\nbody\r\n"
    assert os.stat(path).st_mtime == TEAM_TIME.timestamp()  # the arrival the bot falls back on
    assert list((maildir / "tmp").iterdir()) == [] and (maildir / "cur").is_dir()
    assert deliver(maildir, b"x", when=TEAM_TIME) != path  # two mails in the same millisecond stay two


def test_write_samples_dates_each_mail_its_hours_ago_and_adds_a_claim_with_22_hours_left(
    tmp_path: Path,
) -> None:
    paths = write_samples(tmp_path, TEAM_TIME)
    assert len(paths) == len(SAMPLES) + 1
    parsed = [parse_relay_mail(p.read_bytes()) for p in paths]
    assert [p.date for p in parsed[:-1]] == [TEAM_TIME - timedelta(hours=s.hours_ago) for s in SAMPLES]
    assert [os.stat(p).st_mtime for p in paths[:-1]] == [p.date.timestamp() for p in parsed[:-1] if p.date]
    claim = parsed[-1]
    assert claim.notice_type == "a_to_z_claim" and claim.date == TEAM_TIME - timedelta(hours=50)


@pytest.mark.parametrize(
    ("typed", "order_id"),
    [
        ("302-1234567-1234567", "302-1234567-1234567"),
        (" 30212345671234567 ", "302-1234567-1234567"),
        ("302-12345671234567", "302-1234567-1234567"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_order_ids_typed_by_a_visitor_are_normalised(typed: str | None, order_id: str | None) -> None:
    assert normalise_order_id(typed) == order_id


@pytest.mark.parametrize("typed", ["302-123456-1234567", "order 302-1234567-1234567", "abc"])
def test_malformed_order_ids_are_refused_with_an_example(typed: str) -> None:
    with pytest.raises(ValueError, match="302-1234567-1234567"):
        normalise_order_id(typed)


def test_stock_services_backs_every_sample_order_and_a_parcel_that_moves_while_you_watch() -> None:
    services = FakeServices(clock=lambda: TEAM_TIME)
    stock_services(services, TEAM_TIME)
    assert {s.order_id for s in SAMPLES if s.order_id} <= set(services.orders)
    for order in services.orders.values():
        for _, number, _ in order.packages:
            assert number in services.parcels
    lamp = services.parcels["1Z999AA10123456784"]
    assert lamp.carrier == "ups" and lamp.visible(TEAM_TIME)[0].code == "failure"  # the "where is it" story
    moving = services.parcels["00340434161094099999"]
    assert moving.visible(TEAM_TIME)[0].code == "transit"
    assert moving.visible(TEAM_TIME + timedelta(minutes=11))[0].code == "out-for-delivery"
    assert moving.visible(TEAM_TIME + timedelta(minutes=41))[0].code == "delivered"


def test_the_invoice_pdf_is_well_formed() -> None:
    pdf = invoice_pdf("302-1234567-1234567", "39,90 EUR")
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")
    assert b"(Rechnung zur Amazon-Bestellung 302-1234567-1234567 - Betrag 39,90 EUR - Example Shop)" in pdf
    # The cross-reference table points at each object, and startxref at the table, as PDF readers require.
    xref = int(re.search(rb"startxref\n(\d+)\n", pdf).group(1))  # type: ignore[union-attr]
    assert pdf[xref:].startswith(b"xref\n0 6\n")
    offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n", pdf)]
    assert [pdf[o:].split(b"\n", 1)[0] for o in offsets] == [f"{n} 0 obj".encode() for n in range(1, 6)]
    length = int(re.search(rb"/Length (\d+)", pdf).group(1))  # type: ignore[union-attr]
    stream = pdf.split(b"stream\n", 1)[1].split(b"\nendstream", 1)[0]
    assert len(stream) == length


def test_write_invoices_adds_the_invoice_once_and_keeps_what_the_erp_wrote(tmp_path: Path) -> None:
    folder = tmp_path / "invoices"
    write_invoices(folder)
    [path] = list(folder.iterdir())
    assert path.name == "Rechnung-302-1234567-1234567.pdf" and path.read_bytes().startswith(b"%PDF")
    path.write_bytes(b"%PDF-1.7 the ERP's own")
    write_invoices(folder)
    assert path.read_bytes() == b"%PDF-1.7 the ERP's own"
