"""Where mails come from: an IMAP folder (IDLE, or polling) or a local folder for the demo and tests."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import aioimaplib

from bot.clock.clocks import Clock
from bot.mail.wire import HEADER_BYTES, PREVIEW_BYTES, Fetched, parse_fetch, partial_mail
from bot.redact import protect_imap_log
from bot.settings import Settings
from bot.store.store import Store

log = logging.getLogger(__name__)

IDLE_RENEW_SECONDS = 25 * 60  # RFC 2177: re-issue IDLE before the server's 30-minute timeout
QUOTA_EVERY = timedelta(hours=1)  # how often the mailbox's fill level is read (RFC 2087 GETQUOTAROOT)
_STORAGE = re.compile(rb"\(.*?STORAGE (\d+) (\d+)", re.IGNORECASE)
QuotaCallback = Callable[[int, int], object]  # (used KiB, limit KiB)
FETCH_BATCH = 25
MAX_BACKOFF = 300.0


@dataclass(frozen=True)
class IncomingMail:
    """One raw mail and where it came from; a mail over the size limit has only its header and first part in `raw`,
    its full `size`, and the `location` where it can be read."""

    raw: bytes
    source_ref: str
    internal_date: datetime | None = None
    size: int | None = None
    location: str | None = None  # set only for a mail too large to hold: where the whole of it is
    account: str | None = None  # the account whose mailbox it was read from (None: the first)

    @property
    def too_large(self) -> bool:
        """Whether only the start of the mail was read (it is over INBOX_BOT_MAX_MAIL_MB)."""
        return self.location is not None


Handler = Callable[[list[IncomingMail]], Awaitable[Any]]  # a batch, in mailbox order (Intake.handle_many)
StatusCallback = Callable[[str, str | None], Awaitable[None]]


class MailSource(Protocol):
    """Something that hands every new mail to a handler, once, in order."""

    name: str

    async def run(self, handle: Handler) -> None:
        """Deliver mails in batches until cancelled; a batch's checkpoint moves only after `handle` returned."""
        ...


class MailboxError(Exception):
    """The mailbox cannot be read (login refused, folder missing, protocol error)."""


# ---- IMAP ------------------------------------------------------------------------------------------

_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


