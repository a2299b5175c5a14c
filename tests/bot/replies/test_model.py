"""What answering works with: the reply window's metadata names a stored draft and nothing else."""

from __future__ import annotations

import json

import pytest

from bot.replies.model import Draft, parse_metadata


def test_metadata_of_another_modal_is_refused() -> None:
    with pytest.raises(ValueError, match="not a reply modal"):
        parse_metadata('{"c": 1}')
    with pytest.raises(ValueError):
        parse_metadata("[1, 2]")


def test_a_drafts_metadata_carries_only_its_key_and_conversation() -> None:
    draft = Draft(
        text="Hallo", key="a" * 32, conversation_id=7, reply_to_row=3, language="de", attachments=["x.pdf"]
    )
    assert draft.metadata == {"d": "a" * 32, "c": 7}  # no text, no attachment path travels through Slack
    assert parse_metadata(json.dumps(draft.metadata)) == draft.metadata
    for forged in (
        {"d": "a" * 32, "c": 7, "a": ["/etc/passwd"]},
        {"d": "../x", "c": 7},
        {"d": "a" * 32, "c": True},
    ):
        with pytest.raises(ValueError):
            parse_metadata(json.dumps(forged))


def test_a_submitted_window_gives_its_text_confirmation_and_choice_or_none_when_out_of_date() -> None:
    from bot.replies.model import submitted

    view = {
        "private_metadata": '{"d": "' + "a" * 32 + '", "c": 7}',
        "state": {
            "values": {
                "reply": {"text": {"value": "Hallo"}},
                "confirm": {"confirm": {"selected_options": [{"value": "yes"}]}},
                "channel": {"channel": {"selected_option": {"value": "amazon:unexpectedProblem"}}},
            }
        },
    }
    form = submitted(view, "channel")
    assert form is not None and (form.metadata["c"], form.text, form.confirmed, form.choice) == (
        7,
        "Hallo",
        True,
        "amazon:unexpectedProblem",
    )
    assert (
        submitted(view, "follow_up") == submitted(view, "follow_up")
        and submitted(view, "follow_up").choice == ""
    )  # type: ignore[union-attr]
    assert submitted({"private_metadata": '{"d": "x", "c": 7}'}, "channel") is None
    assert submitted({}, "channel") is None
