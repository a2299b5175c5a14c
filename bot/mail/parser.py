"""Take an Amazon relay mail apart: who, which order, which marketplace, and what the buyer wrote this time."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

from bot.mail import patterns as P
from bot.mail.htmltext import html_to_text
from bot.mail.language import detect_language
from bot.mail.model import Attachment, MailKind, NoticeType, ParsedMail, sha256
from bot.mail.trust import amazon_sender, no_response_link, pretends_amazon, relay_marketplace

log = logging.getLogger(__name__)

MAX_BODY_CHARS = 1_000_000  # bodies beyond this are cut before text extraction (bounded time per mail)
MAX_PARTS = 500  # MIME parts looked at per mail
RAW_PREVIEW_CHARS = 20_000
RAW_8BIT = re.compile("[\udc80-\udcff]")  # undecodable header bytes, as the email package keeps them


def parse_relay_mail(raw: bytes, *, amazon_domains: Iterable[str] = ()) -> ParsedMail:
    """Parse one raw mail; never raises: a mail that cannot be taken apart comes back with `error` set."""
    digest = sha256(raw)
    try:
        return _parse(raw, digest, {d.lower() for d in amazon_domains})
    except Exception as e:  # any input, however broken, must still reach the team
        log.warning("relay mail could not be parsed (sha256 %s): %s", digest[:12], e, exc_info=True)
        return ParsedMail(
            message_id=_scan_message_id(raw),
            raw_sha256=digest,
            error=f"{type(e).__name__}: {e}"[:500],
            text=raw_preview(raw),
        )


def raw_preview(raw: bytes, limit: int = RAW_PREVIEW_CHARS) -> str:
    """The raw mail as readable text, cut to `limit` characters."""
    return raw[: limit * 4].decode("utf-8", errors="replace")[:limit]


def _parse(raw: bytes, digest: str, extra_domains: set[str]) -> ParsedMail:
    msg = BytesParser().parsebytes(raw)
    headers = _first_headers(msg)

    def header(name: str) -> str:
        value = headers.get(name)
        return _header_text(value) if value is not None else ""

    subject = header("subject") or None
    from_name, from_addr = _address(headers.get("from"))
    from_addr = from_addr.strip().lower()
    reply_addrs = [a.lower() for _, a in getaddresses([_unfolded(headers.get("reply-to") or "")]) if a]
    ntype = header("x-space-notification-type").strip().upper()

    out = ParsedMail(
        message_id=_msgid(header("message-id")),
        in_reply_to=_msgid(header("in-reply-to")),
        references=re.findall(r"<[^<>\s]+>", header("references"))[:100],
        subject=subject,
        sender=from_addr or None,
        date=_date(header("date")),
        raw_sha256=digest,
    )
    if not from_addr and not msg.keys():
        out.error = "not an e-mail: no headers found"
        out.text = raw_preview(raw)
        return out

    # Only Amazon is Amazon: a relay alias under a marketplace domain, or a notice from an Amazon domain, exactly.
    relay = relay_marketplace(from_addr)
    amazon_site = amazon_sender(from_addr, extra_domains) if relay is None else None
    from_amazon = relay is not None or amazon_site is not None
    out.marketplace = relay or (
        (P.MARKETPLACE_IDS.get(header("x-marketplace-id").strip().upper()) or amazon_site)
        if from_amazon
        else None
    )
    stripped_subject = P.REPLY_PREFIX.sub("", subject or "")

    # the subject's wording matters only for Amazon's own mails (a relay mail is a buyer's message)
    subject_notice = (
        next((t for t, rx in P.NOTICE_SUBJECTS if rx.search(stripped_subject)), None) if amazon_site else None
    )
    senders = msg.get_all("from") or []
    if len(senders) > 1 and (from_amazon or any("amazon" in str(s).lower() for s in senders)):
        from_amazon = False  # which of them sent it cannot be known: never Amazon, never a reply target
        out.marketplace = None
        out.kind = MailKind.SUSPICIOUS
        out.suspicion = (
            f"it has {len(senders)} From headers (a mail has exactly one), so its sender cannot be known"
        )
    elif not from_amazon:
        out.suspicion = pretends_amazon(
            name=from_name, address=from_addr, reply_to=reply_addrs, notification_header=bool(ntype)
        )
        out.kind = MailKind.SUSPICIOUS if out.suspicion else MailKind.OTHER
    elif ntype in P.CONFIRMATION_TYPES or (
        not ntype
        and amazon_site
        and subject_notice is not NoticeType.MESSAGE_NOT_DELIVERED
        and P.CONFIRMATION_SUBJECT.match(stripped_subject)
    ):
        out.kind = MailKind.CONFIRMATION
    elif ntype in P.NOTICE_TYPES or (ntype and ntype not in P.BUYER_MESSAGE_TYPES and not relay):
        out.kind = MailKind.AMAZON_NOTICE
        out.notice_type = P.notice_from_header(ntype)
    elif relay:
        out.kind = MailKind.BUYER_MESSAGE
        out.buyer_alias = from_addr  # replies go to the sender of a relay mail, never to its Reply-To
    else:
        out.kind = MailKind.AMAZON_NOTICE
        out.notice_type = subject_notice or NoticeType.OTHER
    if isinstance(out.notice_type, NoticeType):
        out.notice_type = out.notice_type.value

    subject_lang = None
    for lang, rx in P.SUBJECTS:
        m = rx.match(stripped_subject)
        if m:
            subject_lang = lang
            out.topic = _clean_field(m.groupdict().get("topic"))
            out.buyer_name = _clean_field(m.groupdict().get("name"))
            break
    if amazon_site and P.NOT_A_BUYER.search(out.buyer_name or ""):  # "… from Amazon Customer Service"
        out.buyer_name = None
    sender_name = P.SENDER_NAME.match(from_name or "") if from_amazon else None
    if sender_name and (relay or out.buyer_name is None):
        out.buyer_name = _clean_field(sender_name.group("name")) or out.buyer_name

    plain, html, links, attachments = _bodies(msg)
    out.attachments = attachments
    body = plain if plain.strip() else html
    out.no_response_link = no_response_link(plain, html, links) if from_amazon else None
    out.order_id = _order_id(subject or "", body)

    if out.kind in (MailKind.BUYER_MESSAGE, MailKind.OTHER):
        is_reply = bool(out.in_reply_to) or stripped_subject != (subject or "")
        out.text = extract_buyer_text(body, is_reply=is_reply)
    else:
        out.text = _tidy(
            body.split("\n"), keep_details=True
        )  # a notice's order, item and quantity lines stay
    if out.kind is MailKind.AMAZON_NOTICE:
        head = P.NOTICE_QUOTE.split(body[:4000], maxsplit=1)[0]  # Amazon's words, not the buyer's comment
        if out.notice_type == NoticeType.OTHER.value:
            out.notice_type = next((t.value for t, rx in P.NOTICE_BODIES if rx.search(head)), out.notice_type)
        if not out.buyer_name:
            to_buyer = out.notice_type == NoticeType.REFUND_ISSUED.value  # a refund's notice greets the buyer
            out.buyer_name = _clean_field(P.buyer_in_notice(head, greeting=to_buyer))
    out.language = (
        detect_language(out.text) or subject_lang or P.MARKETPLACE_LANGUAGE.get(out.marketplace or "")
    )
    return out


# ---- headers ---------------------------------------------------------------------------------------


# "Name" <addr>, Name <addr> or a bare addr: the shapes Amazon and mail clients send (anything else: parseaddr)
_SIMPLE_ADDRESS = re.compile(
    r'\s*(?:"(?P<quoted>[^"\\]*)"|(?P<plain>[^<>"\\(),;:@]*?))\s*<(?P<addr>[^<>\s"(),;:@]+@[^<>\s"(),;:@]+)>\s*'
    r'|\s*(?P<bare>[^<>\s"(),;:@]+@[^<>\s"(),;:@]+)\s*'
)


def _unfolded(value: str) -> str:
    """A raw header value unfolded onto one line, encoded words left as they are."""
    return re.sub(r"\s*[\r\n]+\s*", " ", re.sub(r"\r?\n(?=[ \t])", "", str(value))).strip()


def _address(raw_value: str | None) -> tuple[str, str]:
    """(display name, address) of a From header: split before decoding, so an encoded name with a comma
    ("Müller, Hans - Amazon Marketplace") stays one name; the name is decoded after."""
    if raw_value is None:
        return "", ""
    value = _unfolded(raw_value)
    if RAW_8BIT.search(value):
        value = decode_bytes(value.encode("ascii", "surrogateescape"), None)
    name, addr = _parse_address(value)
    return _header_text(name) if "=?" in name else name, addr


def _parse_address(value: str) -> tuple[str, str]:
    """(display name, address) of one address header; a fast path for the common shapes, else email.utils."""
    m = _SIMPLE_ADDRESS.fullmatch(value)
    if m is None:
        return parseaddr(value)
    if m["bare"]:
        return "", m["bare"]
    name = m["quoted"] if m["quoted"] is not None else " ".join((m["plain"] or "").split())
    return name, m["addr"]


def _first_headers(msg: Message) -> dict[str, str]:
    """Each header's first occurrence, by lower-case name, as the parser kept it."""
    first: dict[str, str] = {}
    for name, value in msg.raw_items():
        first.setdefault(name.lower(), value)
    return first


