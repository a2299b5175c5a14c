"""Reply drafts: stored with everything their send needs, found by an unguessable key, purged with their conversation."""

from __future__ import annotations

from bot.clock.clocks import FakeClock
from bot.store.retention import purge
from bot.store.store import Store
from tests.support.clock import TEAM_TIME


def test_a_draft_is_kept_whole_under_a_random_key_and_goes_with_its_conversation(database_url: str) -> None:
    clock = FakeClock(TEAM_TIME)
    store = Store.connect(database_url, clock=clock)
    conv = store.create_conversation(key="k", kind="buyer", last_message_at="2026-11-20T10:00:00+00:00")
    text = "Sehr geehrter Herr Müller, " + "Grüße aus Köln – äöüß " * 120  # far beyond a modal's 3,000 bytes
    key = store.create_draft(
        conversation_id=conv,
        user="U0AGENT",
        reply_to_row=None,
        text=text,
        template="invoice_resent",
        language="de",
        attachments=["/invoices/RE-0042.pdf"],
    )
    again = store.create_draft(conversation_id=conv, user="U0AGENT", reply_to_row=None, text="")
    assert len(key) == 32 and key != again and int(key, 16) >= 0
    draft = store.draft(key=key)
    assert draft is not None
    assert (draft["text"], draft["attachments"], draft["template"], draft["language"], draft["user"]) == (
        text,
        ["/invoices/RE-0042.pdf"],
        "invoice_resent",
        "de",
        "U0AGENT",
    )
    assert store.draft(key="0" * 32) is None
    store.settle(conversation_id=conv, by="U0AGENT")
    clock.advance(days=31)
    purge(store, clock.now(), 30)
    assert store.draft(key=key) is None and store.draft(key=again) is None  # personal data goes with the rest
