"""The stand-in's modals: trigger ids (once, 3 seconds), views.open / push / update with Slack's stack and hash rules."""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from typing import Any

from bot.sandbox.block_kit import BlockKitChecks

log = logging.getLogger(__name__)

Json = dict[str, Any]


class Modals(BlockKitChecks):
    """Mixed into the Slack stand-in: people's modal stacks, as Slack keeps them."""

    team_id: str
    bot_id: str
    views: dict[str, Json]
    view_stacks: dict[str, list[str]]
    _triggers: dict[str, tuple[str, float]]
    _ids: itertools.count[int]

    def new_trigger(self, user: str) -> str:
        """A trigger_id for a person's click or command: valid once, for 3 seconds, as at Slack."""
        trigger = f"{next(self._ids)}.{self.team_id}.{uuid.uuid4().hex[:16]}"
        self._triggers[trigger] = (user, time.monotonic())
        return trigger

    def _take_trigger(self, trigger: str) -> tuple[str | None, str | None]:
        entry = self._triggers.pop(trigger, None)
        if entry is None:
            return None, "invalid_trigger_id"
        user, created = entry
        if time.monotonic() - created > 3.0:
            return None, "expired_trigger_id"
        return user, None

    def new_view(self, view: Any, user: str, root: str | None, previous: str | None) -> Json | str:
        """Store a modal as Slack would (id, hash, state); an error code if Slack would refuse it."""
        error = self._check_view(view, "modal")
        if error:
            return error
        assert isinstance(view, dict)
        view_id = f"V{next(self._ids):08d}"
        stored = {
            **view,
            "id": view_id,
            "team_id": self.team_id,
            "user": user,
            "hash": uuid.uuid4().hex,
            "root_view_id": root or view_id,
            "previous_view_id": previous,
            "state": {"values": {}},
            "app_id": "A0INBOXBOT",
            "bot_id": self.bot_id,
        }
        self.views[view_id] = stored
        return stored

    def _m_views_open(self, args: Json) -> Json:
        user, error = self._take_trigger(str(args.get("trigger_id", "")))
        if error or user is None:
            return {"ok": False, "error": error}
        view = self.new_view(args.get("view"), user, None, None)
        if isinstance(view, str):
            return {"ok": False, "error": view}
        self.view_stacks[user] = [view["id"]]
        return {"ok": True, "view": view}

    def _m_views_push(self, args: Json) -> Json:
        user, error = self._take_trigger(str(args.get("trigger_id", "")))
        if error or user is None:
            return {"ok": False, "error": error}
        stack = self.view_stacks.get(user) or []
        if not stack:
            return {"ok": False, "error": "not_found"}
        if len(stack) >= 3:
            return {"ok": False, "error": "push_limit_reached"}
        view = self.new_view(args.get("view"), user, stack[0], stack[-1])
        if isinstance(view, str):
            return {"ok": False, "error": view}
        stack.append(view["id"])
        return {"ok": True, "view": view}

    def _m_views_update(self, args: Json) -> Json:
        view_id = str(args.get("view_id") or "")
        old = self.views.get(view_id) or next(
            (
                v
                for v in self.views.values()
                if args.get("external_id") and v.get("external_id") == args.get("external_id")
            ),
            None,
        )
        if old is None:
            return {"ok": False, "error": "not_found"}
        if args.get("hash") and args["hash"] != old["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        view = self.new_view(args.get("view"), old["user"], old["root_view_id"], old["previous_view_id"])
        if isinstance(view, str):
            return {"ok": False, "error": view}
        del self.views[view["id"]]
        view["id"] = old["id"]
        self.views[old["id"]] = view
        return {"ok": True, "view": view}

    def open_view(self, user: str) -> Json | None:
        """The modal a person sees now (the top of their stack), if any."""
        stack = self.view_stacks.get(user) or []
        return self.views.get(stack[-1]) if stack else None

    def close_views(self, user: str, *, all_views: bool = True) -> None:
        """Close a person's modal (or only the top one)."""
        stack = self.view_stacks.get(user) or []
        if all_views:
            stack.clear()
        elif stack:
            stack.pop()
