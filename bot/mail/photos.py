"""A buyer's pictures: which attachments are photos, their bytes read back from the stored mail, checked by content.

The card lists every attachment by name and size; the photos among them are also shown in the card's thread. What
a mail *says* a part is (its MIME type, its file name) is the sender's word: a part is shown as a picture only if
its bytes start like one (JPEG, PNG, GIF, WebP, HEIC/HEIF), never SVG (it can carry script). HEIC, what iPhones
send, is converted to JPEG when the optional `pillow-heif` is installed (`pip install 'inbox-bot[heic]'`);
otherwise it is uploaded as it is and Slack offers it as a download.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser

from bot.mail.model import Attachment
from bot.mail.parser import MAX_PARTS, attached_name

log = logging.getLogger(__name__)

PHOTO_TYPES = {"image/jpeg", "image/jpg", "image/pjpeg", "image/png", "image/gif", "image/webp"}
HEIC_TYPES = {"image/heic", "image/heif", "image/heic-sequence", "image/heif-sequence"}
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".jpe", ".png", ".gif", ".webp", ".heic", ".heif")
HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


@dataclass(frozen=True)
class Photo:
    """One picture to show: its file name, its MIME type as sniffed, and its bytes."""

    filename: str
    content_type: str
    data: bytes


def looks_like_photo(attachment: Attachment) -> bool:
    """Whether an attachment says it is a picture (by MIME type or file name); its bytes are checked on upload."""
    ctype = attachment.content_type.lower()
    name = attachment.filename.lower()
    return ctype in PHOTO_TYPES | HEIC_TYPES or (
        ctype in ("application/octet-stream", "") and name.endswith(PHOTO_SUFFIXES)
    )


def sniff(data: bytes) -> str | None:
    """The picture type the bytes start with ('image/jpeg', …), or None if they are not a picture we show."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in HEIC_BRANDS:
        return "image/heic"
    return None


def _attached_parts(msg: Message) -> Iterator[tuple[Message, str]]:
    """The attached parts in the order the parser lists them (same walk, same rule, same limit)."""
    for count, part in enumerate(msg.walk()):
        if count >= MAX_PARTS:
            return
        if part.is_multipart():
            continue
        name = attached_name(part)
        if name is not None:
            yield part, name


def attachment_bytes(raw: bytes, index: int) -> tuple[str, bytes] | None:
    """The file name and decoded bytes of the `index`-th attachment of a stored mail, or None if it is not there
    (the mail was too large to keep whole, or its raw text was purged)."""
    msg = BytesParser().parsebytes(raw)
    for position, (part, name) in enumerate(_attached_parts(msg)):
        if position == index:
            payload = part.get_payload(decode=True)
            return (name, payload) if isinstance(payload, bytes) and payload else None
    return None


def photo_from(filename: str, data: bytes) -> Photo | None:
    """The picture to upload for an attachment's bytes (HEIC converted to JPEG where possible), or None if the
    bytes are not a picture."""
    kind = sniff(data)
    if kind is None:
        return None
    if kind == "image/heic":
        converted = heic_to_jpeg(data)
        if converted is not None:
            stem = filename.rsplit(".", 1)[0] if "." in filename else filename
            return Photo(stem + ".jpg", "image/jpeg", converted)
    return Photo(filename, kind, data)


def heic_to_jpeg(data: bytes) -> bytes | None:
    """HEIC bytes as JPEG with the optional pillow-heif, or None (not installed, or the file is damaged)."""
    try:
        import pillow_heif  # type: ignore[import-not-found,unused-ignore]
        from PIL import Image  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    try:
        heif = pillow_heif.open_heif(data)
        image = Image.frombytes(heif.mode, heif.size, heif.data, "raw", heif.mode, heif.stride)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=88)
        return out.getvalue()
    except Exception as e:  # a damaged HEIC is still offered as it is
        log.warning(
            "HEIC picture could not be converted (%s: %s); uploading it as it is", type(e).__name__, e
        )
        return None
