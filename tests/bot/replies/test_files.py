"""Files a reply may carry: the order's invoice from the folder, a product's manuals, checked against Amazon's limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.replies.files import check_attachable, invoice_for, invoice_note, manuals_for
from bot.replies.products import Product
from bot.services.amazon import Item, Order

ORDER = "302-1234567-1234567"


def _order(sku: str) -> Order:
    return Order(
        order_id=ORDER,
        marketplace="A1PA6795UKMFR9",
        status="Shipped",
        fulfilled_by="MERCHANT",
        purchase_date=None,
        total=None,
        items=[Item(title="x", quantity=1, sku=sku)],
    )


def test_the_newest_invoice_pdf_of_the_order_is_found(tmp_path: Path) -> None:
    (tmp_path / f"RE-1_{ORDER}.pdf").write_bytes(b"%PDF")
    (tmp_path / f"RE-2_{ORDER}.pdf").write_bytes(b"%PDF")
    (tmp_path / f"RE-3_{ORDER}.txt").write_text("no")
    assert invoice_for(tmp_path, ORDER) == tmp_path / f"RE-2_{ORDER}.pdf"
    assert invoice_for(tmp_path, "302-0000000-0000000") is None and invoice_for(None, ORDER) is None
    assert invoice_note(tmp_path, ORDER, ["invoice_request"]) is None  # there is one
    note = invoice_note(tmp_path, "302-0000000-0000000", ["invoice_request"])
    assert note is not None and "No invoice PDF for order `302-0000000-0000000`" in note
    assert invoice_note(tmp_path, "302-0000000-0000000", ["damaged"]) is None  # nobody asked for one


def test_manuals_come_with_their_product_only_and_a_vanished_file_is_not_offered(tmp_path: Path) -> None:
    manual = tmp_path / "manual.pdf"
    manual.write_bytes(b"%PDF")
    products = [Product(name="Grinder", sku_prefix="KM-", files=[manual])]
    assert manuals_for(products, _order("KM-1")) == [manual]
    assert manuals_for(products, _order("LAMP-1")) == [] and manuals_for(products, None) == []
    manual.unlink()
    assert manuals_for(products, _order("KM-1")) == []


def test_files_amazon_would_refuse_are_refused_when_the_settings_are_read(tmp_path: Path) -> None:
    ok = tmp_path / "a.pdf"
    ok.write_bytes(b"%PDF")
    check_attachable([ok], "product 'x'")
    zipped = tmp_path / "a.zip"
    zipped.write_bytes(b"PK")
    with pytest.raises(ValueError, match=r"a\.zip is not a type Amazon accepts"):
        check_attachable([zipped], "product 'x'")
    with pytest.raises(ValueError, match="does not exist"):
        check_attachable([tmp_path / "gone.pdf"], "product 'x'")
    big = tmp_path / "big.pdf"
    big.write_bytes(b"0" * (10 * 1024 * 1024 + 1))
    with pytest.raises(ValueError, match="Amazon takes 10 MB"):
        check_attachable([big], "product 'x'")
    with pytest.raises(ValueError, match="product 'Grinder'"):
        Product(name="Grinder", sku_prefix="KM-", files=[zipped])
