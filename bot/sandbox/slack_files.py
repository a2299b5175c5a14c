"""The stand-in's file uploads: Slack's current flow (files.getUploadURLExternal, a POST of the bytes to the URL it
gave, files.completeUploadExternal sharing the file as a message), and the files served back for the demo page."""

from __future__ import annotations

import itertools
import json
import logging
import mimetypes
from typing import TYPE_CHECKING, Any

from aiohttp import web

log = logging.getLogger(__name__)

Json = dict[str, Any]
MAX_FILE_BYTES = 1024 * 1024 * 1024  # Slack: 1 GB per file


class Files:
    """Mixed into the Slack stand-in: uploads and the messages that share them."""

    channels: set[str]
    files: dict[str, Json]
    host: str
    port: int
    bot_user_id: str
    bot_id: str
    _ids: itertools.count[int]

    def add_file_routes(self, app: web.Application) -> None:
        """The upload URL the bot POSTs bytes to, and a file's bytes for the demo page."""
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        app.router.add_get("/files/{file_id}/{name}", self._download)

    def _m_files_getUploadURLExternal(self, args: Json) -> Json:
        filename = str(args.get("filename") or "")
        try:
            length = int(args.get("length") or 0)
        except ValueError:
            length = 0
        if not filename or length <= 0:
            return {"ok": False, "error": "invalid_arguments"}
        if length > MAX_FILE_BYTES:
            return {"ok": False, "error": "file_too_large"}
        file_id = f"F{next(self._ids):09d}"
        self.files[file_id] = {
            "id": file_id,
            "name": filename,
            "length": length,
            "alt_txt": args.get("alt_txt"),
            "data": None,
            "shares": [],
        }
        return {
            "ok": True,
            "file_id": file_id,
            "upload_url": f"http://{self.host}:{self.port}/upload/v1/{file_id}",
        }

    async def _upload(self, request: web.Request) -> web.Response:
        file = self.files.get(request.match_info["file_id"])
        if file is None:
            return web.Response(status=404, text="no such upload")
        data = await request.read()
        if len(data) != file["length"]:
            return web.Response(status=400, text=f"expected {file['length']} bytes, got {len(data)}")
        file["data"] = data
        return web.Response(text=f"OK - {len(data)}")

    async def _download(self, request: web.Request) -> web.Response:
        file = self.files.get(request.match_info["file_id"])
        if file is None or file["data"] is None:
            return web.Response(status=404)
        return web.Response(body=file["data"], content_type=file_type(file["name"]))

    def _m_files_completeUploadExternal(self, args: Json) -> Json:
        try:
            wanted = json.loads(args["files"]) if isinstance(args.get("files"), str) else args.get("files")
        except (KeyError, ValueError):
            wanted = None
        if not isinstance(wanted, list) or not wanted:
            return {"ok": False, "error": "invalid_arguments"}
        channel = str(args.get("channel_id") or "")
        if channel and channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        shared: list[Json] = []
        for entry in wanted:
            file = self.files.get(str((entry or {}).get("id")))
            if file is None or file["data"] is None:  # never reserved, or its bytes never arrived
                return {"ok": False, "error": "file_not_found"}
            file["title"] = entry.get("title") or file["name"]
            shared.append(self.file_object(file))
        if channel:
            message: Json = {
                "type": "message",
                "text": str(args.get("initial_comment") or ""),
                "files": shared,
                "upload": True,
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
                "channel": channel,
            }
            thread_ts = args.get("thread_ts")
            error = self.share(channel, message, str(thread_ts) if thread_ts else None)
            if error:
                return {"ok": False, "error": error}
            for entry in shared:
                self.files[entry["id"]]["shares"].append((channel, message["ts"]))
        return {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in shared]}

    def file_object(self, file: Json) -> Json:
        """A file as Slack describes it in a message."""
        name = str(file["name"])
        return {
            "id": file["id"],
            "name": name,
            "title": file.get("title") or name,
            "mimetype": file_type(name),
            "size": len(file["data"] or b""),
            "url_private": f"http://{self.host}:{self.port}/files/{file['id']}/{name}",
            "alt_txt": file.get("alt_txt"),
        }

    def share(self, channel: str, message: Json, thread_ts: str | None) -> str | None:
        """Store a message that shares files (in a thread if given); an error code or None."""
        if thread_ts:
            parent = self.find_message(channel, thread_ts)
            if parent is None:
                return "thread_not_found"
            message["thread_ts"] = parent["ts"]
            parent["thread_ts"] = parent["ts"]
            parent["reply_count"] = parent.get("reply_count", 0) + 1
        message["ts"] = self._next_ts()
        self._store_message(channel, message)
        return None

    if TYPE_CHECKING:  # provided by the stand-in this is mixed into

        def find_message(self, channel: str, ts: str) -> Json | None: ...
        def _next_ts(self) -> str: ...
        def _store_message(self, channel: str, message: Json) -> None: ...


def file_type(name: str) -> str:
    """The MIME type Slack would give a file of this name."""
    return mimetypes.guess_type(name)[0] or "application/octet-stream"
