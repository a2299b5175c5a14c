"""The demo page's HTTP routes: the channel as JSON, and what a visitor does (click, write, buy, command)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from importlib import resources
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.people import DeliveryError
from bot.sandbox.world import CHANNEL, CHANNEL_NAME, BuyerMail, deliver, normalise_order_id, relay_mail

if TYPE_CHECKING:
    from bot.sandbox.demo import Demo

log = logging.getLogger(__name__)

STATIC = {"page.js": "text/javascript", "page.css": "text/css"}
MAX_BUYER_TEXT = 20_000


def _asset(name: str) -> str:
    return resources.files("bot.sandbox").joinpath(name).read_text(encoding="utf-8")


def add_routes(app: web.Application, demo: Demo) -> None:
    """Mount the page and its JSON API on the stand-in's server."""
    routes = _Routes(demo)
    app.router.add_get("/", routes.index)
    app.router.add_get("/static/{name}", routes.static)
    app.router.add_get("/demo/state", routes.state)
    app.router.add_post("/demo/buyer", routes.buyer)
    app.router.add_post("/demo/click", routes.click)
    app.router.add_post("/demo/say", routes.say)
    app.router.add_post("/demo/command", routes.command)
    app.router.add_post("/demo/submit", routes.submit)
    app.router.add_post("/demo/close", routes.close)
    app.router.add_post("/demo/home", routes.home)


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


class _Routes:
    def __init__(self, demo: Demo) -> None:
        self.demo = demo

    async def index(self, request: web.Request) -> web.Response:
        return web.Response(text=_asset("page.html"), content_type="text/html")

    async def static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            raise web.HTTPNotFound()
        return web.Response(text=_asset(name), content_type=STATIC[name])

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError as e:
            raise web.HTTPBadRequest(text="the body must be JSON") from e
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="the body must be a JSON object")
        return body

    def _user(self, body: dict[str, Any]) -> str:
        user = str(body.get("user") or "")
        if user not in self.demo.slack.users:
            raise web.HTTPBadRequest(text=f"unknown user {user!r}")
        return user

    async def state(self, request: web.Request) -> web.Response:
        """Everything the page draws; with ?since=N it waits (up to 20 s) for a change after version N."""
        slack = self.demo.slack
        since = request.query.get("since")
        if since is not None and since.isdigit() and int(since) >= slack.version:
            with contextlib.suppress(TimeoutError):
                await slack.wait_for(lambda: slack.version > int(since), timeout=20)
        user = request.query.get("user", "U0AGENT")
        return web.json_response(
            {
                "version": slack.version,
                "now": self.demo.clock.now().isoformat(),
                "speed": self.demo.speed,
                "channel": {"id": CHANNEL, "name": CHANNEL_NAME},
                "bot": {"id": slack.bot_user_id, "name": "inbox-bot"},
                "users": [
                    {"id": u["id"], "name": u["real_name"], "title": u["profile"]["title"]}
                    for u in slack.users.values()
                ],
                "messages": slack.messages.get(CHANNEL, []),
                "ephemerals": [e for e in slack.ephemerals if e["user"] == user],
                "view": slack.open_view(user),
                "mails": sorted(
                    self.demo.relay.snapshot() + self.demo.services.messaging.as_mails(),
                    key=lambda m: str(m.get("received") or ""),
                    reverse=True,
                ),
                "home": slack.home_views.get(user),
            }
        )

    async def buyer(self, request: web.Request) -> web.Response:
        """A buyer writes through Amazon: the relay mail lands in the sample mailbox."""
        body = await self._body(request)
        name = str(body.get("name") or "").strip()
        text = str(body.get("text") or "").strip()
        if not name or not text:
            return _error("a buyer needs a name and a message")
        if len(text) > MAX_BUYER_TEXT:
            return _error(f"a message has at most {MAX_BUYER_TEXT} characters")
        try:
            order_id = normalise_order_id(body.get("order_id"))
        except ValueError as e:
            return _error(str(e))
        language = "de" if body.get("language") == "de" else "en"
        mail = BuyerMail(
            name=name[:100],
            text=text,
            language=language,
            marketplace=str(body.get("marketplace") or ("amazon.de" if language == "de" else "amazon.com")),
            order_id=order_id,
            topic=str(body.get("topic") or "other"),
        )
        now = self.demo.clock.now()
        path = await asyncio.to_thread(deliver, self.demo.maildir, relay_mail(mail, sent_at=now), when=now)
        log.info("demo buyer %s wrote a message (%s)", mail.name, path.name)
        return web.json_response({"ok": True, "file": path.name})

    async def _person(self, action: Any) -> web.Response:
        try:
            ack = await action
        except DeliveryError as e:
            return _error(f"inbox-bot did not respond: {e}", status=502)
        except KeyError as e:
            return _error(str(e.args[0] if e.args else e), status=404)
        return web.json_response({"ok": True, "ack": ack})

    async def click(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        return await self._person(
            self.demo.people.click(
                user=self._user(body),
                channel=str(body.get("channel") or ""),
                message_ts=str(body.get("ts") or ""),
                action_id=str(body.get("action_id") or ""),
                value=body.get("value"),
                selected=body.get("selected"),
            )
        )

    async def say(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        text = str(body.get("text") or "").strip()
        if not text:
            return _error("write something first")
        return await self._person(
            self.demo.people.say(
                user=self._user(body),
                channel=str(body.get("channel") or ""),
                text=text,
                thread_ts=body.get("thread_ts") or None,
            )
        )

    async def command(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        line = str(body.get("line") or "").strip()
        if not line.startswith("/"):
            return _error("a slash command starts with /")
        command, _, text = line.partition(" ")
        return await self._person(
            self.demo.people.command(
                user=self._user(body), channel=str(body.get("channel") or ""), command=command, text=text
            )
        )

    async def submit(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        values = body.get("values")
        return await self._person(
            self.demo.people.submit_view(
                user=self._user(body), values=values if isinstance(values, dict) else None
            )
        )

    async def home(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        return await self._person(self.demo.people.open_home(user=self._user(body)))

    async def close(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        self.demo.slack.close_views(self._user(body))
        await self.demo.slack.notify()
        return web.json_response({"ok": True})
