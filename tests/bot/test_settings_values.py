"""How one setting's text is read: comma lists and pairs, and errors named by the variable."""

from __future__ import annotations

import pytest

from bot.settings_sources import load_settings
from bot.settings_values import comma_list, comma_pairs, per_carrier


def test_comma_lists_drop_blanks_and_spaces() -> None:
    assert comma_list(" a, b,,c ,") == ["a", "b", "c"]
    assert comma_list("") == []


def test_comma_pairs_say_how_to_write_a_malformed_item() -> None:
    assert comma_pairs("de=Rechnung, en = invoice", "pairs", "de=x") == [
        ("de", "Rechnung"),
        ("en", "invoice"),
    ]
    with pytest.raises(ValueError, match=r"e\.g\. de=x"):
        comma_pairs("de=Rechnung,en", "pairs", "de=x")


def test_a_setting_that_does_not_parse_is_named_by_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INBOX_BOT_BUSINESS_HOURS", "weekdays from nine")
    with pytest.raises(Exception, match="INBOX_BOT_BUSINESS_HOURS"):
        load_settings()


def test_a_number_per_carrier_falls_back_to_the_plain_one() -> None:
    assert per_carrier("4, dhl=3, usps=6", "dhl") == 3 and per_carrier("4, dhl=3, usps=6", "gls") == 4
    assert per_carrier("usps=6", "gls") == 0 and per_carrier("", None) == 0
    with pytest.raises(ValueError, match="not a number of days"):
        per_carrier("4, dhl=soon", "dhl")


def test_notice_hours_keep_the_defaults_of_types_not_named() -> None:
    from bot.settings_values import notice_hours

    hours = notice_hours("A_to_z_claim=48, return_request=0")
    assert hours["a_to_z_claim"] == 48.0 and hours["chargeback"] == 168.0
    assert "return_request" not in hours  # 0: no clock for that type
    assert notice_hours({"chargeback": 100}) == {**notice_hours(), "chargeback": 100.0}
    with pytest.raises(ValueError, match="type=hours pairs"):
        notice_hours("a_to_z_claim")
