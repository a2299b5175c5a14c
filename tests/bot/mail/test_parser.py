"""The relay-mail parser against fixture mails of every language and shape, and against arbitrary input."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.mail.model import MailKind
from bot.mail.parser import extract_buyer_text, parse_relay_mail
from tests.conftest import FIXTURES, fixture_mail

# file → expected fields (only the ones named are checked; `text` is checked exactly)
EXPECTED: dict[str, dict[str, object]] = {
    "en_shipping.eml": dict(
        kind="buyer_message",
        order_id="111-7366207-0755439",
        buyer_name="John Smith",
        marketplace="amazon.com",
        buyer_alias="hbwx9y8tcpd5r2k@marketplace.amazon.com",
        language="en",
        topic="Shipping",
        text="Hello, I ordered the lamp two weeks ago and it still has not arrived. Where is my order?\n\nThanks, John",
        no_response_link="https://sellercentral.amazon.com/messaging/no-response-needed?t=eyJhbGciOiJIUzI1NiJ9.abc123&x=1",
        message_id="<0100018f-en-shipping-0001@email.amazonses.com>",
    ),
    "de_invoice.eml": dict(
        kind="buyer_message",
        order_id="302-1234567-1234567",
        buyer_name="Max Müller",
        marketplace="amazon.de",
        language="de",
        no_response_link="https://sellercentral.amazon.de/messaging/no-response-needed?t=Zm9vYmFy",
        text="Guten Tag, ich habe noch keine Rechnung für meine Bestellung bekommen. Können Sie mir bitte die "
        "Rechnung schicken? Vielen Dank! Grüße Max Müller",
    ),
    "de_damaged_topic.eml": dict(
        order_id="302-7654321-7654321",
        buyer_name="Jürgen Weiß",
        topic="Rücksendungen",
        language="de",
        text="Hallo, das Paket ist heute angekommen, aber die Glaskanne ist zerbrochen. Was kann ich tun? "
        "Fotos kann ich schicken.",
    ),
    "fr_damaged.eml": dict(
        order_id="404-1111111-2222222",
        buyer_name="Camille Dupont",
        marketplace="amazon.fr",
        language="fr",
        text="Bonjour, j'ai reçu le colis mais l'article est cassé. Je voudrais un remboursement ou un échange "
        "s'il vous plaît. Merci d'avance.",
    ),
    "it_generic.eml": dict(
        order_id="171-3333333-4444444",
        buyer_name="Giulia Rossi",
        marketplace="amazon.it",
        language="it",
        topic=None,
        text="Buongiorno, il pacco non è ancora arrivato. Potete darmi il numero di tracciamento? Grazie",
    ),
    "es_return.eml": dict(
        order_id="408-5555555-6666666",
        buyer_name="Lucía García",
        marketplace="amazon.es",
        language="es",
        topic="devoluciones",
        text="Hola, quiero devolver el producto porque no es lo que esperaba. ¿Cómo puedo hacer la devolución? Gracias.",
    ),
    "uk_html_only.eml": dict(
        kind="buyer_message",
        order_id="203-9999999-8888888",
        marketplace="amazon.co.uk",
        topic="Product details",
        text="Hi there,\nCould you tell me if this kettle works with 110 V? I'm travelling to the US & Canada.\n"
        "Cheers, Oliver",
        no_response_link="https://sellercentral.amazon.co.uk/messaging/no-response-needed?t=abc&m=1",
    ),
    "de_photos.eml": dict(
        text="Hallo, anbei Fotos vom beschädigten Karton und dem zerkratzten Gerät.",
        attachments=[
            {"filename": "karton.jpg", "content_type": "image/jpeg", "size": 10246},
            {"filename": "Gerät Kratzer.png", "content_type": "image/png", "size": 1508},
        ],
    ),
    "de_presale_no_order.eml": dict(
        kind="buyer_message",
        order_id=None,
        buyer_name="Erika Mustermann",
        topic="Produktdetails",
        text="Hallo, passt der Filter auch in das Modell X200? Viele Grüße",
    ),
    "de_followup_aw.eml": dict(
        order_id="302-1234567-1234567",
        in_reply_to="<seller-reply-0001@example-shop.de>",
        text="Danke für die schnelle Antwort! Die Rechnung ist aber immer noch nicht da.",
    ),
    "en_followup_re_quoted.eml": dict(text="It arrived today, thank you!", language="en"),
    "en_cp1252_body.eml": dict(
        buyer_name="Sean O'Neil",
        marketplace="amazon.co.uk",
        order_id="026-1212121-3434343",
        subject="Other inquiry from Amazon customer Sean O'Neil - €uro (Order: 026-1212121-3434343)",
        text="The price said 49€ – but I was charged 59€. Why?",
    ),
    "de_unknown_charset.eml": dict(
        buyer_name="Jörg Köhler",
        text="Grüße aus Köln – wann kommt mein Paket?",
        language="de",
    ),
    "confirmation_en.eml": dict(kind="confirmation", order_id="111-7366207-0755439", buyer_alias=None),
    "confirmation_de.eml": dict(kind="confirmation", order_id="302-1234567-1234567"),
    "notice_cancellation.eml": dict(
        kind="amazon_notice",
        notice_type="cancellation_request",
        marketplace="amazon.de",
        order_id="302-1234567-1234567",
    ),
    "notice_atoz.eml": dict(kind="amazon_notice", notice_type="a_to_z_claim", order_id="302-2222222-3333333"),
    "notice_return.eml": dict(kind="amazon_notice", notice_type="return_request"),
    "notice_refund.eml": dict(kind="amazon_notice", notice_type="refund_issued"),
    "notice_opted_out.eml": dict(kind="amazon_notice", notice_type="message_not_delivered"),
    "notice_no_header_de.eml": dict(kind="amazon_notice", notice_type="cancellation_request"),
    # notices whose kind is only in their body; their order, item and quantity lines stay in the text
    "notice_return_body_en.eml": dict(
        kind="amazon_notice",
        notice_type="return_request",
        order_id="111-4455667-7788990",
        marketplace="amazon.com",
        language="en",
        text="Dear Example Shop,\n\nA customer has requested to return the following item(s). Please review the "
        "request in your seller account.\n\nOrder ID: # 111-4455667-7788990\nItem: Desk Lamp LED, black\n"
        "Quantity: 1\nReturn reason: Defective/Does not work properly\nCustomer comments: The lamp flickers and "
        "then goes off after two minutes.\nRequest received: November 25, 2026\n\nSincerely,\nAmazon Services",
    ),
    "notice_return_body_it.eml": dict(
        kind="amazon_notice", notice_type="return_request", buyer_name="Mario Rossi", language="it"
    ),
    "notice_return_body_de.eml": dict(
        kind="amazon_notice", notice_type="return_request", buyer_name="Erika Mustermann", language="de"
    ),
    # an older HTML relay template: an order table, a bare "Message:" label, Amazon's redirect around the link
    "en_html_2018_table.eml": dict(
        kind="buyer_message",
        order_id="112-3344556-6778899",
        buyer_name="Laura Haught",
        text="Hi, the pajamas run small. Can I exchange them for a size L?\nThank you, Laura",
        no_response_link="https://sellercentral.amazon.com/messaging/no-response-needed?t=xyz789&m=2",
    ),
    "not_amazon.eml": dict(kind="other", buyer_alias=None, marketplace=None),
    "br_plus_alias.eml": dict(
        marketplace="amazon.com.br",
        order_id="701-1231231-3213213",
        language="pt",
        buyer_alias="p3dr0s0uza+4f1b2c3d-aaaa-bbbb-cccc-0123456789ab@marketplace.amazon.com.br",
        text="Olá, ainda não recebi o meu pedido. Podem verificar, por favor? Obrigado",
    ),
    "ca_bilingual.eml": dict(marketplace="amazon.ca", text="Hi, can you ship to a PO box? Thank you."),
    "en_older_begin.eml": dict(text="The board arrived with a crack. I would like a replacement please."),
    "mixed_markers_spacing.eml": dict(
        language="en",
        text="Hello, I'm writing in English: the manual is missing from the box. Can you send it as a PDF?",
    ),
    "no_markers.eml": dict(
        text="Hi, I need to change the delivery address to 12 Oak Street please, is that still possible?"
    ),
    "no_message_id.eml": dict(message_id=None, text="Where is my parcel?"),
}


def test_every_fixture_has_expectations() -> None:
    names = {p.name for p in FIXTURES.glob("*.eml")} - {"broken.eml"}
    assert names == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name: str) -> None:
    parsed = parse_relay_mail(fixture_mail(name)).to_json(name)
    assert parsed["error"] is None
    for key, want in EXPECTED[name].items():
        assert parsed[key] == want, f"{name}: {key}"


def test_buyer_messages_have_kind_buyer_message() -> None:
    for name, _want in EXPECTED.items():
        if name.startswith(("en_", "de_", "fr_", "it_", "es_", "uk_", "br_", "ca_", "mixed", "no_")):
            assert parse_relay_mail(fixture_mail(name)).kind is MailKind.BUYER_MESSAGE, name


def test_broken_mail_is_kept_as_raw_with_an_error() -> None:
    parsed = parse_relay_mail(fixture_mail("broken.eml"))
    assert parsed.error
    assert parsed.is_raw
    assert "this is not an e-mail" in (parsed.text or "")
    assert parsed.dedupe_key.endswith("@inbox-bot.invalid>")


def test_dedupe_key_is_stable_without_message_id() -> None:
    raw = fixture_mail("no_message_id.eml")
    assert parse_relay_mail(raw).dedupe_key == parse_relay_mail(raw).dedupe_key
    assert parse_relay_mail(raw).dedupe_key != parse_relay_mail(raw + b"x").dedupe_key


def test_reply_above_markers_only_when_there_is_evidence_of_history() -> None:
    body = "Order ID: 111-1111111-1111111\nItem: Lamp\n\n------ Message: ------\nWhere is it?\n------ End message ------"
    assert extract_buyer_text(body, is_reply=False) == "Where is it?"
    assert extract_buyer_text(body, is_reply=True) == "Where is it?"  # only boilerplate above
    reply = "Still nothing!\n\n" + body
    assert extract_buyer_text(reply, is_reply=True) == "Still nothing!"
    assert extract_buyer_text(reply, is_reply=False) == "Where is it?"


def test_quoted_history_inside_markers_is_removed() -> None:
    body = (
        "------ Message: ------\nThat did not help.\n\nOn Tue, 24 Nov 2026 Shop <s@example.com> wrote:\n"
        "> Please restart it.\n------ End message ------"
    )
    assert extract_buyer_text(body, is_reply=False) == "That did not help."


def test_outlook_header_block_starts_history() -> None:
    body = "Danke!\n\nVon: Shop <s@example.de>\nGesendet: Dienstag\nAn: x\nBetreff: y\n\nalter Text"
    assert extract_buyer_text(body, is_reply=True) == "Danke!"


def _mail(subject: str, body: str, charset: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Buyer - Amazon Marketplace <abc@marketplace.amazon.de>"
    msg["Subject"] = subject
    msg["Message-ID"] = "<prop@test>"
    msg.set_content(body, charset=charset)
    return bytes(msg)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_arbitrary_bytes_never_crash(raw: bytes) -> None:
    parsed = parse_relay_mail(raw)
    assert parsed.kind in set(MailKind)
    assert parsed.dedupe_key


@settings(max_examples=200, deadline=None)
@given(
    subject=st.text(max_size=200),
    body=st.text(max_size=2000),
    charset=st.sampled_from(["utf-8", "iso-8859-1", "utf-16"]),
    noise=st.binary(max_size=50),
)
def test_structured_mails_never_crash_and_keep_the_buyer_words(
    subject: str, body: str, charset: str, noise: bytes
) -> None:
    try:
        raw = _mail(subject.replace("\r", " ").replace("\n", " "), body, charset)
    except (UnicodeError, ValueError):
        return
    parsed = parse_relay_mail(raw + noise)
    assert parsed.kind in (MailKind.BUYER_MESSAGE, MailKind.OTHER)
    assert isinstance(parsed.text, (str, type(None)))


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "multipart/mixed",
                "multipart/alternative",
                "text/plain",
                "text/html",
                "image/jpeg",
                "message/rfc822",
            ]
        ),
        min_size=1,
        max_size=30,
    )
)
def test_odd_mime_structures_never_crash(types: list[str]) -> None:
    parts = []
    for i, ctype in enumerate(types):
        boundary = f"b{i}"
        parts.append(
            f'--outer\r\nContent-Type: {ctype}; boundary="{boundary}"; charset=bogus-{i}\r\n'
            f"Content-Transfer-Encoding: base64\r\n\r\n@@@not base64@@@\r\n"
        )
    raw = (
        'From: x@marketplace.amazon.de\r\nContent-Type: multipart/mixed; boundary="outer"\r\n\r\n'
        + "".join(parts)
        + "--outer--\r\n"
    ).encode()
    parsed = parse_relay_mail(raw)
    assert parsed.kind is MailKind.BUYER_MESSAGE


def test_folded_subject_after_an_encoded_word_keeps_its_space() -> None:
    raw = (
        b'From: "Max M - Amazon Marketplace" <abc@marketplace.amazon.de>\r\n'
        b"Subject: Frage von Amazon-Kunde Max =?utf-8?q?M=C3=BCller?=\r\n (Bestellung: 302-1234567-1234567)\r\n"
        b"Message-ID: <fold@x>\r\n\r\nHallo"
    )
    parsed = parse_relay_mail(raw)
    assert parsed.subject == "Frage von Amazon-Kunde Max Müller (Bestellung: 302-1234567-1234567)"
    assert parsed.order_id == "302-1234567-1234567"


@settings(max_examples=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.sampled_from(list('ab .-_+"<>@()\\,;:\tÄé')), max_size=30))
def test_the_fast_address_path_agrees_with_the_standard_library(value: str) -> None:
    """Where the quick From parser takes a header, it gives exactly what email.utils.parseaddr gives."""
    from email.utils import parseaddr

    from bot.mail.parser import _SIMPLE_ADDRESS, _parse_address

    assert _parse_address(value) == parseaddr(value)
    if _SIMPLE_ADDRESS.fullmatch(value) is not None:
        assert "@" in _parse_address(value)[1]


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (
            "Nachricht:\nWo bleibt mein Paket?\n\nZur Information: wir speichern Nachrichten",
            "Wo bleibt mein Paket?",
        ),
        # a label inside the buyer's own words is not the template's: nothing is cut
        (
            "Hi,\nthe app shows an error when I pair the lamp.\nMessage: E42 pairing failed\nWhat should I do?",
            "Hi,\nthe app shows an error when I pair the lamp.\nMessage: E42 pairing failed\nWhat should I do?",
        ),
    ],
)
def test_a_bare_message_label_opens_the_buyers_words(body: str, text: str) -> None:
    assert extract_buyer_text(body, is_reply=False) == text


@pytest.mark.parametrize(
    ("greeting", "buyer"),
    [
        ("Gentili Example Shop e Mario Rossi,", "Mario Rossi"),
        ("Gentili Bianchi e Figli e Mario Rossi,", "Mario Rossi"),
    ],
)
def test_an_italian_notice_names_the_buyer_after_the_seller(greeting: str, buyer: str) -> None:
    raw = fixture_mail("notice_return_body_it.eml").replace(
        b"Gentili Example Shop e Mario Rossi,", greeting.encode()
    )
    assert parse_relay_mail(raw).buyer_name == buyer


def _notice(
    body: str, *, subject: str = "Benachrichtigung zu Bestellung 302-1234567-1234567", ntype: str = ""
) -> bytes:
    header = f"X-Space-Notification-Type: {ntype}\n" if ntype else ""
    return (
        f"From: Amazon Seller Central <donotreply@amazon.de>\nTo: shop@example.de\nSubject: {subject}\n"
        f"Message-ID: <n-{abs(hash(body))}@amazon.de>\n{header}MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + body
    ).encode()


@pytest.mark.parametrize(
    ("ntype", "expected"),
    [
        ("A_Z_CLAIM_RESPONDENT_NOTIFY_V2", "a_to_z_claim"),
        ("SELLER_CHARGEBACK_NOTIFY", "chargeback"),
        ("RETURN_AUTHORIZATION_REQUEST", "return_request"),
        # an end opens no clock: a closed or withdrawn claim, a resolved chargeback, a received return
        ("A_Z_CLAIM_RESPONDENT_CLOSE", "a_z_claim_respondent_close"),
        ("A_Z_CLAIM_WITHDRAWN", "a_z_claim_withdrawn"),
        ("CHARGEBACK_RESOLVED", "chargeback_resolved"),
        ("RETURN_RECEIVED", "return_received"),
        ("ORDER_CANCELLED_BY_BUYER", "order_cancelled_by_buyer"),
        ("SOMETHING_NEW", "something_new"),  # unknown words: kept as the header says
    ],
)
def test_header_variants_are_read_by_their_words(ntype: str, expected: str) -> None:
    assert parse_relay_mail(_notice("Guten Tag,\n\nInfo.", ntype=ntype)).notice_type == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Guten Tag,\n\nder Käufer hat die Stornierung der folgenden Bestellung beantragt:",
            "cancellation_request",
        ),
        (
            "Dzień dobry,\n\nTwoja wiadomość dotycząca zamówienia nie została dostarczona do kupującego.",
            "message_not_delivered",
        ),
        ("Hej,\n\nDitt meddelande till köparen kunde inte levereras.", "message_not_delivered"),
        (
            "Hello,\n\nThe cardholder has disputed the charge for the order below with their card issuer.",
            "chargeback",
        ),
        (
            "Hola:\n\nUn cliente ha presentado una reclamación en virtud de la Garantía de la A a la Z de Amazon.",
            "a_to_z_claim",
        ),
        ("出品者様\n\n購入者から以下の注文について返品リクエストが送信されました。", "return_request"),
        ("Hello,\n\nIf the buyer is unhappy they may file an A-to-z Guarantee claim later.", "other_notice"),
    ],
)
def test_a_notices_kind_is_read_from_amazons_sentence_in_its_body(body: str, expected: str) -> None:
    assert parse_relay_mail(_notice(body)).notice_type == expected


REFUND = "Your refund for order 302-1234567-1234567"


@pytest.mark.parametrize(
    ("body", "subject", "buyer"),
    [
        (
            "Dear John,\n\nWe've issued your refund for the item below.",
            REFUND,
            "John",
        ),  # a refund greets the buyer
        (
            "Dear John Smith,\n\nA buyer has requested to return an item.",
            None,
            None,
        ),  # others greet the seller
        ("Hi there,\n\nWe've issued your refund for the item below.", REFUND, None),
        ("Dear Nordwind GmbH,\n\nWe've issued your refund for the item below.", REFUND, None),
        (
            "Dear Seller,\n\nAmazon customer Kevin Park has requested authorization to return the item.",
            None,
            "Kevin Park",
        ),
        ("Guten Tag,\n\nDer Käufer Max Mustermann hat die Rücksendung beantragt.", None, "Max Mustermann"),
        ("Hello,\n\nOur customer Service has reviewed the return request.", None, None),
        (
            "Guten Tag,\n\nBestellnummer: 302-1234567-1234567\nKunde: Sabine Hoffmann\nMenge: 1",
            None,
            "Sabine Hoffmann",
        ),
        ("Hello,\n\nA return request.\nCustomer: please respond within 48 hours.", None, None),
        ("Hello,\n\nA return request.\nBuyer: Order ID", None, None),
    ],
)
def test_a_notice_names_its_buyer_by_label_sentence_or_greeting(
    body: str, subject: str | None, buyer: str | None
) -> None:
    mail = _notice(body, subject=subject) if subject else _notice(body)
    assert parse_relay_mail(mail).buyer_name == buyer


def test_a_notice_subject_naming_the_amazon_customer_gives_the_name() -> None:
    subject = "Order cancellation request from Amazon customer Brian Walsh (Order: 113-6602914-8837125)"
    assert parse_relay_mail(_notice("Hello,\n\nplease cancel.", subject=subject)).buyer_name == "Brian Walsh"
    service = "A message from Amazon Customer Service"
    assert parse_relay_mail(_notice("Hello,\n\nnews.", subject=service)).buyer_name is None


@pytest.mark.parametrize(
    "words",
    [
        "Please do not reply to this email with a template, call me.",
        "Amazon UK Services told me to contact you.",
        "Note: for your information, the box was open.",
    ],
)
def test_a_buyers_words_that_look_like_a_notices_footer_are_kept(words: str) -> None:
    body = f"Hello,\nthe kettle arrived broken.\n{words}\nI want a replacement by Friday."
    assert extract_buyer_text(body, is_reply=False) == body


def test_a_notice_ends_at_its_signature_and_footer() -> None:
    body = (
        "Hello,\n\nA buyer has requested a cancellation.\nOrder ID: 113-6602914-8837125\n\nKind regards,\n"
        "Amazon Services\n\nPlease note: This e-mail was sent from a notification-only address.\n"
        "Amazon EU S.à r.l., 38 avenue John F. Kennedy, L-1855 Luxembourg\n"
    )
    text = parse_relay_mail(_notice(body)).text or ""
    assert text.endswith("Kind regards,\nAmazon Services") and "Order ID: 113-6602914-8837125" in text
