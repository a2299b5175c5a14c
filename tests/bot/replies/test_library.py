"""Reply templates: every template in every language against its golden file, strictness, fallbacks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.replies.context import reply_context, sample_context
from bot.replies.library import Library, TemplateProblem, parse_follow_up, parse_template

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


def test_every_marketplace_language_has_every_template() -> None:
    keys = set(LIBRARY.template_keys())
    assert len(keys) >= 18
    for lang in ("de", "en", "fr", "it", "es", "nl", "pl", "sv", "pt", "ja"):
        assert {k for k, lg in ALL if lg == lang} == keys, lang


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
    # Turkish (amazon.com.tr) has no templates
    rendered = LIBRARY.render("wrong_item", "tr", sample_context("tr"))
    assert rendered.language_fallback and rendered.template.language == "en"
    assert not LIBRARY.render("damaged", "it", sample_context("it")).language_fallback


def test_templates_for_intents_come_in_intent_order() -> None:
    keys = [t.key for t in LIBRARY.for_intents(["where_is_my_order", "invoice_request"], "de")]
    for_wismo = {"buyer_away", "fba_delivery", "late_or_lost", "returned_to_sender", "where_is_my_order"}
    assert set(keys[: len(for_wismo)]) == for_wismo  # every template answering where-is-my-order, first
    assert "invoice_request" in keys and keys.index("invoice_request") > keys.index("where_is_my_order")


def test_the_sandbox_refuses_unsafe_template_code() -> None:
    library = Library()
    library.add(parse_template("---\ntitle: x\n---\n{{ ''.__class__.__mro__ }}", key="evil", language="en"))
    with pytest.raises(TemplateProblem, match="broken"):
        library.render("evil", "en", {})


def test_follow_up_durations_read_as_hours_and_nonsense_is_refused() -> None:
    assert [parse_follow_up(v) for v in ("48h", "2d", "90m", 24, "1.5", None, False, "none")] == [
        48.0,
        48.0,
        1.5,
        24.0,
        1.5,
        None,
        None,
        None,
    ]
    for bad in ("soon", "15d", "-2h", "0.001m"):
        with pytest.raises(ValueError):
            parse_follow_up(bad)


def test_templates_that_promise_something_carry_a_follow_up_in_every_language() -> None:
    library = Library.load()
    for key in ("damaged", "wrong_item", "acknowledgement", "address_change"):
        for language in library.languages(key):
            assert library.get(key, language)[0].follow_up_hours, f"{language}/{key}"
    assert library.get("invoice_request", "de")[0].follow_up_hours is None  # an invoice promises nothing


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


# ---- the team's own folder ----

OWN_INVOICE = """---
title: Rechnung (unsere)
label: Rechnung senden
intents: [invoice_request]
---
Hallo {{ buyer_name }}, hier ist unsere eigene Rechnungsantwort zu {{ order_id }}.
"""
GIFT_WRAP = """---
title: Geschenkverpackung
---
Hallo {{ buyer_name }}, eine Geschenkverpackung ist leider nicht möglich.
"""


def team_folder(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_a_team_folder_overrides_and_adds_and_leaves_the_rest_shipped(tmp_path: Path) -> None:
    team = team_folder(tmp_path, {"de/invoice_request.j2": OWN_INVOICE, "de/gift_wrap.j2": GIFT_WRAP})
    library = Library.load(overlay=team)
    shipped = Library.load()
    context = sample_context("de")
    assert "unsere eigene Rechnungsantwort" in library.render("invoice_request", "de", context).text
    assert (
        library.render("invoice_request", "en", context).text
        == shipped.render("invoice_request", "en", context).text
    )
    assert "gift_wrap" in library.template_keys() and "gift_wrap" not in shipped.template_keys()
    assert library.get("damaged", "de")[0] is library.shipped[("damaged", "de")]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("---\ntitle: [unclosed\n---\nHallo\n", 2),  # YAML: the front matter's line
        (
            "---\ntitle: Gut\nintents: [damaged]\n---\nHallo\n\n{% if buyer_name %}\nkein endif\n",
            7,
        ),  # the open if
        ("Hallo ohne Kopf\n", 1),
        ("---\ntitle: Gut\nsafe: false\nfollow_up: bald\n---\nHallo\n", 4),  # not a duration
    ],
)
def test_a_broken_team_file_is_refused_with_its_file_and_line(tmp_path: Path, text: str, line: int) -> None:
    team = team_folder(tmp_path, {"de/damaged.j2": text})
    with pytest.raises(TemplateProblem) as refused:
        Library.load(overlay=team)
    assert f"de/damaged.j2:{line}:" in str(refused.value)


def test_the_running_bot_reloads_a_changed_folder_and_keeps_the_last_good_one(tmp_path: Path) -> None:
    team = team_folder(tmp_path, {"de/invoice_request.j2": OWN_INVOICE})
    library = Library.load(overlay=team)
    path = team / "de" / "invoice_request.j2"
    path.write_text(OWN_INVOICE.replace("eigene", "neue"), encoding="utf-8")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert library.refresh(force=True)
    assert (
        "unsere neue Rechnungsantwort" in library.render("invoice_request", "de", sample_context("de")).text
    )
    path.write_text("---\ntitle: x\n---\n{% for %}\n", encoding="utf-8")
    assert not library.refresh(force=True)  # broken: refused as a whole
    assert library.problem is not None and "de/invoice_request.j2:4:" in library.problem
    assert (
        "unsere neue Rechnungsantwort" in library.render("invoice_request", "de", sample_context("de")).text
    )
    (team / "de" / "invoice_request.j2").unlink()
    assert library.refresh(force=True) and library.problem is None  # the file gone: the shipped one again
    assert library.get("invoice_request", "de")[0] is library.shipped[("invoice_request", "de")]
    assert not library.refresh()  # looked just now: no second look within RELOAD_EVERY


def test_the_bot_starts_on_the_shipped_templates_when_the_team_folder_is_broken(tmp_path: Path) -> None:
    team = team_folder(tmp_path, {"de/damaged.j2": "kein Kopf\n"})
    library = Library.load(overlay=team, strict=False)
    assert library.problem is not None and "de/damaged.j2:1:" in library.problem
    assert library.get("damaged", "de")[0] is library.shipped[("damaged", "de")]
    with pytest.raises(TemplateProblem, match="is not a folder"):
        Library.load(overlay=tmp_path / "missing")


def test_export_copies_the_shipped_templates_once(tmp_path: Path) -> None:
    from bot.replies.library import export, lint

    written = export(tmp_path / "ours")
    assert (tmp_path / "ours" / "de" / "damaged.j2").read_text(encoding="utf-8") == (
        Path(str(Library.load().get("damaged", "de")[0].path)).read_text(encoding="utf-8")
    )
    assert len(written) == len(Library.load().templates)
    with pytest.raises(TemplateProblem, match="use --force"):
        export(tmp_path / "ours")
    assert len(export(tmp_path / "ours", force=True)) == len(written)
    assert lint(Library.load(overlay=tmp_path / "ours")) == []
