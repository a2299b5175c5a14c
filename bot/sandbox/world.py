"""The demo's sample world: buyers, orders and the relay mails Amazon would send for them.

One builder writes every relay mail, both the sample mailbox and what a visitor types into the buyer panel,
in the format of Amazon's real relay mails (see shared/docs/amazon.md), so the production parser reads them.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from bot.sandbox.fake_services import FakeServices, Parcel, ParcelEvent, StoredOrder

log = logging.getLogger(__name__)

SELLER_ADDRESS = "service@example-shop.de"
CHANNEL = "C0INBOX"
CHANNEL_NAME = "amazon-inbox"

MARKERS = {
    "de": ("------------- Nachricht: -------------", "------------- Ende der Nachricht -------------"),
    "en": ("------------- Message: -------------", "------------- End message -------------"),
}
FOOTER = {
    "de": (
        "Fall lösen: Wenn Sie der Meinung sind, dass diese Nachricht keine Antwort erfordert, "
        "klicken Sie hier: {link}\n\nCopyright 2026 Amazon, Inc. oder Tochtergesellschaften."
    ),
    "en": (
        "Resolve case: If you believe this message does not require a response, please click here: {link}"
        "\n\nCopyright 2026 Amazon, Inc. or its affiliates. All rights reserved."
    ),
}
TOPICS = {
    "de": {
        "shipping": "Versand",
        "returns": "Rücksendungen",
        "product": "Produktdetails",
        "other": "Sonstiges",
    },
    "en": {"shipping": "Shipping", "returns": "Returns", "product": "Product details", "other": "Other"},
}


@dataclass(frozen=True)
class BuyerMail:
    """What a buyer writes through Amazon: the parts a relay mail is built from."""

    name: str
    text: str
    language: str = "en"  # "de" or "en"
    marketplace: str = "amazon.de"
    order_id: str | None = None
    topic: str = "other"  # a key of TOPICS
    item: str | None = None
    hours_ago: float = 0.0
    photos: tuple[str, ...] = ()  # file names of pictures the buyer attached

    @property
    def alias(self) -> str:
        """The buyer's stable relay alias on the marketplace."""
        digest = hashlib.sha256(self.name.lower().encode()).hexdigest()[:15]
        return f"{digest}@marketplace.{self.marketplace}"


def subject(mail: BuyerMail) -> str:
    """Amazon's subject line for a buyer message in the mail's language."""
    topic = TOPICS.get(mail.language, TOPICS["en"]).get(mail.topic, mail.topic)
    if mail.language == "de":
        head = f"{topic}-Anfrage von Amazon-Kunde {mail.name}"
        return head + (f" (Bestellung: {mail.order_id})" if mail.order_id else "")
    head = f"{topic} inquiry from Amazon customer {mail.name}"
    return head + (f" (Order: {mail.order_id})" if mail.order_id else "")


def relay_mail(mail: BuyerMail, *, sent_at: datetime, to: str = SELLER_ADDRESS) -> bytes:
    """The relay e-mail Amazon delivers to the seller's mailbox for this buyer message."""
    lang = mail.language if mail.language in MARKERS else "en"
    opening, closing = MARKERS[lang]
    site = mail.marketplace
    link = f"https://sellercentral.{site}/messaging/no-response-needed?t={secrets.token_urlsafe(24)}"
    order = ""
    if mail.order_id:
        label = "Bestellnummer" if lang == "de" else "Order ID"
        order = f"\n{label}: {mail.order_id}\n" + (f"1 x {mail.item}\n" if mail.item else "")
    body = f"{opening}\n\n{mail.text.strip()}\n\n{closing}\n\n{FOOTER[lang].format(link=link)}\n{order}"
    msg = EmailMessage()
    msg["From"] = f'"{mail.name} - Amazon Marketplace" <{mail.alias}>'
    msg["Reply-To"] = f'"{mail.name} - Amazon Marketplace" <{mail.alias}>'
    msg["To"] = to
    msg["Subject"] = subject(mail)
    msg["Date"] = format_datetime(sent_at)
    msg["Message-ID"] = f"<{secrets.token_hex(12)}@email.amazonses.com>"
    msg["X-Space-Notification-Type"] = "BBC_MESSAGE_SENT_TO_MERCHANT"
    msg.set_content(body, charset="utf-8", cte="quoted-printable")
    for name in mail.photos:
        msg.add_attachment(sample_png(), maintype="image", subtype="png", filename=name)
    return bytes(msg)


