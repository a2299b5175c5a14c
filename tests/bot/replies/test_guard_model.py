"""The guard's model: read from its file, consulted only when no rule spoke, pointing at a sentence, warning only."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bot.mail.intent_model import LinearModel
from bot.replies.guard import Policy
from bot.replies.guard_model import SHIPPED_MODEL, GuardModel, guard_features, shipped_guard_model

# a hand-made model: "plauderei" (a word no rule knows) pushes towards forbidden, everything else is neutral
TOY = {
    "classes": ["forbidden", "legitimate"],
    "features": ["w:plauderei", "w:paket"],
    "idf": [1.0, 1.0],
    "weights": [[0.0, -8.0], [0.0, 0.5]],
    "intercept": [0.0, 1.0],
    "meta": {"threshold": 0.8},
}
LONG_OK = "Guten Tag, Ihr Paket ist heute bei uns eingegangen und wird morgen früh mit DHL an Sie verschickt."


def toy_policy(**kwargs: object) -> Policy:
    model = GuardModel(LinearModel.from_json(TOY, guard_features), 0.8)
    return Policy(model=model, **kwargs)  # type: ignore[arg-type]


def test_the_shipped_model_loads_with_a_threshold_chosen_on_left_out_sets() -> None:
    model = shipped_guard_model()
    assert 0.5 <= model.threshold < 1.0
    assert model.model.meta["held_out"] == ["frozen4_"]  # the held-out set was never trained on
    assert float(model.model.meta["unseen_wrong"]) <= 0.02  # type: ignore[arg-type]


def test_a_sentence_the_model_finds_suspicious_only_warns_and_is_named() -> None:
    text = LONG_OK + " Zum Schluss noch eine kleine Plauderei über unser Team und alles weitere dazu."
    found = toy_policy().check(text)
    assert [v.rule for v in found] == ["suspicious_wording"]
    assert found[0].severity == "warn"
    assert "Plauderei" in found[0].excerpt and "Paket" not in found[0].excerpt


def test_an_ordinary_reply_passes_the_model() -> None:
    assert toy_policy().check(LONG_OK) == []


def test_the_model_is_not_asked_about_short_replies_or_when_a_rule_spoke() -> None:
    assert toy_policy().check("Plauderei über das Paket.") == []  # too short to judge
    found = toy_policy().check(
        LONG_OK + " Plauderei gern auch unter info@example-shop.de, schreiben Sie uns."
    )
    assert "suspicious_wording" not in [v.rule for v in found] and "email_address" in [v.rule for v in found]


def test_a_rule_the_team_switched_off_does_not_hand_its_text_to_the_model() -> None:
    text = LONG_OK + " Plauderei gern auch unter info@example-shop.de, schreiben Sie uns."
    assert toy_policy(disabled={"email_address"}).check(text) == []


def test_the_team_can_switch_the_model_off() -> None:
    text = LONG_OK + " Zum Schluss noch eine kleine Plauderei über unser Team und alles weitere dazu."
    assert toy_policy(disabled={"suspicious_wording"}).check(text) == []


def test_a_damaged_model_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "m.json.gz"
    with gzip.open(bad, "wt", encoding="utf-8") as f:
        json.dump({**TOY, "idf": [1.0]}, f)
    with pytest.raises(ValueError):
        LinearModel.load(bad, guard_features)
    assert SHIPPED_MODEL.exists()
