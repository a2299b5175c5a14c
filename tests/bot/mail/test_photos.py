"""Which attachments are photos, judged by their bytes; the bytes found again where the parser listed them."""

from __future__ import annotations

import pytest

from bot.mail.model import Attachment
from bot.mail.photos import attachment_bytes, heic_to_jpeg, looks_like_photo, photo_from, sniff
from bot.sandbox.world import sample_png
from tests.conftest import fixture_mail

HEIC_HEAD = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"GIF89a....", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (HEIC_HEAD, "image/heic"),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='x()'/>", None),
        (b"%PDF-1.7", None),
        (b"MZ\x90\x00", None),
        (b"", None),
    ],
)
def test_pictures_are_known_by_their_first_bytes(data: bytes, kind: str | None) -> None:
    assert sniff(data) == kind


def test_what_a_mail_says_decides_only_whether_to_try() -> None:
    assert looks_like_photo(Attachment("IMG_0001.HEIC", "application/octet-stream", 10))
    assert looks_like_photo(Attachment("scan", "image/png", 10))
    assert not looks_like_photo(Attachment("bild.svg", "image/svg+xml", 10))
    assert not looks_like_photo(Attachment("rechnung.pdf", "application/pdf", 10))
    assert not looks_like_photo(Attachment("foto.jpg.exe", "application/octet-stream", 10))


def test_a_photo_keeps_its_name_and_a_fake_one_is_refused() -> None:
    photo = photo_from("karaffe.png", sample_png())
    assert photo is not None and photo.content_type == "image/png" and photo.filename == "karaffe.png"
    assert photo_from("foto.jpg", b"%PDF-1.4") is None


def test_heic_is_converted_when_it_can_be_and_kept_as_it_is_otherwise() -> None:
    converted = heic_to_jpeg(HEIC_HEAD)  # a HEIC header without a picture: never converted
    assert converted is None
    photo = photo_from("IMG_0001.HEIC", HEIC_HEAD)
    assert photo is not None and photo.filename == "IMG_0001.HEIC" and photo.content_type == "image/heic"


def test_an_iphone_heic_photo_becomes_a_jpeg() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")  # the optional inbox-bot[heic]; the dev extras have it
    import io

    from PIL import Image

    pillow_heif.register_heif_opener()
    heic = io.BytesIO()
    Image.open(io.BytesIO(sample_png())).save(heic, format="HEIF", quality=60)
    assert sniff(heic.getvalue()) == "image/heic"
    photo = photo_from("IMG_0001.HEIC", heic.getvalue())
    assert photo is not None and photo.filename == "IMG_0001.jpg" and photo.content_type == "image/jpeg"
    assert sniff(photo.data) == "image/jpeg"
    assert Image.open(io.BytesIO(photo.data)).size == (240, 160)


def test_bytes_are_read_back_by_position_and_missing_ones_are_none() -> None:
    raw = fixture_mail("de_photos.eml")
    name, data = attachment_bytes(raw, 0) or ("", b"")
    assert name == "karton.jpg" and sniff(data) == "image/jpeg"
    name, data = attachment_bytes(raw, 1) or ("", b"")
    assert name == "Gerät Kratzer.png" and sniff(data) == "image/png"
    assert attachment_bytes(raw, 2) is None
    assert attachment_bytes(raw.split(b"--mix\r\nContent-Type: image/jpeg")[0], 0) is None  # a truncated mail
    assert attachment_bytes(b"", 0) is None
