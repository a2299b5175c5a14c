"""What a person does in the Slack stand-in, delivered to the bot as Slack delivers it.

Clicks, modal submissions, slash commands and thread messages become the payloads Slack sends: over the
stand-in's Socket Mode WebSocket, or as signed HTTP requests to the bot's `/slack/events` (HTTP mode).
"""

from __future__ import annotations

import itertools
import json
import logging
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot.sandbox.slack_api import FakeSlack, Json

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The bot did not take a delivery (no acknowledgement in time, or a refused request)."""


def sign(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with a request: timestamp and `v0=` HMAC-SHA256 signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"x-slack-request-timestamp": ts, "x-slack-signature": signature or ""}


class People:
    """The people of the stand-in's workspace acting on the bot, over Socket Mode or signed HTTP."""

    def __init__(self, slack: FakeSlack, *, http_url: str | None = None, ack_timeout: float = 3.0) -> None:
        self.slack = slack
        self.http_url = http_url  # the bot's /slack/events in HTTP mode; None means Socket Mode
        self.ack_timeout = ack_timeout
        self._events = itertools.count(1)

    # ---- transport ----

    async def _deliver(self, kind: str, payload: Json, **extra: Any) -> Json:
        """Send one envelope; returns the bot's acknowledgement (with its response payload, if any)."""
        if self.http_url is None:
            try:
                return await self.slack.send_envelope(kind, payload, timeout=self.ack_timeout, **extra)
            except TimeoutError as e:
                raise DeliveryError(f"the app did not acknowledge the {kind} within 3 seconds") from e
        if kind == "slash_commands":
            body = urlencode(payload)
            ctype = "application/x-www-form-urlencoded"
        elif kind == "interactive":
            body = urlencode({"payload": json.dumps(payload)})
            ctype = "application/x-www-form-urlencoded"
        else:
            body = json.dumps(payload)
            ctype = "application/json"
        headers = {"content-type": ctype, **sign(self.slack.signing_secret, body)}
        if "retry_attempt" in extra:
            headers["x-slack-retry-num"] = str(extra["retry_attempt"])
            headers["x-slack-retry-reason"] = str(extra.get("retry_reason", "http_timeout"))
        timeout = aiohttp.ClientTimeout(total=self.ack_timeout)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(self.http_url, data=body.encode(), headers=headers) as response,
        ):
            text = await response.text()
            if response.status != 200:
                raise DeliveryError(f"the app answered {response.status}: {text[:200]}")
            try:
                data = json.loads(text) if text else {}
            except ValueError:
                data = {"text": text}
            return {"payload": data} if data else {}

    # ---- payload parts ----

    def _user(self, user: str) -> Json:
        info = self.slack.users.get(user, {"name": user})
        return {"id": user, "username": info["name"], "name": info["name"], "team_id": self.slack.team_id}

    def _team(self) -> Json:
        return {"id": self.slack.team_id, "domain": "example-shop"}

    # ---- what people do ----

    async def click(
        self,
        *,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        value: str | None = None,
        selected: str | None = None,
    ) -> Json:
        """Click a button (or choose from a select) on a message in the channel."""
        message = self.slack.find_message(channel, message_ts)
        ephemeral = self.slack.find_ephemeral(user, message_ts) if message is None else None
        message = message or ephemeral
        if message is None:
            raise KeyError(f"no message {message_ts} in {channel}")
        element, block_id = _find_element(message.get("blocks") or [], action_id)
        if element is None:
            raise KeyError(f"message {message_ts} has no element {action_id!r}")
        action: Json = {
            "action_id": action_id,
            "block_id": block_id,
            "type": element.get("type", "button"),
            "action_ts": f"{time.time():.6f}",
        }
        if element.get("type") == "static_select":
            option = next(
                (o for o in _options(element) if o.get("value") == (selected or value)),
                None,
            )
            if option is None:
                raise KeyError(f"{action_id!r} has no option {selected or value!r}")
            action["selected_option"] = option
        else:
            action["text"] = element.get("text")
            action["value"] = element.get("value") if value is None else value
        payload: Json = {
            "type": "block_actions",
            "user": self._user(user),
            "api_app_id": "A0INBOXBOT",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral is not None,
                **({"thread_ts": message["thread_ts"]} if message.get("thread_ts") else {}),
            },
            "trigger_id": self.slack.new_trigger(user),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": "amazon-inbox"},
            "message": message,
            "state": {"values": {}},
            "response_url": self.slack.response_url(user, channel, message_ts),
            "actions": [action],
        }
        return await self._deliver("interactive", payload)

    async def submit_view(self, *, user: str, values: dict[str, dict[str, Json]] | None = None) -> Json:
        """Press the primary button of the modal the person sees; `values` as Slack's view state."""
        view = self.slack.open_view(user)
        if view is None:
            raise KeyError(f"{user} has no open modal")
        state = {"values": values if values is not None else _initial_values(view)}
        payload = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user),
            "api_app_id": "A0INBOXBOT",
            "token": "legacy-verification-token",
            "trigger_id": self.slack.new_trigger(user),
            "view": {**view, "state": state},
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        ack = await self._deliver("interactive", payload)
        response = ack.get("payload") or {}
        action = response.get("response_action")
        if action == "errors":
            return ack  # the modal stays open and shows the errors
        if action == "update":
            self.slack.views[view["id"]] = {**view, **response["view"], "id": view["id"]}
        elif action == "push":
            stored = self.slack.new_view(response["view"], user, view["root_view_id"], view["id"])
            if isinstance(stored, dict):
                self.slack.view_stacks.setdefault(user, []).append(stored["id"])
        else:
            self.slack.close_views(user, all_views=action == "clear")
        return ack

    async def command(self, *, user: str, channel: str, command: str, text: str = "") -> Json:
        """Run a slash command in the channel (Slack does not allow them in threads)."""
        payload = {
            "token": "legacy-verification-token",
            "team_id": self.slack.team_id,
            "team_domain": "example-shop",
            "channel_id": channel,
            "channel_name": "amazon-inbox",
            "user_id": user,
            "user_name": self.slack.users.get(user, {}).get("name", user),
            "command": command,
            "text": text,
            "api_app_id": "A0INBOXBOT",
            "is_enterprise_install": "false",
            "response_url": self.slack.response_url(user, channel),
            "trigger_id": self.slack.new_trigger(user),
        }
        return await self._deliver("slash_commands", payload)

    async def say(
        self, *, user: str, channel: str, text: str, thread_ts: str | None = None, retry: int = 0
    ) -> Json:
        """Write a message in the channel or a thread; the bot hears it as a `message` event."""
        message = self.slack.add_user_message(channel=channel, user=user, text=text, thread_ts=thread_ts)
        await self.slack.notify()
        event = {
            "type": "message",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": message["ts"],
            "event_ts": message["ts"],
            "channel_type": "channel",
        }
        if "thread_ts" in message:
            event["thread_ts"] = message["thread_ts"]
        replies: list[Json] = []
        for one in ([{**event, "type": "app_mention"}] if self.slack.bot_user_id in text else []) + [event]:
            try:
                replies.append(await self.send_event(one, retry=retry))
            except DeliveryError as e:
                # Slack gets no ack for an event no listener takes; for the person nothing is lost.
                log.info("%s event not acknowledged by the app: %s", one["type"], e)
        return replies[-1] if replies else {}

    async def open_home(self, *, user: str) -> Json:
        """Open the app's Home tab (Slack sends app_home_opened)."""
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": self.slack.dm_channel(user),
            "tab": "home",
        }
        return await self.send_event({**event, "event_ts": f"{time.time():.6f}"})

    async def send_event(self, event: Json, *, retry: int = 0) -> Json:
        """Deliver one Events API event; raises DeliveryError when the app does not take it."""
        payload = {
            "token": "legacy-verification-token",
            "team_id": self.slack.team_id,
            "api_app_id": "A0INBOXBOT",
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{next(self._events):010d}{uuid.uuid4().hex[:6].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.slack.team_id,
                    "user_id": self.slack.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
        extra: dict[str, Any] = {"retry_attempt": retry, "retry_reason": "timeout"} if retry else {}
        return await self._deliver("events_api", payload, **extra)


def _walk(blocks: list[Json]) -> list[tuple[Json, str]]:
    out: list[tuple[Json, str]] = []
    for block in blocks:
        block_id = str(block.get("block_id") or "")
        for element in [block.get("accessory"), block.get("element"), *(block.get("elements") or [])]:
            if isinstance(element, dict) and element.get("action_id"):
                out.append((element, block_id))
    return out


def _find_element(blocks: list[Json], action_id: str) -> tuple[Json | None, str]:
    return next(((e, b) for e, b in _walk(blocks) if e.get("action_id") == action_id), (None, ""))


def _options(element: Json) -> list[Json]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return options


def _initial_values(view: Json) -> dict[str, dict[str, Json]]:
    """The state Slack reports for a modal nobody edited: each input's initial value."""
    values: dict[str, dict[str, Json]] = {}
    for block in view.get("blocks") or []:
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, dict):
            continue
        kind = element.get("type")
        entry: Json = {"type": kind}
        if kind == "plain_text_input":
            entry["value"] = element.get("initial_value")
        elif kind == "static_select":
            entry["selected_option"] = element.get("initial_option")
        values.setdefault(str(block.get("block_id")), {})[str(element.get("action_id"))] = entry
    return values
