"""The claim card's *Evidence for the appeal* through the app: the block and the file in the claim's thread; a click
from a card that is no claim is refused to the person only, and nothing is gathered."""

from __future__ import annotations

from bot.mail.source import IncomingMail
from tests.conftest import fixture_mail
from tests.support.desk import Desk


async def claim_card(desk: Desk, name: str = "notice_atoz.eml") -> dict[str, object]:
    before = len(desk.slack.posts("C0INBOX", top_level=True))
    await desk.deps.intake.handle(IncomingMail(fixture_mail(name), name, desk.deps.clock.now()))
    await desk.slack.wait_for(lambda: len(desk.slack.posts("C0INBOX", top_level=True)) > before)
    return desk.slack.posts("C0INBOX", top_level=True)[-1]


async def test_the_evidence_button_posts_the_block_and_the_file_in_the_claims_thread(desk: Desk) -> None:
    card = await claim_card(desk)
    assert "A-bis-z" in str(card["text"]) or "A-to-z" in str(card["text"])
    await desk.click("U0AGENT", "claim_evidence", ts=str(card["ts"]))

    def thread() -> list[dict[str, object]]:
        return desk.slack.posts("C0INBOX", thread_ts=str(card["ts"]))

    await desk.slack.wait_for(lambda: any(p.get("files") for p in thread()), timeout=15)
    [note] = [p for p in thread() if "Evidence for the appeal" in str(p["text"]) and not p.get("files")]
    assert "Order details are not available" in str(note["blocks"])  # no SP-API here: said, not hidden
    [shared] = [p for p in thread() if p.get("files")]
    [file] = shared["files"]
    assert file["name"] == "claim-302-2222222-3333333.txt"
    assert (
        desk.slack.files[file["id"]]["data"]
        .decode()
        .startswith("Evidence for the appeal: A-to-z Guarantee claim")
    )


async def test_a_button_on_a_card_that_is_no_claim_is_refused_to_the_person_only(desk: Desk) -> None:
    claim = await claim_card(desk)
    [button] = [b for b in claim["blocks"] if b.get("block_id") == "claim_actions"]
    desk.card["blocks"].append(button)  # the button on the buyer's card, as a forged click would claim
    await desk.click("U0AGENT", "claim_evidence")
    assert "belongs to no A-to-z claim" in await desk.told("U0AGENT")
    returns = await claim_card(desk, "notice_return.eml")
    returns["blocks"].append(button)
    await desk.click("U0AGENT", "claim_evidence", ts=str(returns["ts"]))
    assert "A-to-z claims and chargebacks only" in await desk.told("U0AGENT", 2)
    assert list(desk.deps.store.query("SELECT * FROM evidence ORDER BY id")) == []
