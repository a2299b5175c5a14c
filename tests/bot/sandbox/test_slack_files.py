"""The stand-in's uploads speak Slack's flow: the SDK's own files_upload_v2 works against it, and it refuses what
Slack refuses (a share of bytes that never arrived, a wrong length, an unknown channel)."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk.errors import SlackApiError

from bot.sandbox.slack_api import FakeSlack
from bot.sandbox.world import sample_png
from tests.bot.sandbox.test_slack_api import client_of


async def test_the_sdks_upload_shares_the_file_in_a_thread_and_serves_its_bytes(
    fake_slack: FakeSlack,
) -> None:
    client = client_of(fake_slack)
    card = await client.chat_postMessage(channel="C0INBOX", text="card")
    picture = sample_png()
    await client.files_upload_v2(
        channel="C0INBOX", thread_ts=card["ts"], content=picture, filename="karaffe.png", title="Karaffe"
    )
    [shared] = fake_slack.posts("C0INBOX", thread_ts=card["ts"])
    [file] = shared["files"]
    assert file["name"] == "karaffe.png" and file["title"] == "Karaffe" and file["mimetype"] == "image/png"
    assert file["size"] == len(picture)
    async with httpx.AsyncClient() as http:
        served = await http.get(file["url_private"])
    assert served.content == picture and served.headers["content-type"] == "image/png"
    replies = await client.conversations_replies(channel="C0INBOX", ts=card["ts"])
    assert replies["messages"][1]["files"][0]["id"] == file["id"]  # what the bot looks for after a crash


async def test_sharing_bytes_that_never_arrived_is_refused(fake_slack: FakeSlack) -> None:
    client = client_of(fake_slack)
    reserved = await client.files_getUploadURLExternal(filename="a.png", length=10)
    with pytest.raises(SlackApiError) as e:
        await client.files_completeUploadExternal(files=[{"id": reserved["file_id"]}], channel_id="C0INBOX")
    assert e.value.response["error"] == "file_not_found"
    async with httpx.AsyncClient() as http:
        short = await http.post(reserved["upload_url"], content=b"12345")
    assert short.status_code == 400  # not the length announced
    assert fake_slack.posts() == []


async def test_an_unknown_channel_or_missing_arguments_are_refused(fake_slack: FakeSlack) -> None:
    client = client_of(fake_slack)
    with pytest.raises(SlackApiError) as e:
        await client.files_getUploadURLExternal(filename="", length=10)
    assert e.value.response["error"] == "invalid_arguments"
    reserved = await client.files_getUploadURLExternal(filename="a.png", length=3)
    async with httpx.AsyncClient() as http:
        await http.post(reserved["upload_url"], content=b"abc")
    with pytest.raises(SlackApiError) as e:
        await client.files_completeUploadExternal(files=[{"id": reserved["file_id"]}], channel_id="C0NOPE")
    assert e.value.response["error"] == "channel_not_found"
