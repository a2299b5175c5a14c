"""Deps: the bot's own Slack user learnt from auth.test, and fields typed as the parts they are."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.app import build_deps
from bot.deps import Deps
from bot.sandbox.slack_api import FakeSlack
from tests.conftest import make_settings
from tests.support.clock import pinned_clock


async def test_the_bot_user_id_comes_from_the_gateway_after_auth_test(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    client = AsyncWebClient(token=fake_slack.bot_token, base_url=fake_slack.base_url)
    deps = build_deps(make_settings(tmp_path, fake_slack), clock=pinned_clock(), client=client)
    try:
        assert deps.bot_user_id is None  # not known before Slack answered
        await deps.slack.auth_test()
        assert deps.bot_user_id == fake_slack.bot_user_id == "U0INBOXBOT"
        deps.slack.bot_user_id = "U0OTHER"  # read from the gateway each time, never copied
        assert deps.bot_user_id == "U0OTHER"
    finally:
        await deps.http.aclose()
        deps.store.close()


def mentions_any(hint: Any) -> bool:
    return hint is Any or any(mentions_any(arg) for arg in typing.get_args(hint))


def test_no_field_is_typed_any() -> None:
    hints = typing.get_type_hints(Deps)
    fields = [f.name for f in dataclasses.fields(Deps)]
    assert len(fields) > 15 and set(fields) <= set(hints)
    assert [name for name in fields if mentions_any(hints[name])] == []
