"""Every mailbox the bot reads: the first account's (or the configured folder), and each other Amazon account's own
(bot/accounts.py), with the notice each posts in its account's channel when it cannot be read."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.accounts import Accounts
from bot.clock.clocks import Clock
from bot.errors import StartupError
from bot.mail.source import DirectorySource, ImapSource, IncomingMail, MailSource, QuotaCallback
from bot.services.slack import SlackError, SlackGateway
from bot.settings import Settings
from bot.store.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")


QuotaFor = Callable[[int, int, str | None], object]  # (used KiB, limit KiB, account): the watchdog's quota


def first_mailbox(
    accounts: Accounts, store: Store, clock: Clock, slack: SlackGateway, *, on_quota: QuotaFor
) -> MailSource:
    """The first account's mailbox, or the folder INBOX_BOT_MAIL_DIRECTORY names."""
    settings = accounts.first
    if settings.mail_source == "directory":
        if settings.mail_directory is None:
            raise StartupError("INBOX_BOT_MAIL_DIRECTORY is required with INBOX_BOT_MAIL_SOURCE=directory")
        return DirectorySource(settings.mail_directory, store, max_bytes=settings.max_mail_bytes)
    whose = accounts.first_name if accounts.several else ""
    notice = mailbox_notice(settings, slack, whose)
    return ImapSource(settings, store, clock, on_status=notice, on_quota=_quota_of(on_quota, None))


def other_mailboxes(
    accounts: Accounts, store: Store, clock: Clock, slack: SlackGateway, *, on_quota: QuotaFor
) -> dict[str, MailSource]:
    """The other accounts' own mailboxes by account (an account sharing a mailbox reads none of its own)."""
    found: dict[str, MailSource] = {}
    for name in accounts.mailboxes().values():
        theirs = accounts.settings_for(name)
        if name is not None and theirs.mail_source == "imap":
            notice = mailbox_notice(theirs, slack, name)
            found[name] = ImapSource(
                theirs, store, clock, on_status=notice, on_quota=_quota_of(on_quota, name)
            )
    return found


def _quota_of(on_quota: QuotaFor, account: str | None) -> QuotaCallback:
    """The fill level of one account's mailbox, told with the account's name."""

    def told(used_kib: int, limit_kib: int) -> object:
        return on_quota(used_kib, limit_kib, account)

    return told


def for_account(
    handle: Callable[[list[IncomingMail]], Awaitable[T]], account: str
) -> Callable[[list[IncomingMail]], Awaitable[T]]:
    """Intake for the mails of an account's own mailbox: each mail says whose mailbox it came from."""

    async def run(mails: list[IncomingMail]) -> T:
        return await handle([dataclasses.replace(mail, account=account) for mail in mails])

    return run


def mailbox_notice(
    settings: Settings, slack: SlackGateway, account: str = ""
) -> Callable[[str, str | None], Awaitable[None]]:
    """What the channel is told when the mailbox goes down ('down') and when it can be read again."""
    whose = f"The mailbox of {account}" if account else "The mailbox"

    async def notify(state: str, problem: str | None) -> None:
        text = (
            f":warning: {whose} cannot be read: {problem}. Buyer messages are not arriving; retrying."
            if state == "down"
            else f":white_check_mark: {whose} is readable again; catching up on waiting mails."
        )
        try:
            await slack.post(channel=settings.slack_channel, text=text)
        except SlackError as e:
            log.error("could not tell the channel about the mailbox (%s): %s", state, e)

    return notify
