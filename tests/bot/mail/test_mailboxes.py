"""The mailboxes read: the first account's and each other account's own, mails tagged with their account."""

from __future__ import annotations

from pathlib import Path

from slack_sdk.web.async_client import AsyncWebClient

from bot.accounts import Accounts
from bot.clock.clocks import FakeClock
from bot.mail.mailboxes import first_mailbox, for_account, mailbox_notice, other_mailboxes
from bot.mail.source import DirectorySource, ImapSource, IncomingMail
from bot.sandbox.slack_api import FakeSlack
from bot.services.slack import SlackGateway
from bot.settings_sources import load_settings
from bot.store.store import Store
from tests.support.postgres import database_url_of


def quota(used: int, limit: int, account: str | None = None) -> None:
    return None


async def test_each_account_with_a_mailbox_of_its_own_gets_a_reader_and_its_notices_name_it(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.channels.add("C0US")
    settings = load_settings(
        database_path=tmp_path / "bot.db",
        slack_channel="C0INBOX",
        mail_source="imap",
        imap_host="imap.example",
        imap_user="eu",
        accounts=[
            {"name": "EU", "marketplaces": ["amazon.de"]},
            {"name": "UK", "marketplaces": ["amazon.co.uk"]},  # shares the EU mailbox
            {"name": "US", "imap_user": "us", "channel": "C0US"},
        ],
    )
    accounts = Accounts.from_settings(settings)
    store = Store.connect(database_url_of(tmp_path), clock=FakeClock())
    slack = SlackGateway(AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url))
    first = first_mailbox(accounts, store, FakeClock(), slack, on_quota=quota)
    others = other_mailboxes(accounts, store, FakeClock(), slack, on_quota=quota)
    assert isinstance(first, ImapSource) and first.name.startswith("imap:eu@")
    assert list(others) == ["US"] and others["US"].name.startswith("imap:us@imap.example")

    us = others["US"]
    assert isinstance(us, ImapSource) and us.on_status is not None
    await us.on_status("down", "login refused")
    [said] = fake_slack.posts("C0US")
    assert said["text"].startswith(":warning: The mailbox of US cannot be read: login refused")
    store.close()


async def test_a_folder_source_and_mails_tagged_with_their_account(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    settings = load_settings(
        slack_channel="C0INBOX", mail_source="directory", mail_directory=tmp_path / "mail"
    )
    accounts = Accounts.from_settings(settings)
    store = Store.connect(database_url_of(tmp_path), clock=FakeClock())
    slack = SlackGateway(AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url))
    assert isinstance(first_mailbox(accounts, store, FakeClock(), slack, on_quota=quota), DirectorySource)
    assert other_mailboxes(accounts, store, FakeClock(), slack, on_quota=quota) == {}
    seen: list[IncomingMail] = []

    async def handle(mails: list[IncomingMail]) -> int:
        seen.extend(mails)
        return len(mails)

    assert await for_account(handle, "US")([IncomingMail(b"x", "r1"), IncomingMail(b"y", "r2")]) == 2
    assert [(m.source_ref, m.account) for m in seen] == [("r1", "US"), ("r2", "US")]
    await mailbox_notice(settings, slack)("up", None)
    assert fake_slack.posts("C0INBOX")[0]["text"] == (
        ":white_check_mark: The mailbox is readable again; catching up on waiting mails."
    )
    store.close()
