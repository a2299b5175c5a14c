"""Reply templates: every template in every language against its golden file, strictness, fallbacks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.replies.context import reply_context, sample_context
from bot.replies.library import Library, TemplateProblem, parse_template

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "templates"
LIBRARY = Library.load()
ALL = sorted(LIBRARY.templates)


@pytest.mark.parametrize(("key", "language"), ALL, ids=[f"{lang}/{key}" for key, lang in ALL])
def test_every_template_renders_as_its_golden_file(key: str, language: str) -> None:
    text = LIBRARY.render(key, language, sample_context(language)).text
    golden = GOLDEN / language / f"{key}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text + "\n", encoding="utf-8")
    assert golden.exists(), f"no golden file {golden}: run with UPDATE_GOLDEN=1 and review it"
    assert text + "\n" == golden.read_text(encoding="utf-8")


def test_german_and_english_are_complete_and_the_frequent_intents_exist_in_fr_it_es() -> None:
    keys = set(LIBRARY.template_keys())
    assert {k for k, lang in ALL if lang == "de"} == keys == {k for k, lang in ALL if lang == "en"}
    assert len(keys) >= 17
    for lang in ("fr", "it", "es"):
        assert {"invoice_request", "where_is_my_order", "damaged", "return_refund"} <= set(
            k for k, lg in ALL if lg == lang
        )


def test_a_missing_value_is_refused_with_what_is_missing() -> None:
    ctx = sample_context("de")
    del ctx["tracking_number"]
    with pytest.raises(TemplateProblem, match="needs tracking_number"):
        LIBRARY.render("where_is_my_order", "de", ctx)
    ctx = sample_context("de")
    del ctx["signature"]
    with pytest.raises(TemplateProblem, match="signature"):  # StrictUndefined: never a blank in a reply
        LIBRARY.render("acknowledgement", "de", ctx)


def test_optional_values_are_left_out_cleanly() -> None:
    ctx = {
        k: v
        for k, v in sample_context("en").items()
        if k not in ("buyer_name", "tracking_status", "expected_delivery")
    }
    text = LIBRARY.render("where_is_my_order", "en", ctx).text
    assert text.startswith("Hello,\n") and "Current status" not in text and "expected" not in text


def test_missing_language_falls_back_to_english_and_says_so() -> None:
    rendered = LIBRARY.render("wrong_item", "it", sample_context("it"))
    assert rendered.language_fallback and rendered.template.language == "en"
    assert not LIBRARY.render("damaged", "it", sample_context("it")).language_fallback


def test_templates_for_intents_come_in_intent_order() -> None:
    keys = [t.key for t in LIBRARY.for_intents(["where_is_my_order", "invoice_request"], "de")]
    assert keys[:2] == ["late_or_lost", "where_is_my_order"] or keys[:2] == [
        "where_is_my_order",
        "late_or_lost",
    ]
    assert "invoice_request" in keys and keys.index("invoice_request") > keys.index("where_is_my_order")


def test_the_sandbox_refuses_unsafe_template_code() -> None:
    library = Library()
    library.add(parse_template("---\ntitle: x\n---\n{{ ''.__class__.__mro__ }}", key="evil", language="en"))
    with pytest.raises(TemplateProblem, match="broken"):
        library.render("evil", "en", {})


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no front matter", "no front matter"),
        ("---\n: [\n---\nbody", "not valid YAML"),
        ("---\nlabel: x\n---\nbody", "needs at least a title"),
        ("---\ntitle: t\nlabel: " + "x" * 80 + "\n---\nbody", "Slack buttons take 75"),
    ],
)
def test_broken_front_matter_is_explained(text: str, problem: str) -> None:
    with pytest.raises(TemplateProblem, match=problem):
        parse_template(text, key="k", language="en")


def test_context_from_a_conversation_uses_the_buyers_locale() -> None:
    from datetime import UTC, datetime

    from bot.services.carriers.model import Status, Tracking

    pkg = Tracking(
        "dhl",
        "00340434161094042557",
        Status.IN_TRANSIT,
        link="https://dhl.de/x",
        estimated_delivery=datetime(2026, 11, 27, tzinfo=UTC),
    )
    ctx = reply_context(
        {"buyer_name": "Max Müller", "order_id": "302-1234567-1234567", "language": "de"},
        packages=[pkg],
        signature="Shop",
    )
    assert ctx["expected_delivery"] == "27. November 2026" and ctx["tracking_status"] == "unterwegs"
    assert ctx["carrier_name"] == "DHL" and "items" not in ctx
    assert reply_context({"language": "fr"}, packages=[pkg])["expected_delivery"] == "27 novembre 2026"
