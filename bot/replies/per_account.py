"""What replies take from their conversation's Amazon account (bot/accounts.py): its templates folder and signature."""

from __future__ import annotations

import logging

from bot.accounts import Accounts
from bot.replies.library import Library

log = logging.getLogger(__name__)


class ReplyAccounts:
    """Each account's template library (loaded once, only where its folder differs) and signature."""

    def __init__(self, accounts: Accounts, first: Library) -> None:
        self.accounts = accounts
        self.first = first
        self._libraries: dict[str | None, Library] = {None: first}
        for name in accounts.others:
            folder = accounts.settings_for(name).template_dir
            same = folder == accounts.first.template_dir
            self._libraries[name] = first if same else Library.load(overlay=folder, strict=False)

    def library(self, account: str | None) -> Library:
        """The templates of an account (the first account's for one no longer configured)."""
        return self._libraries.get(account, self.first)

    def signature(self, account: str | None) -> str:
        """How an account's replies are signed."""
        return self.accounts.settings_for(account).reply_signature
