"""Each account's templates folder and signature."""

from __future__ import annotations

from pathlib import Path

from bot.accounts import Accounts
from bot.replies.library import Library
from bot.replies.per_account import ReplyAccounts
from bot.settings_sources import load_settings


def test_an_account_with_a_folder_of_its_own_gets_its_templates_the_others_share_the_first(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "brand-us"
    (folder / "en").mkdir(parents=True)
    shipped = (Path(__file__).resolve().parents[3] / "templates/en/acknowledgement.j2").read_text()
    (folder / "en" / "acknowledgement.j2").write_text(
        shipped.replace("title: 'Acknowledgement: we are on it'", "title: 'Thanks (US)'")
    )
    settings = load_settings(
        slack_channel="C0",
        reply_signature="Brand EU",
        accounts=[
            {"name": "EU"},
            {"name": "US", "templates": str(folder), "signature": "Brand US Support", "imap_user": "us"},
            {"name": "UK", "imap_user": "uk"},
        ],
    )
    first = Library.load(strict=False)
    replies = ReplyAccounts(Accounts.from_settings(settings), first)
    assert (
        replies.library(None) is first and replies.library("UK") is first and replies.library("Gone") is first
    )
    us = replies.library("US")
    assert us is not first and us.get("acknowledgement", "en")[0].title == "Thanks (US)"
    assert first.get("acknowledgement", "en")[0].title != "Thanks (US)"
    assert replies.signature("US") == "Brand US Support" and replies.signature(None) == "Brand EU"
    assert replies.signature("UK") == "Brand EU"  # inherited
