"""Amazon's wording as the parser sees it: order ids, domains, subjects, markers, boilerplate and footers."""

from __future__ import annotations

import pytest

from bot.mail import patterns as P
from bot.mail.model import NoticeType


def test_order_ids_are_found_with_dashes_spaces_or_nothing_between_the_groups() -> None:
    text = "Order 302-1234567-1234567, also 303 1234567 1234567 and 30412345671234567."
    assert [m.groups() for m in P.ORDER_ID.finditer(text)] == [
        ("302", "1234567", "1234567"),
        ("303", "1234567", "1234567"),
        ("304", "1234567", "1234567"),
    ]


@pytest.mark.parametrize("text", ["1302-1234567-1234567", "302-1234567-12345678", "302-1234567-1234567-1"])
def test_digits_that_run_on_are_not_an_order_id(text: str) -> None:
    assert P.ORDER_ID.search(text) is None
    assert P.STRICT_ORDER_ID.search(text) is None


def test_the_strict_order_id_needs_dashes() -> None:
    assert P.STRICT_ORDER_ID.findall("a 302-1234567-1234567 b 303 1234567 1234567") == ["302-1234567-1234567"]


def test_every_marketplace_id_names_a_site_with_a_language() -> None:
    assert set(P.MARKETPLACE_IDS.values()) <= set(P.MARKETPLACE_LANGUAGE)
    assert P.MARKETPLACE_LANGUAGE[P.MARKETPLACE_IDS["A1PA6795UKMFR9"]] == "de"
    assert P.MARKETPLACE_LANGUAGE[P.MARKETPLACE_IDS["ATVPDKIKX0DER"]] == "en"


def test_notification_types_are_sorted_into_confirmation_buyer_message_and_notices() -> None:
    assert not (P.CONFIRMATION_TYPES & P.BUYER_MESSAGE_TYPES)
    assert not (set(P.NOTICE_TYPES) & (P.CONFIRMATION_TYPES | P.BUYER_MESSAGE_TYPES))
    assert P.NOTICE_TYPES["A_Z_CLAIM_RESPONDENT_NOTIFY"] is NoticeType.A_TO_Z_CLAIM


def _notice(subject: str) -> NoticeType | None:
    return next((t for t, rx in P.NOTICE_SUBJECTS if rx.search(subject)), None)


@pytest.mark.parametrize(
    ("subject", "notice"),
    [
        ("Your message could not be delivered", NoticeType.MESSAGE_NOT_DELIVERED),
        ("Ihre Nachricht wurde nicht zugestellt", NoticeType.MESSAGE_NOT_DELIVERED),
        ("A-to-z Guarantee claim for order 302-1234567-1234567", NoticeType.A_TO_Z_CLAIM),
        ("Refund for your A-to-z claim", NoticeType.A_TO_Z_CLAIM),  # the first match wins over "refund"
        ("Chargeback notification", NoticeType.CHARGEBACK),
        ("Stornierungsanfrage für Bestellung 302-1234567-1234567", NoticeType.CANCELLATION_REQUEST),
        ("Buyer requested cancellation", NoticeType.CANCELLATION_REQUEST),
        ("Demande de retour", NoticeType.RETURN_REQUEST),
        ("Erstattung veranlasst", NoticeType.REFUND_ISSUED),
        ("Where is my parcel?", None),
    ],
)
def test_notice_subjects_in_several_languages(subject: str, notice: NoticeType | None) -> None:
    assert _notice(subject) is notice


@pytest.mark.parametrize(
    "subject",
    [
        "Your e-mail to Jane Doe",
        "Ihre Nachricht an Max Müller",
        "Votre message à Jean",
        "Il tuo messaggio a Mario",
        "Tu mensaje a Ana",
    ],
)
def test_confirmation_subjects(subject: str) -> None:
    assert P.CONFIRMATION_SUBJECT.match(subject)


def test_a_subject_only_mentioning_your_message_is_no_confirmation() -> None:
    assert P.CONFIRMATION_SUBJECT.match("Re: about your message to us") is None


@pytest.mark.parametrize(
    ("subject", "rest"),
    [
        ("AW: Re: WG: Lieferung", "Lieferung"),
        ("Re[2]: Frage", "Frage"),
        ("RE : Fwd: question", "question"),
        ("Reply needed", "Reply needed"),
        ("Antwort auf Ihre Frage", "Antwort auf Ihre Frage"),
    ],
)
def test_reply_prefixes_are_stripped_however_stacked(subject: str, rest: str) -> None:
    assert P.REPLY_PREFIX.sub("", subject) == rest


def _subject(subject: str) -> tuple[str, dict[str, str | None]] | None:
    for lang, rx in P.SUBJECTS:
        m = rx.match(subject)
        if m:
            return lang, m.groupdict()
    return None


