"""The parser on the frozen mail sets (tests/fixtures/mail_eval): figures that must not fall, and the scorer itself."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.mail.model import MailKind
from bot.mail.parse_eval import Score, evaluate, main, score_mail

SETS = Path(__file__).resolve().parents[2] / "fixtures" / "mail_eval"


def parsed(**kw: object) -> SimpleNamespace:
    base: dict[str, object] = {
        "kind": MailKind.AMAZON_NOTICE,
        "notice_type": "refund_issued",
        "order_id": "302-1-1",
        "language": "de",
        "marketplace": "amazon.de",
        "buyer_name": "Max Müller",
        "text": "Rückerstattung 12,00 €",
    }
    return SimpleNamespace(**{**base, **kw})


def test_the_scorer_counts_each_field_and_names_the_misses() -> None:
    label = {
        "file": "x.eml",
        "kind": "amazon_notice",
        "notice_type": "refund",
        "order_id": "302-1-1",
        "language": "de",
        "marketplace": "amazon.de",
        "buyer_name": "Max",
        "text_must_contain": ["12,00 €"],
        "text_must_not_contain": ["Amazon EU"],
    }
    score = Score()
    score_mail(score, label, parsed())
    assert all(score.rate(f) == 1.0 for f in score.hits) and score.misses == []
    score_mail(score, label, parsed(notice_type="other_notice", text="Amazon EU S.à r.l.", buyer_name=None))
    assert (
        score.rate("notice_type") == 0.5
        and score.rate("contains") == 0.5
        and score.rate("not_contains") == 0.5
    )
    assert any(m.startswith("x.eml buyer_name") for m in score.misses)
    other = Score()
    score_mail(other, {"file": "y", "kind": "other"}, parsed(kind=MailKind.SUSPICIOUS))
    assert other.checks["kind"] == 1 and other.hits["kind"] == 1 and other.checks["order_id"] == 0


# v1 was used for tuning (its README says so): these floors keep what was reached, not an unseen figure.
V1_FLOORS = {
    "kind": 1.0,
    "notice_type": 21
    / 22,  # its 020 (a claim *decided*, A_Z_CLAIM_RESPONDENT_CLOSE) opens no new claim clock here
    "order_id": 1.0,
    "language": 1.0,
    "marketplace": 1.0,
    "buyer_name": 0.95,
    "contains": 1.0,
    "not_contains": 0.85,
}


@pytest.mark.parametrize(("name", "floor"), V1_FLOORS.items())
def test_tuning_set_v1_stays_where_it_was_brought(name: str, floor: float) -> None:
    assert evaluate(SETS / "v1").rate(name) >= floor


def test_the_command_prints_a_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(SETS / "v1")]) == 0
    assert "kind: 48/48 (100%)" in capsys.readouterr().out


# v2 was measured once, unseen, after the tuning on v1 and never tuned on: its figures as they were then.
V2_FLOORS = {
    "kind": 39 / 40,
    "notice_type": 15 / 18,
    "order_id": 1.0,
    "language": 1.0,
    "marketplace": 1.0,
    "buyer_name": 27 / 28,
    "contains": 1.0,
    "not_contains": 84 / 90,
}


@pytest.mark.parametrize(("name", "floor"), V2_FLOORS.items())
def test_unseen_set_v2_does_not_fall(name: str, floor: float) -> None:
    assert evaluate(SETS / "v2").rate(name) >= floor - 1e-9
