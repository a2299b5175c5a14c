"""Building the guard's model: the held-out set stays out, every row is labelled, the threshold keeps false refusals low."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.replies.guard_train import HELD_OUT, choose_threshold, corpus


def write(path: Path, rows: list[dict[str, str]]) -> None:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")


def test_the_held_out_set_is_never_read_for_training(tmp_path: Path) -> None:
    write(tmp_path / "forbidden.jsonl", [{"text": "a", "label": "forbidden", "lang": "de"}])
    write(tmp_path / f"{HELD_OUT[0]}forbidden.jsonl", [{"text": "b", "label": "forbidden", "lang": "de"}])
    rows = corpus(tmp_path)
    assert [(r["text"], r["group"]) for r in rows] == [("a", "tuning")]


def test_a_row_without_a_label_is_refused_with_its_line(tmp_path: Path) -> None:
    write(tmp_path / "legitimate.jsonl", [{"text": "a", "label": "legitimate"}, {"text": "b"}])
    with pytest.raises(ValueError, match=r"legitimate\.jsonl:2"):
        corpus(tmp_path)


def test_the_threshold_is_the_lowest_that_keeps_unseen_false_refusals_under_the_target() -> None:
    rows = [{"label": "legitimate"}] * 100 + [{"label": "forbidden"}] * 10
    probabilities = [0.1] * 97 + [0.6, 0.7, 0.9] + [0.95] * 10
    threshold, figures = choose_threshold(rows, probabilities)
    assert (
        threshold == 0.625
    )  # 0.6 would refuse three legitimate texts of 100 (3 %), 0.625 two (2 %, the target)
    assert figures["unseen_wrong"] == 0.02 and figures["unseen_refused"] == 1.0