def sample_png(width: int = 240, height: int = 160) -> bytes:
    """A small real PNG of a dented parcel with a crack across it: what a buyer's photo of damage looks like."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            inside = width // 6 < x < width * 5 // 6 and height // 5 < y < height * 4 // 5
            crack = abs((x - width // 3) - (y - height // 5) * 1.4) < 2.5 and inside
            if crack:
                row += bytes((40, 30, 25))
            elif inside:
                row += bytes((196, 150, 98))
            else:
                row += bytes((236, 240, 244))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def deliver(maildir: Path, raw: bytes, *, when: datetime | None = None) -> Path:
    """Drop one mail into a Maildir the way a mail server does (tmp/, then rename into new/)."""
    for sub in ("tmp", "new", "cur"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    name = f"{int((when or datetime.now()).timestamp() * 1000)}.{secrets.token_hex(6)}.inbox-bot-demo"
    tmp = maildir / "tmp" / name
    tmp.write_bytes(raw)
    if when is not None:
        os.utime(tmp, (when.timestamp(), when.timestamp()))
    final = maildir / "new" / name
    tmp.rename(final)
    return final


# The sample mailbox: what a German-English seller typically finds on a Monday morning.
SAMPLES: list[BuyerMail] = [
    BuyerMail(
        name="Max Müller",
        language="de",
        order_id="302-1234567-1234567",
        topic="other",
        item="Kaffeemühle Edelstahl",
        text=(
            "Guten Tag, ich habe noch keine Rechnung für meine Bestellung bekommen. "
            "Können Sie mir bitte die Rechnung schicken? Ich brauche sie für meine Firma.\n\n"
            "Vielen Dank und viele Grüße\nMax Müller"
        ),
        hours_ago=20.5,
    ),
    BuyerMail(
        name="John Smith",
        language="en",
        marketplace="amazon.co.uk",
        order_id="205-7366207-0755439",
        topic="shipping",
        item="Desk Lamp LED, black",
        text=(
            "Hello, I ordered the lamp ten days ago and it still has not arrived. "
            "Where is my order? Can you tell me when it will be delivered?\n\nThanks, John"
        ),
        hours_ago=14.0,
    ),
    BuyerMail(
        name="Sabine Weber",
        language="de",
        order_id="302-7654321-7654321",
        topic="returns",
        item="Glaskaraffe 1 l",
        text=(
            "Hallo, die Karaffe ist heute angekommen, aber sie ist zerbrochen. Der Karton war schon "
            "eingedrückt. Ich habe Fotos gemacht. Was soll ich jetzt tun? Ich hätte gern Ersatz.\n\n"
            "Gruß, Sabine Weber"
        ),
        hours_ago=5.0,
        photos=("karaffe.png",),
    ),
    BuyerMail(
        name="Erika Mustermann",
        language="de",
        topic="product",
        text="Hallo, passt der Filter auch in das Modell X200? Und ist er spülmaschinenfest? Viele Grüße",
        hours_ago=1.5,
    ),
]


def atoz_notice(order_id: str, site: str, *, sent_at: datetime) -> bytes:
    """Amazon's notice of an A-to-z Guarantee claim (English), as it arrives in the seller's mailbox."""
    msg = EmailMessage()
    msg["From"] = f"Amazon <atoz-guarantee-no-reply@{site}>"
    msg["To"] = SELLER_ADDRESS
    msg["Subject"] = f"A-to-z Guarantee claim for order {order_id}"
    msg["Date"] = format_datetime(sent_at)
    msg["Message-ID"] = f"<{secrets.token_hex(12)}@email.amazonses.com>"
    msg["X-Space-Notification-Type"] = "A_Z_CLAIM_RESPONDENT_NOTIFY"
    msg.set_content(
        f"A buyer has filed an A-to-z Guarantee claim for order {order_id}.\n\n"
        "Reason: item not received.\n\nPlease respond within 72 hours in Seller Central (Performance > A-to-z Guarantee Claims).",
        charset="utf-8",
    )
    return bytes(msg)


def write_samples(maildir: Path, now: datetime) -> list[Path]:
    """Fill an empty Maildir with the sample mails, each dated its `hours_ago` before `now`, and one A-to-z claim."""
    paths = []
    for sample in SAMPLES:
        sent = now - timedelta(hours=sample.hours_ago)
        paths.append(deliver(maildir, relay_mail(sample, sent_at=sent), when=sent))
    claim = now - timedelta(hours=50)  # 22 hours left to respond
    paths.append(
        deliver(maildir, atoz_notice("205-7366207-0755439", "amazon.co.uk", sent_at=claim), when=claim)
    )
    return paths


ORDER_ID_INPUT = re.compile(r"^\s*(\d{3})-?(\d{7})-?(\d{7})\s*$")


def normalise_order_id(text: str | None) -> str | None:
    """An order id typed by a visitor, as 123-1234567-1234567, or None if empty; ValueError if malformed."""
    if not text or not text.strip():
        return None
    m = ORDER_ID_INPUT.match(text)
    if not m:
        raise ValueError("an Amazon order id looks like 302-1234567-1234567")
    return "-".join(m.groups())


def stock_services(services: FakeServices, now: datetime) -> None:
    """The sample orders and parcels behind the sample mails (and the buyer panel's default order)."""
    ago = now - timedelta(hours=30)
    services.orders["302-1234567-1234567"] = StoredOrder(
        "302-1234567-1234567",
        "A1PA6795UKMFR9",
        now - timedelta(days=6),
        [("Kaffeemühle Edelstahl", "B0CAFE0001", 1, "39.90")],
        "EUR",
        packages=[("DHL", "00340434161094042557", "DHL Paket")],
    )
    services.parcels["00340434161094042557"] = Parcel(
        "00340434161094042557",
        "dhl",
        now - timedelta(days=5),
        [
            ParcelEvent(0, "pre-transit", "Die Sendung wurde elektronisch angekündigt."),
            ParcelEvent(9, "transit", "Die Sendung wurde im Start-Paketzentrum bearbeitet.", "Hamburg, DE"),
            ParcelEvent(
                30, "out-for-delivery", "Die Sendung wurde in das Zustellfahrzeug geladen.", "München, DE"
            ),
            ParcelEvent(34, "delivered", "Die Sendung wurde zugestellt.", "München, DE"),
        ],
        eta_hours=34,
    )
    services.orders["205-7366207-0755439"] = StoredOrder(
        "205-7366207-0755439",
        "A1F83G8C2ARO7P",
        now - timedelta(days=10),
        [("Desk Lamp LED, black", "B0LAMP0001", 1, "24.99")],
        "GBP",
        packages=[("UPS", "1Z999AA10123456784", "UPS Standard")],
    )
    services.parcels["1Z999AA10123456784"] = Parcel(
        "1Z999AA10123456784",
        "ups",
        now - timedelta(days=9),
        [
            ParcelEvent(0, "pre-transit", "Shipper created a label, UPS has not received the package yet."),
            ParcelEvent(20, "transit", "Departed from Facility", "Köln, DE"),
            ParcelEvent(
                70, "failure", "Delivery delayed: the package was held at customs", "East Midlands, GB"
            ),
        ],
    )
    services.follow("1Z999AA10123456784")
    services.orders["302-7654321-7654321"] = StoredOrder(
        "302-7654321-7654321",
        "A1PA6795UKMFR9",
        now - timedelta(days=3),
        [("Glaskaraffe 1 l", "B0KARAFFE1", 2, "17.50")],
        "EUR",
        packages=[("Hermes", "H1002345678901234567", "Hermes Päckchen")],
    )
    services.parcels["H1002345678901234567"] = Parcel(
        "H1002345678901234567",
        "hermes",
        now - timedelta(days=2),
        [
            ParcelEvent(0, "transit", "Die Sendung wurde Hermes elektronisch angekündigt."),
            ParcelEvent(40, "delivered", "Die Sendung wurde zugestellt.", "Berlin, DE"),
        ],
    )
    # The buyer panel's default order: a parcel that moves while you watch (out for delivery in 10 minutes).
    services.orders["302-1111111-2222222"] = StoredOrder(
        "302-1111111-2222222",
        "A1PA6795UKMFR9",
        now - timedelta(days=2),
        [("Wasserfilter-Kartusche 3er-Pack", "B0FILTER03", 1, "27.90")],
        "EUR",
        packages=[("DHL", "00340434161094099999", "DHL Paket")],
    )
    services.parcels["00340434161094099999"] = Parcel(
        "00340434161094099999",
        "dhl",
        ago,
        [
            ParcelEvent(0, "pre-transit", "Die Sendung wurde elektronisch angekündigt."),
            ParcelEvent(8, "transit", "Die Sendung wurde im Paketzentrum bearbeitet.", "Hamburg, DE"),
            ParcelEvent(
                30 + 10 / 60,
                "out-for-delivery",
                "Die Sendung wurde in das Zustellfahrzeug geladen.",
                "Bremen, DE",
            ),
            ParcelEvent(30 + 40 / 60, "delivered", "Die Sendung wurde zugestellt.", "Bremen, DE"),
        ],
        eta_hours=31,
    )


def invoice_pdf(order_id: str, total: str) -> bytes:
    """A small valid one-page PDF invoice (what an ERP such as JTL-Wawi exports per order)."""
    text = f"Rechnung zur Amazon-Bestellung {order_id} - Betrag {total} - Example Shop"
    stream = f"BT /F1 12 Tf 50 780 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def write_invoices(folder: Path) -> None:
    """The ERP's invoice folder: one PDF for the invoice request's order."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "Rechnung-302-1234567-1234567.pdf"
    if not path.exists():
        path.write_bytes(invoice_pdf("302-1234567-1234567", "39,90 EUR"))