class ImapSource:
    """Reads one IMAP folder with IDLE (or polling), remembering UIDVALIDITY and the last UID in the store."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock,
        *,
        on_status: StatusCallback | None = None,
        on_quota: QuotaCallback | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.on_status = on_status
        self.on_quota = on_quota  # told the mailbox's fill level (the watchdog warns when it is nearly full)
        self._quota_at: datetime | None = None
        self.name = (
            f"imap:{settings.imap_user}@{settings.imap_host}:{settings.imap_port}/{settings.imap_folder}"
        )
        self.connected = asyncio.Event()
        self.waiting: str | None = (
            None  # how new mail is awaited once connected: "idle" (IMAP IDLE) or "poll"
        )
        self._dropped = asyncio.Event()  # the server closed this session's connection
        self._last_problem: str | None = None
        self.problem: str | None = None  # why the mailbox cannot be read now (None: connected or connecting)
        self.retry_at: float | None = None  # when the next attempt starts (the loop's time), while in backoff
        self.reconnects = 0  # attempts after a session failed (the metrics' IMAP reconnects)
        protect_imap_log(settings.imap_password.get_secret_value() if settings.imap_password else None)

    def _client(self) -> aioimaplib.IMAP4:
        s = self.settings
        self._dropped = asyncio.Event()
        dropped = self._dropped.set  # this connection's event, even after a reconnect made a new one

        def lost(exc: Exception | None) -> None:
            dropped()

        if s.imap_tls == "ssl":
            ctx = ssl.create_default_context()
            if not s.imap_tls_verify:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            return aioimaplib.IMAP4_SSL(
                s.imap_host, s.imap_port, timeout=s.imap_timeout, ssl_context=ctx, conn_lost_cb=lost
            )
        return aioimaplib.IMAP4(s.imap_host, s.imap_port, timeout=s.imap_timeout, conn_lost_cb=lost)

    async def login(self) -> aioimaplib.IMAP4:
        """Connect and log in; raises MailboxError with a readable reason."""
        client = self._client()
        try:
            await client.wait_hello_from_server()
        except (OSError, TimeoutError) as e:
            raise MailboxError(
                f"cannot reach {self.settings.imap_host}:{self.settings.imap_port}: {e}"
            ) from e
        password = self.settings.imap_password.get_secret_value() if self.settings.imap_password else ""
        response = await client.login(self.settings.imap_user, password)
        if response.result != "OK":
            raise MailboxError(
                f"login refused for {self.settings.imap_user!r}: check user and (app) password"
            )
        return client

    async def run(self, handle: Handler) -> None:
        """Read forever, reconnecting with backoff; problems are logged and reported, never raised."""
        backoff = 1.0
        while True:
            try:
                await self._session(handle)
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except Exception as e:
                self.connected.clear()
                problem = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
                log.warning("mailbox %s: %s; retrying in %.0f s", self.name, problem, backoff)
                self.problem, self.retry_at = problem, asyncio.get_running_loop().time() + backoff
                self.reconnects += 1
                await self._report("down", problem)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)

    async def _report(self, state: str, problem: str | None) -> None:
        if self.on_status is None or problem == self._last_problem:
            return
        self._last_problem = problem
        try:
            await self.on_status(state, problem)
        except Exception:
            log.exception("could not report mailbox status")

    async def _session(self, handle: Handler) -> None:
        client = await self.login()
        try:
            response = await client.select(self.settings.imap_folder)
            if response.result != "OK":
                raise MailboxError(f"folder {self.settings.imap_folder!r} cannot be opened: {response.lines}")
            validity = next(
                (int(m.group(1)) for line in response.lines if (m := _UIDVALIDITY.search(bytes(line)))), 0
            )
            self.connected.set()
            self.problem = self.retry_at = None
            if self._last_problem is not None:
                await self._report("up", None)
            log.info("mailbox %s open (UIDVALIDITY %d)", self.name, validity)
            use_idle = self.settings.imap_idle and client.has_capability("IDLE")
            self.waiting = "idle" if use_idle else "poll"
            if not use_idle:
                why = "IDLE is switched off" if not self.settings.imap_idle else "the server offers no IDLE"
                log.info("%s; polling every %.0f s", why, self.settings.imap_poll_seconds)
            while True:
                await self._read_new(client, validity, handle)
                await self._quota(client)
                if use_idle:
                    await self._idle(client)
                else:
                    await asyncio.sleep(self.settings.imap_poll_seconds)
                    await client.noop()
        finally:
            try:
                await asyncio.wait_for(client.logout(), 1)
            except Exception:
                log.debug("logout failed", exc_info=True)

    async def _quota(self, client: aioimaplib.IMAP4) -> None:
        """Read the folder's storage quota (hourly, where the server has QUOTA) and tell `on_quota`."""
        now = self.clock.now()
        if self.on_quota is None or not client.has_capability("QUOTA"):
            return
        if self._quota_at is not None and now - self._quota_at < QUOTA_EVERY:
            return
        self._quota_at = now
        try:  # a side look: its failure is logged and never takes the reading down (aioimaplib asks for INBOX's root)
            response = await client.getquotaroot(self.settings.imap_folder)
            found = next((m for line in response.lines if (m := _STORAGE.search(bytes(line)))), None)
            if response.result != "OK" or found is None:
                log.info("mailbox %s: no storage quota reported (%s)", self.name, response.result)
                return
            used, limit = int(found.group(1)), int(found.group(2))
            log.info("mailbox %s: %d of %d KiB used", self.name, used, limit)
            self.on_quota(used, limit)
        except (TimeoutError, aioimaplib.Abort, aioimaplib.CommandTimeout, ValueError) as e:
            log.warning("mailbox %s: the quota could not be read: %s", self.name, e)
        except Exception:
            log.exception("mailbox %s: telling the quota failed", self.name)

    async def _new_uids(self, client: aioimaplib.IMAP4, validity: int) -> list[int]:
        stored_validity, last_uid = await self.store.run(self.store.mailbox_state, source=self.name)
        if stored_validity != validity:
            # First run, or the folder was re-created: read the recent past; Message-IDs dedupe the rest.
            since = (self.clock.now() - timedelta(days=3)).strftime("%d-%b-%Y")
            if stored_validity is not None:
                log.warning(
                    "mailbox %s: UIDVALIDITY changed %s → %s; re-reading since %s",
                    self.name,
                    stored_validity,
                    validity,
                    since,
                )
            response = await client.uid_search("SINCE", since, charset=None)
            last_uid = 0
            await self.store.run(
                self.store.set_mailbox_state, source=self.name, uidvalidity=validity, last_uid=0
            )
        else:
            response = await client.uid_search("UID", f"{last_uid + 1}:*", charset=None)
        if response.result != "OK":
            raise MailboxError(f"UID SEARCH failed: {response.lines}")
        uids: list[int] = []
        for line in response.lines[:-1]:  # the last line is the tagged status
            words = bytes(line).split()
            if words and words[0].upper() == b"SEARCH":  # aioimaplib usually strips it; some versions do not
                words = words[1:]
            if words and all(w.isdigit() for w in words):
                uids.extend(int(w) for w in words)
        return sorted(u for u in uids if u > last_uid)

    async def _fetch(self, client: aioimaplib.IMAP4, uids: list[int], items: str) -> list[Fetched]:
        if not uids:
            return []
        response = await client.uid("fetch", ",".join(map(str, uids)), items)
        if response.result != "OK":
            raise MailboxError(f"UID FETCH failed: {response.lines}")
        return parse_fetch(response.lines)

    def _batches(self, uids: list[int], sizes: dict[int, int]) -> list[list[int]]:
        """UIDs in fetch batches of at most FETCH_BATCH mails and the size limit in all (a mail over it counts only
        the part that is read of it), so a batch never holds more than one limit's worth of mail in memory."""
        limit = self.settings.max_mail_bytes
        batches: list[list[int]] = []
        batch: list[int] = []
        total = 0
        for uid in uids:
            size = sizes.get(uid, 0)
            size = HEADER_BYTES + PREVIEW_BYTES if size > limit else size
            if batch and (len(batch) == FETCH_BATCH or total + size > limit):
                batches.append(batch)
                batch, total = [], 0
            batch.append(uid)
            total += size
        return [*batches, batch] if batch else batches

    def _location(self, uid: int, validity: int) -> str:
        """Where a mail can be read in the mailbox (after the move, if processed mails are moved)."""
        s = self.settings
        if s.imap_move_to:
            return (
                f"IMAP {s.imap_user}@{s.imap_host}, folder {s.imap_move_to!r} "
                f"(moved there from {s.imap_folder!r}, where it was UID {uid})"
            )
        return (
            f"IMAP {s.imap_user}@{s.imap_host}, folder {s.imap_folder!r}, UID {uid} (UIDVALIDITY {validity})"
        )

    async def _read_new(self, client: aioimaplib.IMAP4, validity: int, handle: Handler) -> None:
        uids = await self._new_uids(client, validity)
        if not uids:
            return
        # Sizes first: a mail over the limit is never fetched whole, only its header and the start of its text.
        sizes = {f.uid: f.size or 0 for f in await self._fetch(client, uids, "(UID RFC822.SIZE)")}
        limit = self.settings.max_mail_bytes
        for batch in self._batches(uids, sizes):
            whole = await self._fetch(
                client, [u for u in batch if sizes.get(u, 0) <= limit], "(UID INTERNALDATE BODY.PEEK[])"
            )
            parts = await self._fetch(
                client,
                [u for u in batch if sizes.get(u, 0) > limit],
                f"(UID INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER]<0.{HEADER_BYTES}> "
                f"BODY.PEEK[TEXT]<0.{PREVIEW_BYTES}>)",
            )
            mails = [
                (f.uid, IncomingMail(f.section("BODY[]"), f"{self.name}#{validity}:{f.uid}", f.internal_date))
                for f in whole
            ] + [
                (
                    f.uid,
                    IncomingMail(
                        partial_mail(f.section("BODY[HEADER]") + f.section("BODY[TEXT]")),
                        f"{self.name}#{validity}:{f.uid}",
                        f.internal_date,
                        size=f.size or sizes.get(f.uid),
                        location=self._location(f.uid, validity),
                    ),
                )
                for f in parts
            ]
            mails.sort(key=lambda m: m[0])
            fetched = [uid for uid, _ in mails]
            if not fetched:
                continue
            await handle([mail for _, mail in mails])
            await self.store.run(
                self.store.set_mailbox_state, source=self.name, uidvalidity=validity, last_uid=fetched[-1]
            )
            for uid in fetched:
                if self.settings.imap_move_to:
                    moved = await client.uid("move", str(uid), self.settings.imap_move_to)
                    if moved.result != "OK":
                        log.error(
                            "could not move UID %d to %r: %s", uid, self.settings.imap_move_to, moved.lines
                        )

    async def _idle(self, client: aioimaplib.IMAP4) -> None:
        idle = await client.idle_start(timeout=IDLE_RENEW_SECONDS)
        dropped = self._dropped
        try:
            while client.has_pending_idle():
                push_wait = asyncio.ensure_future(client.wait_server_push(timeout=IDLE_RENEW_SECONDS + 60))
                drop_wait = asyncio.ensure_future(dropped.wait())
                await asyncio.wait({push_wait, drop_wait}, return_when=asyncio.FIRST_COMPLETED)
                drop_wait.cancel()
                if not push_wait.done():  # a server gone quiet forever: do not wait 25 minutes to notice
                    push_wait.cancel()
                    raise MailboxError("the server closed the connection during IDLE")
                push = push_wait.result()
                if push == aioimaplib.STOP_WAIT_SERVER_PUSH:
                    break
                if any(b"EXISTS" in bytes(line) for line in push):
                    break
        finally:
            client.idle_done()
            # A dead connection never answers DONE: do not let cleanup (or shutdown) hang on it.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(idle, 2)


