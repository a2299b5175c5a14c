"""The guard's reading of a text: disguises undone, every character traced back to what the person wrote."""

from __future__ import annotations

import pytest

from bot.replies.normalise import normalise


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("info (at) meinshop (dot) de", "info@meinshop.de"),
        ("info[at]shop[punkt]de", "info@shop.de"),
        ("name at gmail dot com", "name@gmail.com"),
        ("write to max at gmail.com please", "write to max@gmail.com please"),
        ("meinshop punkt de", "meinshop.de"),
        ("www.mein\u200bshop.de", "www.meinshop.de"),  # a zero-width space
        ("ex\u0430mple.com", "example.com"),  # a Cyrillic a
        ("ｅｘａｍｐｌｅ．ｃｏｍ", "example.com"),  # fullwidth
    ],
)
def test_disguises_are_undone(written: str, read: str) -> None:
    assert normalise(written).text == read


@pytest.mark.parametrize(
    "plain",
    [
        "le point de vue est clair",  # French "point", not a dot
        "We arrive at 10.30 tomorrow",
        "Look at home. Thanks",
        "Müller, Straße, Łódź, Göteborg, café",  # the marketplaces' own letters stay
    ],
)
def test_ordinary_writing_is_left_alone(plain: str) -> None:
    assert normalise(plain).text == plain


def test_a_finding_is_shown_on_the_original_text() -> None:
    written = "Schreiben Sie an info (at) meinshop (dot) de bitte"
    plain = normalise(written)
    start = plain.text.index("info@")
    end = start + len("info@meinshop.de")
    assert plain.original(written, start, end) == "info (at) meinshop (dot) de"


def test_digits_disguised_between_separators_and_in_kanji_are_read_as_digits() -> None:
    assert normalise("3 4 O - 5 5 2 - 8 1 7 3").text == "3 4 0 - 5 5 2 - 8 1 7 3"
    assert normalise("+49 (O) 89 / 41 7O 22 93").text == "+49 (0) 89 / 41 70 22 93"
    assert normalise("〇三―四四七一―二二八五までお電話").text == "03-4471-2285までお電話"
    assert (
        normalise("w dniu 02.12.2026 o godz. 16:05").text == "w dniu 02.12.2026 o godz. 16:05"
    )  # "o" is a word
