"""How one setting's text is read: comma lists and pairs, and errors named by the variable."""

from __future__ import annotations

import pytest

from bot.settings_sources import load_settings
from bot.settings_values import comma_list, comma_pairs


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
