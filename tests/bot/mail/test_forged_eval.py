"""The frozen set of genuine, forged and awkward mails (tests/fixtures/forged), written without the code: how well
the parser tells Amazon from a pretender on mail it was never tuned on.

The set is frozen: it is never edited to match the parser. The bar is the security one (no pretender is ever
believed: no buyer conversation, reply target, notice or no-response link for mail that is not Amazon's) plus an
accuracy floor over every labelled field. The score at the time the set arrived, before any change, is recorded in
tests/fixtures/forged/README.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bot.mail.model import MailKind
from bot.mail.parser import parse_relay_mail

SET = Path(__file__).resolve().parents[2] / "fixtures" / "forged"
FIELDS = ("kind", "buyer_alias", "marketplace", "no_response_link")


def labelled() -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in (SET / "expected.jsonl").read_text(encoding="utf-8").splitlines() if line
    ]


def read(row: dict[str, Any]) -> dict[str, Any]:
    """The labelled fields as the parser reads the file (a copy of a reply counts as Amazon's notice)."""
    parsed = parse_relay_mail((SET / row["file"]).read_bytes())
    kind = "raw" if parsed.is_raw else parsed.kind.value
    return {
        "kind": "amazon_notice" if kind == MailKind.CONFIRMATION.value else kind,
        "buyer_alias": parsed.buyer_alias,
        "marketplace": parsed.marketplace,
        "no_response_link": parsed.no_response_link,
    }


def test_no_pretender_is_ever_believed() -> None:
    believed = []
    for row in labelled():
        if row["genuine_amazon"]:
            continue
        got = read(row)
        if got["kind"] in ("buyer_message", "amazon_notice") or got["buyer_alias"] or got["no_response_link"]:
            believed.append((row["file"], got))
    assert believed == []


def test_accuracy_on_the_frozen_set() -> None:
    rows = labelled()
    assert len(rows) >= 60
    wrong = {f: [r["file"] for r in rows if read(r)[f] != r[f]] for f in FIELDS}
    mails_right = sum(all(read(r)[f] == r[f] for f in FIELDS) for r in rows) / len(rows)
    print(
        {f: f"{1 - len(w) / len(rows):.3f}" for f, w in wrong.items()},
        f"mails fully right: {mails_right:.3f}",
    )
    assert mails_right >= 0.95, wrong