def _header_text(value: str) -> str:
    """A raw header value decoded to text and folded onto one line."""
    text = re.sub(r"\r?\n(?=[ \t])", "", str(value))  # unfold first (RFC 5322): the blank after it is content
    if RAW_8BIT.search(text):  # raw 8-bit bytes in the header
        text = decode_bytes(text.encode("ascii", "surrogateescape"), None)
    if "=?" in text:
        try:
            text = str(make_header(decode_header(text)))
        except Exception:
            text = "".join(
                decode_bytes(chunk, cs) if isinstance(chunk, bytes) else chunk
                for chunk, cs in _safe_decode_header(text)
            )
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


def _safe_decode_header(text: str) -> list[tuple[bytes | str, str | None]]:
    try:
        return list(decode_header(text))
    except Exception:
        return [(text, None)]


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset, then UTF-8, then Windows-1252; never raises."""
    for cs in (charset, "utf-8"):
        if not cs:
            continue
        try:
            return data.decode(cs.strip().strip('"').lower())
        except Exception:
            continue
    return data.decode("cp1252", errors="replace")


def _msgid(value: str) -> str | None:
    m = re.search(r"<[^<>\s]+>", value)
    if m:
        return m.group(0)[:998]
    value = value.strip()
    return f"<{value[:996]}>" if value and " " not in value else None


def _scan_message_id(raw: bytes) -> str | None:
    m = re.search(rb"(?im)^message-id:\s*(<[^<>\s]{1,900}>)", raw[:65536])
    return m.group(1).decode("ascii", errors="replace") if m else None


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except Exception:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def _clean_field(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip(" \t\"'“”„")
    return value or None


# ---- bodies ----------------------------------------------------------------------------------------


def _bodies(msg: Message) -> tuple[str, str, list[str], list[Attachment]]:
    """The first text/plain and text/html bodies, the HTML's links, and the attachments."""
    plain: str | None = None
    html: str | None = None
    links: list[str] = []
    attachments: list[Attachment] = []
    for count, part in enumerate(msg.walk()):
        if count >= MAX_PARTS:
            log.warning("mail has more than %d MIME parts; the rest is not read", MAX_PARTS)
            break
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        name = attached_name(part)
        if name is not None:
            payload = part.get_payload(decode=True)
            size = len(payload) if isinstance(payload, bytes) else 0
            attachments.append(Attachment(name, ctype, size))
            continue
        if ctype == "text/plain" and plain is None:
            plain = _text_of(part)
        elif ctype == "text/html" and html is None:
            html, links = html_to_text(_text_of(part))
    return plain or "", html or "", links, attachments


