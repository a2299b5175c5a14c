"""Uploads a buyer's photos into the card's thread, exactly once across crashes.

Slack's upload takes three steps (reserve a file id, POST the bytes, share the file in the thread). The file id is
stored in the outbox item before the bytes go, so an attempt after a crash first looks in the thread for a message
sharing that file (done before the crash: recorded, not repeated), then shares the file it already has, and only
uploads anew if Slack has no such file. A picture that cannot be shown (not really a picture, too large, no longer
kept) gets one line in the thread instead, so nobody waits for it. A claim's evidence file (`claim-<order>.txt`,
bot/workers/evidence.py) takes the same way, its bytes read from the store.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from bot.cards.card import PostKind, escape
from bot.clock.clocks import Clock
from bot.mail.photos import attachment_bytes, photo_from
from bot.services.slack import SlackError, SlackGateway
from bot.settings import Settings
from bot.store.store import Row, Store, parse_iso

log = logging.getLogger(__name__)

WAIT_FOR_PARENT = 2.0
SHARE_CHECKS = 3  # attempts that look for an asked-for share before asking Slack again
SHARE_CHECK_SECONDS = 10.0
START_OVER = {"file_not_found", "file_deleted", "invalid_file_id", "upload_failed", "not_found"}


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


class PhotoPoster:
    """Turns a queued photo (outbox kind `post_photo`) or text file (`post_file`, a claim's evidence) into a file
    shared in the card's thread."""

    def __init__(self, settings: Settings, store: Store, slack: SlackGateway, clock: Clock) -> None:
        self.settings = settings
        self.store = store
        self.slack = slack
        self.clock = clock

    async def process(self, item: Row, conv: Row, message: Row, channel: str) -> None:
        """Upload one photo (or say in the thread why it is not shown); SlackError propagates for a retry."""
        outbox_id = int(item["id"])
        thread_ts = conv.get("slack_ts")
        channel = conv.get("slack_channel") or channel
        if not thread_ts:
            await self.store.run(
                self.store.defer_outbox,
                outbox_id=outbox_id,
                until=self.clock.now() + timedelta(seconds=WAIT_FOR_PARENT),
                error="waiting for the parent card",
            )
            return
        payload: dict[str, Any] = json.loads(item.get("payload") or "{}")
        await self.store.run(self.store.mark_in_flight, outbox_id=outbox_id)
        file_id = payload.get("file_id")
        if file_id and await self._finish_earlier(item, payload, channel, thread_ts):
            return
        upload = self._text_file(payload) if item["kind"] == PostKind.FILE else self._photo(payload, message)
        if isinstance(upload, str):
            await self._note(item, channel, thread_ts, upload)
            return
        filename, data, alt_text = upload
        file_id, url = await self.slack.upload_url(filename=filename, length=len(data), alt_text=alt_text)
        payload["file_id"] = file_id
        # before the bytes go: see above
        await self.store.run(self.store.set_outbox_payload, outbox_id=outbox_id, payload=payload)
        await self.slack.upload_bytes(url=url, data=data)
        await self._share(item, payload, channel, thread_ts)

    def _photo(self, payload: dict[str, Any], message: Row) -> tuple[str, bytes, str] | str:
        """A buyer's picture to upload (file name, bytes, alt text), or why it is not shown."""
        found = attachment_bytes(message.get("raw") or b"", int(payload.get("photo", -1)))
        name = str(payload.get("filename") or "photo")
        if found is None:
            return f"{name} is not kept in full (the mail was too large or is purged): open it in the mailbox"
        name, data = found
        photo = photo_from(name, data)
        if photo is None:
            return f"{name} says it is a picture but is not one (not JPEG, PNG, GIF, WebP or HEIC); not shown"
        if len(photo.data) > self.settings.photo_max_bytes:
            return f"{name} ({_size(len(photo.data))}) is larger than INBOX_BOT_PHOTO_MAX_MB; not shown"
        return photo.filename, photo.data, f"Photo from the buyer: {photo.filename}"

    def _text_file(self, payload: dict[str, Any]) -> tuple[str, bytes, str] | str:
        """A text file the bot wrote (a claim's evidence) to upload, or why it is not there any more."""
        name = str(payload.get("filename") or "evidence.txt")
        evidence = self.store.evidence(evidence_id=int(payload.get("evidence") or 0))
        if evidence is None or not evidence.get("text"):
            return f"{name} is no longer kept (personal data is removed after the retention period)"
        return name, str(evidence["text"]).encode("utf-8"), f"Text file: {name}"

    async def _done(self, item: Row, channel: str, ts: str | None, thread_ts: str, role: str | None) -> None:
        """The item recorded as done, with where its message is (PostgreSQL: in the store's thread)."""
        await self.store.run(
            self.store.complete_outbox,
            outbox_id=int(item["id"]),
            channel=channel,
            ts=ts,
            thread_ts=thread_ts,
            role=role,
        )

    async def _finish_earlier(self, item: Row, payload: dict[str, Any], channel: str, thread_ts: str) -> bool:
        """An earlier attempt reserved a file: done if it is in the thread, shared now if uploaded; False: start over."""
        file_id = str(payload["file_id"])
        ts = await self.slack.find_file(channel=channel, thread_ts=thread_ts, file_id=file_id)
        if ts:
            log.info(
                "photo %s (%s) was shared before a restart; recorded, not shared again",
                item["dedupe_key"],
                file_id,
            )
            await self._done(item, channel, ts, thread_ts, "photo")
            return True
        if payload.get("completing") and int(item.get("attempts") or 0) < SHARE_CHECKS:
            # the share was asked for and no answer came: Slack may show it a little later, so look again
            # before asking again (asking twice could show the picture twice)
            await self.store.run(
                self.store.defer_outbox,
                outbox_id=int(item["id"]),
                until=self.clock.now() + timedelta(seconds=SHARE_CHECK_SECONDS),
                error="waiting to see whether Slack shared the photo",
            )
            return True
        try:
            await self._share(item, payload, channel, thread_ts)
            return True
        except SlackError as e:
            if e.code not in START_OVER:
                raise
            log.warning(
                "photo %s: Slack no longer has file %s (%s); uploading it again",
                item["dedupe_key"],
                file_id,
                e.code,
            )
            payload.pop("file_id", None)
            await self.store.run(self.store.set_outbox_payload, outbox_id=int(item["id"]), payload=payload)
            return False

    async def _share(self, item: Row, payload: dict[str, Any], channel: str, thread_ts: str) -> None:
        file_id = str(payload["file_id"])
        await self.store.run(
            self.store.set_outbox_payload, outbox_id=int(item["id"]), payload={**payload, "completing": True}
        )
        try:
            await self.slack.complete_upload(
                channel=channel,
                thread_ts=thread_ts,
                file_id=file_id,
                title=str(payload.get("filename") or "photo"),
                comment=str(payload.get("comment") or "")
                or f":camera: Photo from the buyer ({escape(str(payload.get('filename') or 'photo'))})",
            )
        except SlackError as e:
            if e.code != "connection":  # Slack answered no: nothing was shared, asking again is safe
                await self.store.run(
                    self.store.set_outbox_payload, outbox_id=int(item["id"]), payload=payload
                )
            raise
        ts = await self.slack.find_file(channel=channel, thread_ts=thread_ts, file_id=file_id)
        await self._done(item, channel, ts, thread_ts, "photo" if ts else None)

    async def _note(self, item: Row, channel: str, thread_ts: str, text: str) -> None:
        """One line in the thread instead of the picture (found again after a crash by its key)."""
        key = str(item["dedupe_key"])
        log.warning("photo %s not shown: %s", key, text)
        text = escape(text)  # the file name is the buyer's: no <!channel>, no links in disguise
        if int(item.get("attempts") or 0) >= 1:
            created = parse_iso(item["created_at"]) or self.clock.now()
            found = await self.slack.find_post(channel=channel, key=key, oldest=created, thread_ts=thread_ts)
            if found:
                await self._done(item, channel, found, thread_ts, "thread")
                return
        icon = ":page_facing_up:" if item["kind"] == PostKind.FILE else ":frame_with_picture:"
        ts = await self.slack.post(channel=channel, text=f"{icon} {text}", thread_ts=thread_ts, key=key)
        await self._done(item, channel, ts, thread_ts, "thread")
