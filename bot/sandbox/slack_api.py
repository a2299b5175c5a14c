"""A local stand-in for Slack's Web API and Socket Mode, for tests and the demo.

It speaks Slack's wire format to the real `AsyncWebClient` (pointed at it with `base_url`) and to the real
Socket Mode client (`apps.connections.open` returns a ws:// URL on loopback), keeps the channel's messages,
enforces the Block Kit limits and token checks Slack enforces, and can answer with 429s or hold a response
to simulate a crash between a post and its record.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.checks_slack import MANIFEST_SCOPES
from bot.sandbox.ratelimit import TokenBucket
from bot.sandbox.slack_files import Files
from bot.sandbox.slack_history import History
from bot.sandbox.slack_modals import Modals
from bot.sandbox.slack_socket import SocketMode

log = logging.getLogger(__name__)

Json = dict[str, Any]


def default_users() -> dict[str, Json]:
    """The demo workspace's people: an agent, the on-call person and the team lead."""

    def user(uid: str, name: str, real: str, title: str) -> Json:
        return {
            "id": uid,
            "team_id": "T0INBOX",
            "name": name,
            "real_name": real,
            "tz": "Europe/Berlin",
            "is_bot": False,
            "profile": {"real_name": real, "display_name": real.split()[0], "title": title},
        }

    return {
        "U0AGENT": user("U0AGENT", "anna", "Anna Agent", "Customer service"),
        "U0ONCALL": user("U0ONCALL", "omar", "Omar Oncall", "Customer service, on call"),
        "U0LEAD": user("U0LEAD", "lena", "Lena Lead", "Team lead"),
    }


@dataclass
class Fault:
    """An injected answer for the next `times` calls of a method."""

    status: int = 429
    error: str = "ratelimited"
    retry_after: float | None = 1.0
    times: int = 1


