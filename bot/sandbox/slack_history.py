"""The stand-in's reading side: a channel's history, a thread's replies, permalinks, paged as Slack pages them."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

Json = dict[str, Any]


class History:
    """Mixed into the Slack stand-in: what the bot reads back from a channel."""

    channels: set[str]
    not_joined: set[str]
    messages: dict[str, list[Json]]
    _by_ts: dict[tuple[str, str], Json]
    host: str
    port: int
    clock: Callable[[], float] | None
    _base: int
    _ts: itertools.count[int]
    _last_micros: int

    def _next_ts(self) -> str:
        """A new message's ts: unique and increasing, from `clock` when the stand-in has one (the demo's)."""
        if self.clock is None:
            return f"{self._base + next(self._ts)}.{next(self._ts) % 1000000:06d}"
        self._last_micros = max(int(self.clock() * 1_000_000), self._last_micros + 1)
        return f"{self._last_micros // 1_000_000}.{self._last_micros % 1_000_000:06d}"

    def find_message(self, channel: str, ts: str) -> Json | None:
        """A message of the channel (top-level or in a thread) by its ts."""
        found = self._by_ts.get((channel, ts))
        if found is not None:
            return found
        return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def _m_chat_getPermalink(self, args: Json) -> Json:
        channel, ts = str(args.get("channel", "")), str(args.get("message_ts", ""))
        if self.find_message(channel, ts) is None:
            return {"ok": False, "error": "message_not_found"}
        return {
            "ok": True,
            "channel": channel,
            "permalink": f"http://{self.host}:{self.port}/#{channel}/{ts}",
        }

    def _visible(self, message: Json, with_meta: bool) -> Json:
        out = {k: v for k, v in message.items() if k != "metadata" or with_meta}
        return out

    def _page(self, items: list[Json], args: Json) -> Json:
        limit = max(1, min(int(args.get("limit") or 100), 1000))
        start = int(args.get("cursor") or 0)
        page = items[start : start + limit]
        more = start + limit < len(items)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _m_conversations_history(self, args: Json) -> Json:
        channel = str(args.get("channel", ""))
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.not_joined:
            return {"ok": False, "error": "not_in_channel"}
        oldest = float(args.get("oldest") or 0)
        with_meta = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        top = [m for m in self.messages.get(channel, []) if m.get("thread_ts") in (None, m["ts"])]
        items = [self._visible(m, with_meta) for m in reversed(top) if float(m["ts"]) >= oldest]
        return self._page(items, args)

    def _m_conversations_replies(self, args: Json) -> Json:
        channel = str(args.get("channel", ""))
        parent = self.find_message(channel, str(args.get("ts", "")))
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        with_meta = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        thread = [parent] + [
            m
            for m in self.messages.get(channel, [])
            if m.get("thread_ts") == parent["ts"] and m["ts"] != parent["ts"]
        ]
        return self._page([self._visible(m, with_meta) for m in thread], args)
