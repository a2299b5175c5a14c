"""The whole bot: real Dovecot (IMAP IDLE) in, the Slack stand-in (Socket Mode + Web API) out."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail, imap_overrides, make_settings, running_bot
from tests.support.dovecot import Dovecot


async def test_mails_delivered_while_running_appear_as_cards_once_across_restarts(
    tmp_path: Path, fake_slack: FakeSlack, dovecot: Dovecot
) -> None:
    settings = make_settings(tmp_path, fake_slack, **imap_overrides(dovecot))
    dovecot.append(fixture_mail("en_shipping.eml"))  # waiting before the bot starts

    async with running_bot(settings) as deps:
        await fake_slack.wait_for(lambda: len(fake_slack.posts()) == 1)
        assert fake_slack.socket_connected.is_set()  # Socket Mode connected through apps.connections.open
        await deps.source.connected.wait()  # type: ignore[attr-defined]
        # New mail while the bot idles: IDLE wakes it, no polling interval involved.
        dovecot.append(fixture_mail("de_invoice.eml"))
        await fake_slack.wait_for(lambda: len(fake_slack.posts()) == 2, timeout=10)
        dovecot.append(fixture_mail("de_followup_aw.eml"))
        dovecot.append(fixture_mail("notice_atoz.eml"))
        dovecot.append(fixture_mail("confirmation_en.eml"))
        await fake_slack.wait_for(lambda: len(fake_slack.posts()) >= 5, timeout=10)
        await eventually(lambda: deps.store.pending_outbox_count() == 0, what="an empty outbox")

    top = fake_slack.posts("C0INBOX", top_level=True)
    assert [p["text"].split(" (")[0] for p in top] == [
        "New buyer message from John Smith",
        "Buyer Max Müller wrote again",  # the card was refreshed by the follow-up
        "A-to-z Guarantee claim — order 302-2222222-3333333",
    ]
    german_card = top[1]
    [reply] = fake_slack.posts("C0INBOX", thread_ts=german_card["ts"])
    assert "immer noch nicht da" in json.dumps(reply["blocks"], ensure_ascii=False)
    assert "Message 2 in this conversation" in json.dumps(german_card["blocks"], ensure_ascii=False)
    english_card = top[0]  # Amazon's copy of the seller's reply closes the clock, in the thread
    [note] = fake_slack.posts("C0INBOX", thread_ts=english_card["ts"])
    assert "Answered outside Slack" in note["text"]
    assert ":white_check_mark: Answered" in json.dumps(english_card["blocks"])
    assert all(b"\\Seen" not in f for f in dovecot.flags())  # the mailbox is left as it was

    def cards_posted() -> int:  # top-level posts only: the 24-hour clock's reminders go into threads
        return len([c for c in fake_slack.calls_of("chat.postMessage") if not c.get("thread_ts")])

    posted = cards_posted()
    async with running_bot(settings) as deps:  # restart: nothing read twice
        dovecot.append(fixture_mail("fr_damaged.eml"))
        await fake_slack.wait_for(lambda: len(fake_slack.posts(top_level=True)) == 4, timeout=10)
        await eventually(lambda: deps.store.pending_outbox_count() == 0, what="an empty outbox")
    assert cards_posted() == posted + 1
    assert "Camille Dupont" in fake_slack.posts(top_level=True)[-1]["text"]


async def test_processed_mail_can_be_moved_when_configured(
    tmp_path: Path, fake_slack: FakeSlack, dovecot: Dovecot
) -> None:
    client = dovecot.client()
    client.create("Processed")
    client.logout()
    settings = make_settings(tmp_path, fake_slack, imap_move_to="Processed", **imap_overrides(dovecot))
    dovecot.append(fixture_mail("it_generic.eml"))
    async with running_bot(settings):
        await fake_slack.wait_for(lambda: len(fake_slack.posts()) == 1)
        await eventually(lambda: dovecot.count("INBOX") == 0, what="the mail to leave INBOX")
    assert dovecot.count("INBOX") == 0 and dovecot.count("Processed") == 1
    c = dovecot.client()
    c.delete("Processed")
    c.logout()


async def test_web_api_calls_share_pooled_connections(tmp_path: Path, fake_slack: FakeSlack) -> None:
    """Posts, updates and the listeners' calls reuse keep-alive connections instead of one connection (and TLS
    handshake) per call."""
    from bot.sandbox.people import People
    from bot.sandbox.world import deliver

    settings = make_settings(tmp_path, fake_slack)
    async with running_bot(settings) as deps:
        for name in ("de_invoice.eml", "fr_damaged.eml", "en_shipping.eml"):
            deliver(settings.mail_directory, fixture_mail(name))
        await fake_slack.wait_for(lambda: len(fake_slack.posts(top_level=True)) == 3, timeout=10)
        card = fake_slack.posts(top_level=True)[0]
        for n, value in enumerate(("claim", "release", "claim"), start=1):
            await People(fake_slack).click(
                user="U0AGENT", channel="C0INBOX", message_ts=card["ts"], action_id="claim", value=value
            )  # each click's redraw is awaited, so none is coalesced with the next
            await eventually(lambda n=n: len(fake_slack.calls_of("chat.update")) == n, what=f"redraw {n}")
        await eventually(lambda: deps.store.pending_outbox_count() == 0, what="an empty outbox")
    calls = Counter(m for m, _ in fake_slack.calls if m != "apps.connections.open")
    # the design fixes these: auth.test at start and once more by Bolt's authorisation of the first click,
    # one post per card, one update per click
    assert calls == {"auth.test": 2, "chat.postMessage": 3, "chat.update": 3}, calls
    assert len(fake_slack.api_connections) <= 3, fake_slack.api_connections