def _text_of(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raw = part.get_payload()
        return str(raw)[:MAX_BODY_CHARS] if isinstance(raw, str) else ""
    text = decode_bytes(payload[: MAX_BODY_CHARS * 4], part.get_content_charset())
    return text[:MAX_BODY_CHARS].replace("\r\n", "\n").replace("\r", "\n")


def attached_name(part: Message) -> str | None:
    """The name an attached (not body) leaf part is listed under ('unnamed' without one); None for a body."""
    filename = _filename(part)
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    if (
        filename
        or disposition == "attachment"
        or not part.get_content_type().startswith(("text/", "message/"))
    ):
        return filename or "unnamed"
    return None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    if not name:
        return None
    if "=?" in name:
        with contextlib.suppress(Exception):
            name = str(make_header(decode_header(name)))
    return name.strip()[:255] or None


def _order_id(subject: str, body: str) -> str | None:
    for text, rx in ((subject, P.STRICT_ORDER_ID), (body, P.STRICT_ORDER_ID), (subject, P.ORDER_ID)):
        m = rx.search(text)
        if m:
            digits = re.sub(r"\D", "", m.group(0))
            return f"{digits[:3]}-{digits[3:10]}-{digits[10:]}"
    return None


# ---- the buyer's own words -------------------------------------------------------------------------


def _unquote(line: str) -> tuple[int, str]:
    """Quote depth ('>' prefixes) and the line without them."""
    depth = 0
    rest = line.lstrip()
    while rest.startswith(">"):
        depth += 1
        rest = rest[1:].lstrip()
    return depth, rest


def _history_start(lines: list[tuple[int, str]], base_depth: int = 0) -> int:
    """Index of the first line of quoted history (reply header, deeper quote, forwarded block)."""
    for i, (depth, content) in enumerate(lines):
        if depth > base_depth:
            return i
        text = content.strip()
        if not text:
            continue
        joined = text + " " + lines[i + 1][1].strip() if i + 1 < len(lines) else text
        if P.REPLY_HEADER.match(text) or (
            text.lower().startswith(("on ", "am ", "le ", "il ", "el ")) and P.REPLY_HEADER.match(joined)
        ):
            return i
        if P.HEADER_BLOCK_FROM.match(text) and any(
            P.HEADER_BLOCK_SENT.match(c.strip()) for _, c in lines[i + 1 : i + 4]
        ):
            return i
        marker = P.MARKER.match(text)
        if marker and P.HISTORY_LABEL.search(marker.group("label")):
            return i
    return len(lines)


def _tidy(lines: Iterable[str], *, cut_footer: bool = True, keep_details: bool = False) -> str:
    """Drop Amazon's boilerplate lines (a notice keeps its order, item and quantity lines: `keep_details`), stop at
    its footer, and collapse blank runs."""
    out: list[str] = []
    signed = -1  # a notice's lines after its sign-off: the signature's one or two, then the footer
    for line in lines:
        text = line.rstrip()
        stripped = text.strip()
        footer = P.FOOTER.match(stripped) or (keep_details and P.NOTICE_FOOTER.match(stripped))
        if cut_footer and stripped and (footer or signed >= 2):
            break
        if keep_details and stripped:
            signed = signed + 1 if signed >= 0 else (0 if P.SIGN_OFF.match(stripped) else -1)
        if P.MARKER.match(stripped) or (not keep_details and P.BOILERPLATE.match(stripped)):
            continue
        if not stripped and (not out or not out[-1].strip()):
            continue
        out.append(text)
    return "\n".join(out).strip()


def extract_buyer_text(body: str, *, is_reply: bool) -> str:
    """What the buyer wrote this time: between Amazon's markers, or above them when answering in a mail client."""
    lines = [_unquote(line) for line in body.split("\n")]
    markers: list[tuple[int, str, int]] = []
    for i, (depth, content) in enumerate(lines):
        m = P.MARKER.match(content.strip())
        if not m:
            continue
        label = m.group("label")
        if P.HISTORY_LABEL.search(label):
            continue
        if P.MARKER_CLOSE.search(label):
            markers.append((i, "close", depth))
        elif P.MARKER_OPEN.search(label):
            markers.append((i, "open", depth))

    if not markers and not is_reply:  # an older HTML template: "Message:" alone on its line near the top
        top = [i for i, (_, content) in enumerate(lines) if content.strip()][:15]
        for i in top:
            if P.LABEL_MARKER.fullmatch(lines[i][1].strip()):
                markers.append((i, "open", lines[i][0]))
                break
    history = _history_start(lines)
    opening = next((m for m in markers if m[1] == "open"), None)
    if opening is None:
        return _tidy(c for _, c in lines[:history])

    open_idx, _, open_depth = opening
    above = _tidy(c for d, c in lines[: min(open_idx, history)] if d == 0)
    if above and (open_depth > 0 or history < open_idx or is_reply):
        return above

    closing = next((m for m in markers if m[1] == "close" and m[0] > open_idx and m[2] == open_depth), None)
    segment = lines[open_idx + 1 : closing[0] if closing else len(lines)]
    segment = segment[: _history_start(segment, base_depth=open_depth)]
    return _tidy((c for _, c in segment), cut_footer=closing is None)
