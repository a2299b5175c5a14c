"""The whole bot running with a buyer's card in the channel, as the listeners' and the scenarios' tests use it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.clock.clocks import Clock
from bot.deps import Deps
from bot.mail.source import IncomingMail
from bot.sandbox.people import People
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import eventually, fixture_mail, make_settings, running_bot
from tests.support.clock import pinned_clock
from tests.support.smtp import SmtpServer


def texts(blocks: list[dict[str, Any]]) -> str:
    """Blocks as the JSON text Slack is sent (to look for words in)."""
    return json.dumps(blocks, ensure_ascii=False)


class Desk:
    """The bot running with a card for de_invoice.eml, the people of the workspace, and the SMTP server."""

    def __init__(self, deps: Deps, slack: FakeSlack, smtp: SmtpServer) -> None:
        self.deps, self.slack, self.smtp = deps, slack, smtp
        self.people = People(slack)

    @property
    def card(self) -> dict[str, Any]:
        return self.slack.posts("C0INBOX", top_level=True)[0]

    @property
    def conv(self) -> dict[str, Any]:
        return self.deps.store.conversations()[0]

    def thread(self) -> list[dict[str, Any]]:
        return self.slack.posts("C0INBOX", thread_ts=self.card["ts"])

    def seen_by(self, user: str) -> list[dict[str, Any]]:
        return [e for e in self.slack.ephemerals if e["user"] == user]

    async def click(self, user: str, action_id: str, *, ts: str | None = None, **kw: Any) -> dict[str, Any]:
        return await self.people.click(
            user=user, channel="C0INBOX", message_ts=ts or self.card["ts"], action_id=action_id, **kw
        )

    async def stored_card(self, ts: str) -> dict[str, Any]:
        """The conversation of the card posted as `ts`, once the poster has recorded it (Slack shows a post a moment
        before the bot has its answer and stores where it went)."""
        found: list[dict[str, Any]] = []

        def known() -> bool:
            found[:] = [c for c in [self.deps.store.conversation_by_card(channel="C0INBOX", ts=ts)] if c]
            return bool(found)

        await eventually(known, what=f"the card {ts} recorded")
        return found[0]

    async def told(self, user: str, count: int = 1) -> str:
        """Wait for the `count`th note only `user` sees and return its text."""
        await self.slack.wait_for(lambda: len(self.seen_by(user)) >= count)
        return str(self.seen_by(user)[count - 1]["text"])

    async def note(self, words: str) -> dict[str, Any]:
        """Wait for the thread note containing `words`."""
        await self.slack.wait_for(lambda: any(words in p["text"] for p in self.thread()))
        return next(p for p in self.thread() if words in p["text"])

    async def open_reply(self, user: str, action_id: str, **kw: Any) -> dict[str, Any]:
        """Click `action_id` on the card and return the modal it opens for `user`."""
        await self.click(user, action_id, **kw)
        await self.slack.wait_for(lambda: self.slack.open_view(user) is not None)
        view = self.slack.open_view(user)
        assert view is not None
        return view

    async def submit(self, user: str, text: str | None = None, *, confirm: bool = False) -> dict[str, Any]:
        """Submit `user`'s open reply modal, with `text` typed into it if given and "Send it anyway" ticked if asked."""
        values: dict[str, dict[str, Any]] | None = (
            None if text is None else {"reply": {"text": {"type": "plain_text_input", "value": text}}}
        )
        if confirm:
            ticked = [{"value": "yes", "text": {"type": "plain_text", "text": "Send it anyway"}}]
            values = {
                **(values or {}),
                "confirm": {"confirm": {"type": "checkboxes", "selected_options": ticked}},
            }
        return await self.people.submit_view(user=user, values=values)

    async def say(self, user: str, text: str, thread_ts: str | None = None) -> None:
        await self.people.say(user=user, channel="C0INBOX", text=text, thread_ts=thread_ts)

    async def mention(self, user: str, text: str, thread_ts: str | None = None) -> str:
        """Mention the bot and return what only `user` is told in answer (its text, then its blocks)."""
        before = len(self.seen_by(user))
        await self.say(user, f"<@{self.slack.bot_user_id}> {text}", thread_ts)
        await self.slack.wait_for(lambda: len(self.seen_by(user)) > before)
        answer = self.seen_by(user)[-1]
        return f"{answer['text']}\n{texts(answer['blocks'])}"


@contextlib.asynccontextmanager
async def open_desk(
    tmp_path: Path, slack: FakeSlack, smtp: SmtpServer, *, clock: Clock | None = None, **overrides: Any
) -> AsyncIterator[Desk]:
    """The whole bot on `clock` (default: the test's) with these settings, once the card of de_invoice.eml is up."""
    settings = make_settings(tmp_path, slack, **{**smtp.settings(), **overrides})
    async with running_bot(settings, clock=clock) as deps:
        await deps.ready.wait()
        await deps.intake.handle(
            IncomingMail(fixture_mail("de_invoice.eml"), "t1", (clock or pinned_clock()).now())
        )
        await slack.wait_for(lambda: len(slack.posts()) == 1)
        desk = Desk(deps, slack, smtp)
        await desk.stored_card(desk.card["ts"])  # clicks on it find its conversation
        yield desk