@dataclass
class FakeSlack(Modals, History, SocketMode, Files):
    """One workspace with one bot and a few channels, served over HTTP on loopback."""

    bot_token: str = "xoxb-test-token"
    app_token: str = "xapp-test-token"
    team_id: str = "T0INBOX"
    team: str = "Example Shop"
    bot_user_id: str = "U0INBOXBOT"
    bot_id: str = "B0INBOXBOT"
    channels: set[str] = field(default_factory=lambda: {"C0INBOX"})
    not_joined: set[str] = field(default_factory=set)  # channels that exist but the bot is not a member of
    scopes: set[str] = field(default_factory=lambda: set(MANIFEST_SCOPES))  # granted: `x-oauth-scopes` header
    calls: list[tuple[str, Json]] = field(default_factory=list)
    api_connections: set[Any] = field(default_factory=set)  # the TCP connections Web API calls came over
    post_limit: TokenBucket | None = (
        None  # chat.postMessage per channel (Slack: about 1 per second, short bursts)
    )
    messages: dict[str, list[Json]] = field(default_factory=dict)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    users: dict[str, Json] = field(default_factory=default_users)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    ephemerals: list[Json] = field(default_factory=list)
    views: dict[str, Json] = field(default_factory=dict)
    view_stacks: dict[str, list[str]] = field(default_factory=dict)
    home_views: dict[str, Json] = field(default_factory=dict)
    files: dict[str, Json] = field(default_factory=dict)  # uploads by file id
    delays: dict[str, float] = field(default_factory=dict)  # seconds a method takes (benchmarks)
    refused: list[str] = field(
        default_factory=list
    )  # why payloads were refused as Slack would (tests read it)
    signing_secret: str = "demo-signing-secret"
    host: str = "127.0.0.1"
    port: int = 0
    clock: Callable[[], float] | None = None  # epoch seconds the ts of new messages show (the demo's clock)

    def __post_init__(self) -> None:
        self._ts = itertools.count(1)
        self._by_ts: dict[tuple[str, str], Json] = {}  # (channel, ts) -> message: updates find theirs at once
        self._base = int(time.time())
        self._last_micros = 0  # with `clock`: the last ts given, so each is later than the one before
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[Json]] = {}
        self.socket_connected = asyncio.Event()
        self._released = asyncio.Event()
        self.on_post: list[Callable[[str, Json], None]] = []
        self._triggers: dict[str, tuple[str, float]] = {}
        self.version = 0  # grows with every change a viewer may want to redraw
        self._ids = itertools.count(1)

    # ---- lifecycle ----

    @property
    def base_url(self) -> str:
        """The Web API base URL to give the bot (INBOX_BOT_SLACK_API_URL)."""
        return f"http://{self.host}:{self.port}/api/"

    def web_app(self) -> web.Application:
        """The aiohttp application (also mounted by the demo server)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        self.add_file_routes(app)
        app.router.add_get("/link", self._socket)
        app.router.add_post("/respond/{user}/{channel}", self._respond)
        app.router.add_post("/respond/{user}/{channel}/{ts}", self._respond)
        return app

    async def start(self, setup: Callable[[web.Application], None] | None = None) -> FakeSlack:
        """Serve on loopback (the port is chosen by the OS unless set); `setup` may add routes first."""
        app = self.web_app()
        if setup is not None:
            setup(app)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server: Any = site._server
        sockets = server.sockets if server else []
        self.port = sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Close sockets and stop serving (held requests are dropped)."""
        self._released.set()
        await self.notify()  # release long-polling viewers at once
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    # ---- test controls ----

    def fail(self, method: str, **kwargs: Any) -> None:
        """Answer the next call(s) of `method` with an error (default: 429 with Retry-After 1)."""
        self.faults.setdefault(method, []).append(Fault(**kwargs))

    def hold(self, method: str, times: int = 1) -> None:
        """Carry out the next call(s) of `method` but never answer them (the caller's process dies waiting)."""
        self.held[method] = self.held.get(method, 0) + times

    def posts(
        self, channel: str | None = None, *, thread_ts: str | None = None, top_level: bool = False
    ) -> list[Json]:
        """Messages posted (oldest first), optionally of one channel, one thread, or only top-level ones."""
        out = [m for ch, msgs in self.messages.items() if channel in (None, ch) for m in msgs]
        if thread_ts:
            out = [m for m in out if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts]
        if top_level:
            out = [m for m in out if not m.get("thread_ts") or m.get("thread_ts") == m["ts"]]
        return out

    def calls_of(self, method: str) -> list[Json]:
        """The arguments of every call of one method."""
        return [args for name, args in self.calls if name == method]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until `predicate()` holds after some call, or fail with TimeoutError."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    # ---- HTTP ----

    async def _args(self, request: web.Request) -> Json:
        args: Json = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                args.update(body if isinstance(body, dict) else {})
            else:
                args.update(dict(await request.post()))
        for key in ("blocks", "metadata", "attachments", "view"):
            if isinstance(args.get(key), str):
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    args[key] = None
        return args

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args = await self._args(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or str(
            args.get("token", "")
        )
        self.calls.append((method, args))
        if request.transport is not None:
            self.api_connections.add(request.transport.get_extra_info("peername"))
        if self.delays.get(method):
            await asyncio.sleep(self.delays[method])
        if (
            method == "chat.postMessage"
            and self.post_limit is not None
            and not self.post_limit.take(str(args.get("channel", "")))
        ):
            retry = max(1, round(self.post_limit.retry_after(str(args.get("channel", "")))))
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(retry)}
            )
        faults = self.faults.get(method)
        if faults:
            fault = faults[0]
            fault.times -= 1
            if fault.times <= 0:
                faults.pop(0)
            headers = {"Retry-After": str(int(fault.retry_after))} if fault.retry_after is not None else {}
            await self.notify()
            return web.json_response(
                {"ok": False, "error": fault.error}, status=fault.status, headers=headers
            )
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return web.json_response({"ok": False, "error": "invalid_auth" if token else "not_authed"})
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        result = handler(args) if handler else {"ok": False, "error": "unknown_method"}
        if isinstance(result, dict) and result.get("ok") and method in self.held and self.held[method] > 0:
            self.held[method] -= 1
            await self.notify()
            await self._released.wait()  # the caller never hears back
            raise web.HTTPServiceUnavailable()
        await self.notify()
        return web.json_response(result, headers={"x-oauth-scopes": ",".join(sorted(self.scopes))})

    async def notify(self) -> None:
        """Wake whoever waits for a change (tests, the demo page)."""
        self.version += 1
        async with self._changed:
            self._changed.notify_all()

    # ---- Web API methods ----

    def _m_auth_test(self, args: Json) -> Json:
        return {
            "ok": True,
            "url": "https://example-shop.slack.com/",
            "team": self.team,
            "user": "inbox-bot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
        }

    def _m_apps_connections_open(self, args: Json) -> Json:
        return {"ok": True, "url": f"ws://{self.host}:{self.port}/link"}

    def _m_users_info(self, args: Json) -> Json:
        user = self.users.get(str(args.get("user")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _m_chat_postMessage(self, args: Json) -> Json:
        channel = str(args.get("channel", ""))
        if channel in self.users:  # a direct message: Slack opens the IM when given a user id
            channel = self.dm_channel(channel)
        if channel not in self.channels and not channel.startswith("D"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        error = self._check_blocks(args.get("blocks"))
        if error:
            return {"ok": False, "error": error}
        ts = self._next_ts()
        message: Json = {
            "type": "message",
            "ts": ts,
            "text": args.get("text", ""),
            "blocks": args.get("blocks") or [],
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "channel": channel,
        }
        if args.get("thread_ts"):
            parent = self.find_message(channel, str(args["thread_ts"]))
            if parent is None:
                return {"ok": False, "error": "thread_not_found"}
            message["thread_ts"] = parent["ts"]
            parent["thread_ts"] = parent["ts"]
            parent["reply_count"] = parent.get("reply_count", 0) + 1
        if isinstance(args.get("metadata"), dict):
            message["metadata"] = args["metadata"]
        self._store_message(channel, message)
        for hook in self.on_post:
            hook(channel, message)
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def dm_channel(self, user: str) -> str:
        """The IM channel id of the bot's direct messages with a person."""
        return "D" + user.removeprefix("U")

    def _store_message(self, channel: str, message: Json) -> None:
        self.messages.setdefault(channel, []).append(message)
        self._by_ts[(channel, str(message["ts"]))] = message

    def _m_chat_update(self, args: Json) -> Json:
        channel = str(args.get("channel", ""))
        message = self.find_message(channel, str(args.get("ts", "")))
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        error = self._check_blocks(args.get("blocks"))
        if error:
            return {"ok": False, "error": error}
        message.update(text=args.get("text", message["text"]), edited={"ts": self._next_ts()})
        if "blocks" in args:
            message["blocks"] = args.get("blocks") or []
        return {"ok": True, "channel": channel, "ts": message["ts"], "text": message["text"]}

    def _m_chat_postEphemeral(self, args: Json) -> Json:
        channel, user = str(args.get("channel", "")), str(args.get("user", ""))
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        if user not in self.users:
            return {"ok": False, "error": "user_not_in_channel"}
        error = self._check_blocks(args.get("blocks"))
        if error:
            return {"ok": False, "error": error}
        ts = self._next_ts()
        self.ephemerals.append(
            {
                "ts": ts,
                "channel": channel,
                "user": user,
                "text": args.get("text", ""),
                "blocks": args.get("blocks") or [],
                "thread_ts": args.get("thread_ts"),
            }
        )
        return {"ok": True, "message_ts": ts}

    def _m_views_publish(self, args: Json) -> Json:
        user = str(args.get("user_id", ""))
        view = args.get("view")
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        error = self._check_view(view, "home")
        if error:
            return {"ok": False, "error": error}
        assert isinstance(view, dict)
        if len(json.dumps(view)) > 250_000:
            return {"ok": False, "error": "view_too_large"}
        self.home_views[user] = {**view, "id": f"VH{user}"}
        return {"ok": True, "view": self.home_views[user]}

    def _m_usergroups_users_list(self, args: Json) -> Json:
        group = str(args.get("usergroup", ""))
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.usergroups[group])}

    # ---- what people do ----

    def add_user_message(self, *, channel: str, user: str, text: str, thread_ts: str | None = None) -> Json:
        """A message a person writes in the channel or a thread, as Slack stores it."""
        message: Json = {
            "type": "message",
            "ts": self._next_ts(),
            "text": text,
            "user": user,
            "channel": channel,
        }
        if thread_ts:
            parent = self.find_message(channel, thread_ts)
            if parent is None:
                raise KeyError(f"no message {thread_ts} in {channel}")
            message["thread_ts"] = parent["ts"]
            parent["thread_ts"] = parent["ts"]
            parent["reply_count"] = parent.get("reply_count", 0) + 1
        self._store_message(channel, message)
        return message

    def response_url(self, user: str, channel: str, ts: str | None = None) -> str:
        """Where the app may answer a command or click (`respond()`), as Slack's response_url.

        For a click on a message (`ts`), `replace_original`/`delete_original` act on that message.
        """
        base = f"http://{self.host}:{self.port}/respond/{user}/{channel}"
        return f"{base}/{ts}" if ts else base

    def find_ephemeral(self, user: str, ts: str) -> Json | None:
        """An ephemeral message one person sees, by its ts."""
        return next((e for e in self.ephemerals if e["user"] == user and e["ts"] == ts), None)

    async def _respond(self, request: web.Request) -> web.Response:
        user, channel = request.match_info["user"], request.match_info["channel"]
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        self.calls.append(("response_url", body))
        if self._check_blocks(body.get("blocks")):
            return web.Response(status=400, text="invalid_blocks")
        ts = request.match_info.get("ts")
        original = (self.find_ephemeral(user, ts) or self.find_message(channel, ts)) if ts else None
        if original is not None and (body.get("delete_original") or body.get("replace_original")):
            if body.get("delete_original"):
                if original in self.ephemerals:
                    self.ephemerals.remove(original)
            else:
                original.update(text=body.get("text", ""), blocks=body.get("blocks") or [])
            await self.notify()
            return web.Response(text="ok")
        if body.get("response_type") == "in_channel":
            self._m_chat_postMessage(
                {"channel": channel, "text": body.get("text", ""), "blocks": body.get("blocks")}
            )
        else:
            self._m_chat_postEphemeral(
                {"channel": channel, "user": user, "text": body.get("text", ""), "blocks": body.get("blocks")}
            )
        await self.notify()
        return web.Response(text="ok")
