"""The claim's Block Kit: dated windows (the passed struck through, the next marked), the evidence button, the window
note, and the evidence block in code blocks within Slack's limits."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.cards.card import CardTime
from bot.cards.claims import claim_blocks, evidence_filename, evidence_label, evidence_note, window_note
from bot.clock.claims import claim_windows
from tests.bot.cards.conftest import AT, conv, refused
from tests.support.clock import BERLIN, TEAM_TIME

RECEIVED = TEAM_TIME - timedelta(hours=49)  # the contact window passed an hour ago


def claim(**kw: object) -> dict[str, object]:
    return conv(**{"kind": "notice", "notice_type": "a_to_z_claim", **kw})


def test_the_card_lists_every_window_with_its_date_marking_passed_and_next() -> None:
    windows = claim_windows("a_to_z_claim", RECEIVED)
    blocks = claim_blocks(claim(), windows, AT)
    assert refused(blocks) == []
    lines = blocks[0]["text"]["text"].split("\n")
    assert lines[0] == "*Claim windows* (from the claim's arrival)"
    assert lines[1].startswith(":heavy_check_mark: ~Contact the buyer~ by <!date^") and lines[1].endswith(
        "_(passed)_"
    )
    assert lines[2].startswith(":arrow_forward: *Respond to Amazon* by") and lines[2].endswith(
        "(23 h 0 min left)"
    )
    assert lines[3].startswith(":white_small_square: Appeal possible from")
    assert lines[4].startswith(":white_small_square: Amazon decides around")
    assert "|Thu 26 Nov 09:00 CET>" in lines[1]  # the team's time in the fallback
    [button] = blocks[1]["elements"]
    assert button["action_id"] == "claim_evidence" and button["text"]["text"] == "Evidence for the appeal"
    assert (
        "A-to-z: solved" in blocks[2]["elements"][0]["text"]
        and "offering anything" in blocks[2]["elements"][0]["text"]
    )


def test_a_handled_claim_shows_its_windows_without_reminders_or_the_withdrawal_hint() -> None:
    blocks = claim_blocks(claim(state="closed"), claim_windows("a_to_z_claim", RECEIVED), AT)
    text = blocks[0]["text"]["text"]
    assert "handled: no more reminders" in text and ":arrow_forward:" not in text
    assert len(blocks) == 2 and blocks[1]["elements"][0]["action_id"] == "claim_evidence"


def test_a_chargeback_has_its_own_label_and_no_withdrawal_hint() -> None:
    c = claim(notice_type="chargeback")
    blocks = claim_blocks(c, claim_windows("chargeback", RECEIVED), AT)
    assert len(blocks) == 2 and "Respond to the chargeback" in blocks[0]["text"]["text"]
    assert blocks[1]["elements"][0]["text"]["text"] == "Evidence for the response"
    assert evidence_label("chargeback") == "Evidence for the response"


def test_the_window_note_says_what_to_do_whom_and_what_comes_next() -> None:
    payload = {
        "claim_window": "respond",
        "title": "Respond to Amazon",
        "at": (TEAM_TIME - timedelta(minutes=1)).isoformat(),
        "advice": "Answer now <with> the evidence.",
        "who": "U0LENA",
        "notice_type": "a_to_z_claim",
        "order_id": "302-1",
        "missed": [],
        "next": {"title": "Appeal possible", "at": (TEAM_TIME + timedelta(days=3)).isoformat()},
        "late": False,
    }
    note = window_note(payload, AT)
    assert refused(note["blocks"]) == [] and note["text"] == "A-to-z claim: Respond to Amazon"
    text = json.dumps(note["blocks"], ensure_ascii=False)
    assert "<@U0LENA>" in text and "order `302-1`" in text and "&lt;with&gt;" in text
    assert "Next: Appeal possible" in text and "|Sun 29 Nov 10:00 CET>" in text
    late = window_note({**payload, "late": True, "next": None, "who": None, "notice_type": "chargeback"}, AT)
    assert "Sent late" in json.dumps(late["blocks"]) and late["text"].startswith("Chargeback: ")
    missed = window_note({**payload, "missed": ["Contact the buyer"]}, AT)
    assert "not running: Contact the buyer" in json.dumps(missed["blocks"])


def test_the_evidence_block_is_code_escaped_split_within_limits_and_says_where_the_file_is() -> None:
    text = "ORDER\nOrder id: 302-1\n" + "\n".join(f"Scan {n}: <b> & ```x``` " + "y" * 80 for n in range(400))
    row = {
        "id": 1,
        "order_id": "302-1",
        "text": text,
        "by_user": "U0LEAD",
        "created_at": TEAM_TIME.isoformat(),
    }
    note = evidence_note(row, AT, notice_type="a_to_z_claim", filename="claim-302-1.txt")
    blocks = note["blocks"]
    assert refused(blocks) == [] and len(blocks) <= 50
    assert "`claim-302-1.txt`" in blocks[0]["text"]["text"] and "<@U0LEAD>" in blocks[0]["text"]["text"]
    codes = [b["text"]["text"] for b in blocks[1:]]
    assert all(c.startswith("```") and c.endswith("```") and len(c) <= 3000 for c in codes)
    joined = "".join(c[3:-3] for c in codes)
    assert "&lt;b&gt; &amp;" in joined and "```x" not in joined  # a fence inside cannot end the block
    assert joined.count("Scan ") == 400
    huge = evidence_note({**row, "text": text * 20}, AT, notice_type="a_to_z_claim", filename="f.txt")
    assert len(huge["blocks"]) == 50 and "the rest is in `f.txt`" in json.dumps(huge["blocks"])


def test_purged_evidence_says_so_and_file_names_are_safe() -> None:
    gone = evidence_note(None, AT, notice_type="chargeback", filename="claim-1.txt")
    assert "no longer kept" in gone["text"] and gone["text"].startswith(
        ":page_facing_up: Evidence for the response"
    )
    assert evidence_filename("302-2222222-3333333", 9) == "claim-302-2222222-3333333.txt"
    assert evidence_filename("../../etc/passwd", 9) == "claim-etcpasswd.txt"
    assert evidence_filename(None, 9) == "claim-9.txt"


def test_dates_on_the_card_follow_the_team_across_dst() -> None:
    received = TEAM_TIME.replace(month=3, day=27)  # Friday before the spring change
    windows = claim_windows("a_to_z_claim", received)
    at = CardTime(now=received, tz=BERLIN)
    text = claim_blocks(claim(), windows, at)[0]["text"]["text"]
    assert "|Sun 29 Mar 11:00 CEST>" in text  # 48 elapsed hours
