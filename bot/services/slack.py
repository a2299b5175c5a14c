"""The one wrapper around Slack's Web API: pacing per channel, Retry-After, and finding the bot's own posts."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp
import httpx
from aiolimiter import AsyncLimiter
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.cards.card import MetadataEvent
from bot.services.http import ApiObserver

log = logging.getLogger(__name__)

# Slack error codes that will not heal by retrying the same request.
BLOCK_ERRORS = {
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "too_many_attachments",
    "invalid_metadata",
}


class SlackError(Exception):
    """A Slack call failed; `retry_after` is set for rate limits, `code` is Slack's error string."""

    def __init__(self, message: str, *, code: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after


def _wrap(method: str, e: SlackApiError | Exception) -> SlackError:
    if isinstance(e, SlackApiError):
        status = e.response.status_code
        code = e.response.get("error") if isinstance(e.response.data, dict) else None
        if status == 429:
            retry = float(
                e.response.headers.get("Retry-After", e.response.headers.get("retry-after", 1)) or 1
            )
            return SlackError(
                f"{method}: rate limited for {retry:.0f} s", code="ratelimited", retry_after=retry
            )
        return SlackError(f"{method}: {code or status}", code=code or str(status))
    return SlackError(f"{method}: {type(e).__name__}: {e}", code="connection")


def granted_scopes(headers: Any) -> frozenset[str] | None:
    """The scopes in Slack's `x-oauth-scopes` answer header (on every Web API answer), or None without one."""
    found = next((str(v) for k, v in dict(headers or {}).items() if str(k).lower() == "x-oauth-scopes"), None)
    return None if found is None else frozenset(s.strip() for s in found.split(",") if s.strip())


UPLOAD_TIMEOUT = httpx.Timeout(120.0, connect=10.0)  # a photo of some megabytes over a slow line
# what a leader that lost its lease must not do any more: what people see in the channel (an uploaded file's bytes
# show nowhere until files.completeUploadExternal shares them)
WRITES = frozenset({"chat.postMessage", "chat.update", "files.completeUploadExternal"})
PERMALINKS_PER_MINUTE = 100  # chat.getPermalink is a Tier 4 method: 100+ per minute


class SlackGateway:
    """Every Web API call of the bot, through one AsyncWebClient: posts paced per channel (`post_interval`),
    `Retry-After` honoured, failures raised as SlackError with one log line."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        post_interval: float = 1.0,
        observe: ApiObserver | None = None,
        before_write: Callable[[], None] | None = None,
    ) -> None:
        self.client = client
        # asked right before each post, redraw and upload leaves (after pacing and Retry-After): the store's lease check
        self.before_write = before_write
        self.post_interval = post_interval
        self.observe = observe  # told of every call: ("Slack", HTTP status; 400 for Slack's ok: false; None)
        self._limiters: dict[str, AsyncLimiter] = defaultdict(lambda: AsyncLimiter(1, post_interval))
        self._paused_until: dict[str, float] = {}
        self.rate_limited = 0  # 429 answers seen (for benchmarks and status)
        self.bot_user_id: str | None = None  # the bot's own user, known after auth_test
        self.scopes: frozenset[str] | None = None  # the token's granted scopes, known after auth_test
        self._permalinks = AsyncLimiter(PERMALINKS_PER_MINUTE, 60)  # chat.getPermalink: Tier 4

    def _observed(self, status: int | None) -> None:
        if self.observe is not None:
            self.observe("Slack", status)

    async def _respect_pause(self, channel: str) -> None:
        wait = self._paused_until.get(channel, 0.0) - time.monotonic()
        if wait > 0:
            log.info("channel %s paused %.1f s by Slack's Retry-After", channel, wait)
            await asyncio.sleep(wait)

    def _pause(self, channel: str, seconds: float) -> None:
        self.rate_limited += 1
        self._paused_until[channel] = max(self._paused_until.get(channel, 0.0), time.monotonic() + seconds)

    async def _call(self, method: str, for_channel: str, **kwargs: Any) -> dict[str, Any]:
        response = await self._answer(method, for_channel, **kwargs)
        return response.data if isinstance(response.data, dict) else {}

    async def _answer(self, method: str, for_channel: str, **kwargs: Any) -> AsyncSlackResponse:
        """One Web API call's whole answer (its data and headers), paced, Retry-After honoured, errors typed."""
        channel = for_channel
        await self._respect_pause(channel)
        if self.before_write is not None and method in WRITES:
            self.before_write()
        try:
            response: AsyncSlackResponse = await getattr(self.client, method.replace(".", "_"))(**kwargs)
        except SlackApiError as e:
            self._observed(e.response.status_code if e.response.status_code != 200 else 400)
            err = _wrap(method, e)
            if err.retry_after is not None:
                self._pause(channel, err.retry_after)
            log.warning("Slack %s in %s failed: %s", method, channel, err)
            raise err from e
        except (OSError, TimeoutError, aiohttp.ClientError) as e:
            self._observed(None)
            err = _wrap(method, e)
            log.warning("Slack %s in %s failed: %s", method, channel, err)
            raise err from e
        self._observed(response.status_code)
        return response

    async def post(
        self,
        *,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        key: str | None = None,
    ) -> str:
        """Post a message (paced per channel) and return its ts; `key` goes into message metadata."""
        async with self._limiters[channel]:
            args: dict[str, Any] = {
                "channel": channel,
                "text": text,
                "unfurl_links": False,
                "unfurl_media": False,
            }
            if blocks:
                args["blocks"] = blocks
            if thread_ts:
                args["thread_ts"] = thread_ts
            if key:
                args["metadata"] = {"event_type": MetadataEvent.POST.value, "event_payload": {"key": key}}
            data = await self._call("chat.postMessage", channel, **args)
        return str(data["ts"])

    async def update(
        self, *, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        """Replace a message's text and blocks."""
        await self._call("chat.update", channel, channel=channel, ts=ts, text=text, blocks=blocks or [])

    async def find_post(
        self, *, channel: str, key: str, oldest: datetime, thread_ts: str | None = None
    ) -> str | None:
        """The ts of an earlier post carrying metadata `key` (a post made but not recorded before a crash)."""
        method = "conversations.replies" if thread_ts else "conversations.history"
        args: dict[str, Any] = {
            "channel": channel,
            "oldest": f"{oldest.timestamp() - 60:.6f}",
            "include_all_metadata": True,
            "limit": 200,
        }
        if thread_ts:
            args["ts"] = thread_ts
        cursor: str | None = None
        for _ in range(50):  # at most 10,000 messages back
            if cursor:
                args["cursor"] = cursor
            data = await self._call(method, channel, **args)
            for message in data.get("messages", []):
                meta = message.get("metadata") or {}
                if (
                    meta.get("event_type") == MetadataEvent.POST.value
                    and (meta.get("event_payload") or {}).get("key") == key
                ):
                    return str(message["ts"])
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None

    async def auth_test(self) -> dict[str, Any]:
        """Slack's auth.test: who the token belongs to (remembered as `bot_user_id`) and the scopes it was granted
        (Slack's `x-oauth-scopes` header, remembered as `scopes`)."""
        response = await self._answer("auth.test", "-")
        me = response.data if isinstance(response.data, dict) else {}
        self.bot_user_id = me.get("user_id")
        self.scopes = granted_scopes(response.headers)
        return me

    async def read_latest(self, channel: str) -> None:
        """Read the newest message of `channel` (conversations.history, the scope the bot reads its channel with):
        SlackError `not_in_channel` when the bot is not a member, `channel_not_found` for a private one it is not in."""
        await self._call("conversations.history", f"read:{channel}", channel=channel, limit=1)

    async def socket_url(self, app_token: str) -> str:
        """A Socket Mode address from apps.connections.open with the app-level token; nothing connects to it."""
        data = await self._call("apps.connections.open", "-", app_token=app_token)
        return str(data.get("url") or "")

    async def ephemeral(
        self,
        *,
        channel: str,
        user: str,
        text: str,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> None:
        """A message only `user` sees in `channel` (in a thread if given)."""
        args: dict[str, Any] = {"channel": channel, "user": user, "text": text}
        if blocks:
            args["blocks"] = blocks
        if thread_ts:
            args["thread_ts"] = thread_ts
        await self._call("chat.postEphemeral", f"ephemeral:{channel}", **args)  # a 429 here pauses no card

    async def permalink(self, *, channel: str, ts: str) -> str | None:
        """The link to a message (paced: `/inbox` asks for many at once)."""
        async with self._permalinks:
            data = await self._call(
                "chat.getPermalink", f"permalink:{channel}", channel=channel, message_ts=ts
            )
        return str(data.get("permalink") or "") or None

    async def thread(self, *, channel: str, ts: str, limit: int = 1000) -> list[dict[str, Any]]:
        """The messages of a thread, its parent first."""
        data = await self._call(
            "conversations.replies", f"read:{channel}", channel=channel, ts=ts, limit=limit
        )
        return list(data.get("messages") or [])

    async def publish_home(self, *, user: str, view: dict[str, Any]) -> None:
        """Publish a person's Home tab."""
        await self._call("views.publish", f"home:{user}", user_id=user, view=view)

    async def open_view(self, *, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """Open a modal for the click that gave `trigger_id` (valid for 3 seconds)."""
        return await self._call("views.open", "-", trigger_id=trigger_id, view=view)

    async def usergroup_members(self, group: str) -> list[str]:
        """The user ids of a Slack user group (S…)."""
        data = await self._call("usergroups.users.list", group, usergroup=group)
        return [str(u) for u in data.get("users") or []]

    # ---- files: Slack's upload flow (files.getUploadURLExternal, POST the bytes, files.completeUploadExternal) ----

    async def upload_url(self, *, filename: str, length: int, alt_text: str | None = None) -> tuple[str, str]:
        """Reserve an upload: (file id, the URL to POST the bytes to)."""
        args: dict[str, Any] = {"filename": filename, "length": length}
        if alt_text:
            args["alt_txt"] = alt_text[:1000]
        data = await self._call("files.getUploadURLExternal", "files", **args)
        return str(data["file_id"]), str(data["upload_url"])

    async def upload_bytes(self, *, url: str, data: bytes) -> None:
        """POST a file's bytes to the URL Slack gave for it."""
        try:
            async with httpx.AsyncClient(timeout=UPLOAD_TIMEOUT, follow_redirects=False) as client:
                response = await client.post(url, content=data)
        except httpx.HTTPError as e:
            log.warning("Slack file upload failed: %s: %s", type(e).__name__, e)
            raise SlackError(f"file upload: {type(e).__name__}: {e}", code="connection") from e
        if response.status_code != 200:
            log.warning("Slack file upload answered %d", response.status_code)
            raise SlackError(f"file upload: HTTP {response.status_code}", code="upload_failed")

    async def complete_upload(
        self, *, channel: str, thread_ts: str | None, file_id: str, title: str, comment: str | None = None
    ) -> None:
        """Share an uploaded file in a channel (in a thread if given)."""
        async with self._limiters[channel]:  # it posts a message: paced like one
            args: dict[str, Any] = {"files": [{"id": file_id, "title": title}], "channel_id": channel}
            if thread_ts:
                args["thread_ts"] = thread_ts
            if comment:
                args["initial_comment"] = comment
            await self._call("files.completeUploadExternal", channel, **args)

    async def find_file(self, *, channel: str, thread_ts: str, file_id: str) -> str | None:
        """The ts of the thread message that shared file `file_id` (shared before a crash), or None."""
        for message in await self.thread(channel=channel, ts=thread_ts):
            if any(isinstance(f, dict) and f.get("id") == file_id for f in message.get("files") or []):
                return str(message["ts"])
        return None