@pytest.mark.parametrize(
    ("subject", "lang", "topic", "name"),
    [
        (
            "Shipping inquiry from Amazon customer Jane Doe (Order: 111-1234567-1234567)",
            "en",
            "Shipping",
            "Jane Doe",
        ),
        ("Message from Amazon customer John Smith", "en", None, "John Smith"),
        (
            "Lieferung-Anfrage von Amazon-Kunde Max Müller (Bestellung: 302-1234567-1234567)",
            "de",
            "Lieferung",
            "Max Müller",
        ),
        (
            "Demande de renseignements concernant la livraison de la part du client Amazon Jean Dupont "
            "(Commande : 403-1234567-1234567)",
            "fr",
            "la livraison",
            "Jean Dupont",
        ),
        ("Richiesta su spedizione dal cliente Amazon Mario Rossi", "it", "spedizione", "Mario Rossi"),
        ("Consulta sobre envío del cliente de Amazon Ana García", "es", "envío", "Ana García"),
    ],
)
def test_relay_subjects_give_language_topic_and_buyer_name(
    subject: str, lang: str, topic: str | None, name: str
) -> None:
    found = _subject(subject)
    assert found is not None
    assert found[0] == lang
    assert (found[1].get("topic"), found[1]["name"]) == (topic, name)


def test_an_ordinary_subject_is_no_relay_subject() -> None:
    assert _subject("Where is my parcel?") is None


@pytest.mark.parametrize(
    ("display", "name"),
    [
        ("Jane Doe - Amazon Marketplace", "Jane Doe"),
        ("Max via Amazon", "Max"),
        ("Jean – Marketplace Amazon", "Jean"),
        ("Amazon Marketplace", None),
        ("Jane Doe", None),
    ],
)
def test_the_relay_senders_display_name_gives_the_buyer(display: str, name: str | None) -> None:
    m = P.SENDER_NAME.match(display)
    assert (m["name"] if m else None) == name


@pytest.mark.parametrize(
    ("line", "label", "opens", "closes", "history"),
    [
        ("------------- Begin message -------------", "Begin message", True, False, False),
        ("------------- End message -------------", "End message", True, True, False),
        ("--- Ende der Nachricht ---", "Ende der Nachricht", True, True, False),
        ("=== Original message ===", "Original message", True, False, True),
    ],
)
def test_marker_lines_and_what_their_labels_say(
    line: str, label: str, opens: bool, closes: bool, history: bool
) -> None:
    m = P.MARKER.match(line)
    assert m is not None and m["label"] == label
    assert bool(P.MARKER_OPEN.search(label)) is opens
    assert bool(P.MARKER_CLOSE.search(label)) is closes
    assert bool(P.HISTORY_LABEL.search(label)) is history


def test_short_dash_runs_and_plain_lines_are_no_markers() -> None:
    assert P.MARKER.match("-- x --") is None
    assert P.MARKER.match("Where is my order?") is None


@pytest.mark.parametrize(
    "line",
    [
        "On Mon, 23 Nov 2026 at 10:00, Jane <a@b.example> wrote:",
        "Am 23.11.2026 um 10:00 schrieb Max <a@b.example>:",
        "Le lun. 23 nov. 2026 à 10:00, Jean a écrit :",
        "-----Original Message-----",
        "-- Ursprüngliche Nachricht --",
    ],
)
def test_reply_headers_that_start_quoted_history(line: str) -> None:
    assert P.REPLY_HEADER.match(line)


def test_buyer_sentences_are_no_reply_headers() -> None:
    assert P.REPLY_HEADER.match("I wrote: hi") is None
    assert P.REPLY_HEADER.match("On it wrote:") is None


def test_outlook_header_block_lines() -> None:
    assert [
        bool(P.HEADER_BLOCK_FROM.match(s)) for s in ("From: Jane", "Von: Max", "From:", "Fromage: x")
    ] == [
        True,
        True,
        False,
        False,
    ]
    assert [
        bool(P.HEADER_BLOCK_SENT.match(s)) for s in ("Sent: Monday", "Gesendet: Montag", "Sentence: x")
    ] == [
        True,
        True,
        False,
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Order ID: 302-1234567-1234567",
        "Bestellnummer: 302-1234567-1234567",
        "1 of Desk lamp",
        "ASIN: B0X",
        "Item: Desk lamp",
        "Dear Seller,",
        "Sehr geehrter Verkäufer",
        "You have received a message.",
        "Amazon customer: Jane",
    ],
)
def test_amazons_own_lines_are_boilerplate(line: str) -> None:
    assert P.BOILERPLATE.match(line)


@pytest.mark.parametrize("line", ["Where is my order?", "Item arrived broken", "Order ID 302 please"])
def test_buyer_lines_are_not_boilerplate(line: str) -> None:
    assert P.BOILERPLATE.match(line) is None


@pytest.mark.parametrize(
    "line",
    [
        "Was this email helpful?",
        "Resolve case",
        "War diese E-Mail hilfreich?",
        "No response needed",
        "© 2026",
    ],
)
def test_footer_lines(line: str) -> None:
    assert P.FOOTER.match(line)


def test_a_buyer_line_is_no_footer() -> None:
    assert P.FOOTER.match("Was this order shipped?") is None


def test_no_response_links_are_found_in_text_and_markup() -> None:
    text = (
        '<a href="https://sellercentral.amazon.de/messaging/no-response-needed?id=1&x=2">x</a> '
        "or (https://x.amazon.com/noresponseneeded/abc) but not https://x.amazon.com/other"
    )
    assert P.NO_RESPONSE_LINK.findall(text) == [
        "https://sellercentral.amazon.de/messaging/no-response-needed?id=1&x=2",
        "https://x.amazon.com/noresponseneeded/abc",
    ]
