"""The stand-in's Socket Mode: one WebSocket the real Socket Mode client connects to; envelopes and their acks."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

Json = dict[str, Any]


class SocketMode:
    """Mixed into the Slack stand-in: delivers events and interactions as Slack does over Socket Mode."""

    socket_connected: asyncio.Event
    _sockets: list[web.WebSocketResponse]
    _acks: dict[str, asyncio.Future[Json]]

    async def send_envelope(self, kind: str, payload: Json, timeout: float = 5.0, **extra: Any) -> Json:
        """Deliver an event/interaction over Socket Mode and return the client's acknowledgement."""
        await asyncio.wait_for(self.socket_connected.wait(), timeout)
        envelope_id = str(uuid.uuid4())
        future: asyncio.Future[Json] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        ws = self._sockets[-1]
        await ws.send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                **extra,
            }
        )
        return await asyncio.wait_for(future, timeout)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connected.set()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                future = self._acks.pop(str(data.get("envelope_id")), None)
                if future and not future.done():
                    future.set_result(data)
        finally:
            self._sockets.remove(ws)
            if not self._sockets:
                self.socket_connected.clear()
        return ws