# ---- local folder ----------------------------------------------------------------------------------


class DirectorySource:
    """A Maildir (new/ and cur/) or a folder of .eml files, watched for new files (demo and tests)."""

    def __init__(
        self, path: Path, store: Store, *, poll_seconds: float = 0.3, max_bytes: int = 25 * 1024 * 1024
    ) -> None:
        self.path = Path(path)
        self.store = store
        self.poll_seconds = poll_seconds
        self.max_bytes = (
            max_bytes  # a larger file is read only as far as its header and the start of its text
        )
        self.name = f"dir:{self.path}"

    def read(self, file: Path, ref: str) -> IncomingMail:
        """One file as a mail: whole, or (over the size limit) its header and the first part of its text."""
        stat = file.stat()
        when = datetime.fromtimestamp(stat.st_mtime, UTC)
        if stat.st_size <= self.max_bytes:
            return IncomingMail(file.read_bytes(), ref, when)
        with file.open("rb") as f:
            head = f.read(HEADER_BYTES + PREVIEW_BYTES)
        return IncomingMail(partial_mail(head), ref, when, size=stat.st_size, location=f"file {file}")

    def _files(self) -> list[Path]:
        folders = [self.path / "cur", self.path / "new"] if (self.path / "new").is_dir() else [self.path]
        files = [
            f
            for d in folders
            if d.is_dir()
            for f in d.iterdir()
            if f.is_file() and not f.name.startswith(".")
        ]
        return sorted(files, key=lambda f: (f.stat().st_mtime, f.name))

    async def run(self, handle: Handler) -> None:
        """Hand each file not stored before to `handle`, then keep watching."""
        seen: set[str] = set()
        while True:
            try:
                batch: list[IncomingMail] = []
                for file in self._files():
                    ref = f"{self.name}/{file.name}"
                    if ref in seen or await self.store.run(self.store.has_source_ref, source_ref=ref):
                        seen.add(ref)
                        continue
                    batch.append(self.read(file, ref))
                    if len(batch) == FETCH_BATCH or sum(len(m.raw) for m in batch) >= self.max_bytes:
                        await handle(batch)
                        seen.update(m.source_ref for m in batch)
                        batch = []
                if batch:
                    await handle(batch)
                    seen.update(m.source_ref for m in batch)
            except OSError as e:
                log.warning("mail folder %s: %s", self.path, e)
            await asyncio.sleep(self.poll_seconds)
