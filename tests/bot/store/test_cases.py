"""Amazon support cases: one row per case id, reopened when tracked again, open ones longest without news first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.store.store import Store, iso
from tests.support.clock import TEAM_TIME


def opened(
    days_ago: float, *, owner: str = "U0AGENT", summary: str = "Refund not received"
) -> dict[str, Any]:
    """The fields of a case opened (and last updated) `days_ago`."""
    at = iso(TEAM_TIME - timedelta(days=days_ago))
    return {"summary": summary, "owner": owner, "opened_at": at, "last_update_at": at, "state": "open"}


def test_a_tracked_case_is_found_by_its_id(store: Store) -> None:
    assert store.case(case_id="1234567890") is None
    store.save_case(case_id="1234567890", **opened(1))
    case = store.case(case_id="1234567890")
    assert case is not None
    assert (case["summary"], case["owner"], case["state"]) == ("Refund not received", "U0AGENT", "open")
    assert case["opened_at"] == iso(TEAM_TIME - timedelta(days=1))
    assert store.case(case_id="1234567891") is None


def test_tracking_a_closed_case_again_reopens_the_same_row(store: Store) -> None:
    store.save_case(case_id="1234567890", **opened(20))
    first = store.case(case_id="1234567890")
    assert first is not None
    store.update_case(case_id="1234567890", state="closed", closed_at=iso(TEAM_TIME - timedelta(days=5)))
    store.save_case(
        case_id="1234567890", **opened(0, owner="U0LEAD", summary="Listing blocked"), closed_at=None
    )
    again = store.case(case_id="1234567890")
    assert again is not None and again["id"] == first["id"]
    assert (again["state"], again["owner"], again["summary"], again["closed_at"]) == (
        "open",
        "U0LEAD",
        "Listing blocked",
        None,
    )
    assert again["opened_at"] == iso(TEAM_TIME)
    assert len(store.query("SELECT id FROM cases")) == 1


def test_an_update_changes_only_the_fields_given(store: Store) -> None:
    store.save_case(case_id="1234567890", **opened(3))
    store.update_case(case_id="1234567890", last_update_at=iso(TEAM_TIME), warned_at=None)
    case = store.case(case_id="1234567890")
    assert case is not None and case["last_update_at"] == iso(TEAM_TIME)
    assert (case["opened_at"], case["owner"], case["state"]) == (
        iso(TEAM_TIME - timedelta(days=3)),
        "U0AGENT",
        "open",
    )


def test_an_update_of_an_untracked_case_changes_nothing(store: Store) -> None:
    store.save_case(case_id="1234567890", **opened(3))
    store.update_case(case_id="9999999999", state="closed")
    assert store.case(case_id="9999999999") is None
    assert [c["state"] for c in store.query("SELECT state FROM cases")] == ["open"]


def test_open_cases_come_longest_without_news_first(store: Store) -> None:
    store.save_case(case_id="1000001", **opened(1))
    store.save_case(case_id="1000002", **opened(9))
    store.save_case(case_id="1000003", **opened(12))
    store.save_case(case_id="1000004", **opened(4))
    store.update_case(case_id="1000003", state="closed", closed_at=iso(TEAM_TIME))
    assert [c["case_id"] for c in store.open_cases()] == ["1000002", "1000004", "1000001"]
    store.update_case(
        case_id="1000002", last_update_at=iso(TEAM_TIME)
    )  # Amazon answered: its two weeks restart
    assert [c["case_id"] for c in store.open_cases()] == ["1000004", "1000001", "1000002"]
