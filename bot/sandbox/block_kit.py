"""Slack's Block Kit limits, checked as Slack checks them: the stand-in refuses what real Slack would refuse.

slack_sdk's models check what they cover (element types, lengths, required fields); the rest by hand.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

log = logging.getLogger(__name__)


def block_problem(block: Any) -> str | None:
    """Why Slack would refuse this block (required fields, lengths, counts), or None: slack_sdk's models check
    what they cover, the rest by hand."""
    if not isinstance(block, dict) or "type" not in block:
        return f"a block needs a type: {str(block)[:80]}"
    text = block.get("text")
    if block["type"] == "header" and isinstance(text, dict) and text.get("type") != "plain_text":
        return "a header's text must be plain_text"
    limit = 150 if block["type"] == "header" else 3000
    if isinstance(text, dict) and (not text.get("text") or len(text["text"]) > limit):
        return f"{block['type']} text must be 1 to {limit} characters"
    fields = block.get("fields") or []
    if len(fields) > 10 or any(len(f.get("text", "")) > 2000 for f in fields):
        return "a section has at most 10 fields of at most 2,000 characters"
    if block["type"] == "context" and not 0 < len(block.get("elements", [])) <= 10:
        return "a context block has 1 to 10 elements"
    if block["type"] == "actions" and not 0 < len(block.get("elements", [])) <= 25:
        return "an actions block has 1 to 25 elements"
    try:
        model = Block.parse(block)
        if model is None:
            return f"unknown block type {block['type']!r}"
        model.to_dict()  # runs every validator, nested elements included
    except (SlackObjectFormationError, TypeError, ValueError, KeyError) as e:
        return f"{block['type']} block: {e}"
    return None


class BlockKitChecks:
    """Mixed into the Slack stand-in: refuses payloads as Slack would and keeps why in `refused`."""

    refused: list[str]

    def _check_blocks(self, blocks: Any) -> str | None:
        """'invalid_blocks' if Slack would refuse these message blocks (its documented limits, checked with
        slack_sdk's models); the reason is kept in `refused`."""
        if blocks is None:
            return None
        if not isinstance(blocks, list) or len(blocks) > 50:
            return self._refuse("a message has at most 50 blocks")
        for block in blocks:
            reason = block_problem(block)
            if reason:
                return self._refuse(reason)
        return None

    def _check_view(self, view: Any, kind: str) -> str | None:
        """'invalid_arguments' or 'invalid_blocks' if Slack would refuse this modal or Home view."""
        if not isinstance(view, dict) or view.get("type") != kind:
            return self._refuse(f"a {kind} view is required", "invalid_arguments")
        for block in view.get("blocks") or []:
            reason = block_problem(block)
            if reason:
                return self._refuse(reason)
        try:
            View(**view).to_dict()
        except (SlackObjectFormationError, TypeError, ValueError) as e:
            return self._refuse(f"view: {e}", "invalid_arguments" if "title" in str(e) else "invalid_blocks")
        return None

    def _refuse(self, reason: str, error: str = "invalid_blocks") -> str:
        self.refused.append(reason)
        log.warning("the Slack stand-in refuses a payload as Slack would (%s): %s", error, reason)
        return error
