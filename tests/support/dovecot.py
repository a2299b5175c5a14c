"""A private Dovecot IMAP server on loopback for tests (recipe: shared/docs/dovecot.md)."""

from __future__ import annotations

import contextlib
import imaplib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    """Return a TCP port on loopback that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Dovecot:
    """One running Dovecot 2.3 with a test user, mail in a temp dir."""

    user: str = "seller"
    password: str = "secret"
    port: int = 0
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="inbox-bot-dovecot-")))
    proc: subprocess.Popen[bytes] | None = None
    quota_kib: int | None = None  # a storage quota for the user (Dovecot's quota and imap_quota plugins)
    capability: str | None = None  # what the server offers after login (`imap_capability`), e.g. without IDLE
    more_users: dict[str, str] = field(
        default_factory=dict
    )  # other mailboxes (user: password), e.g. an account's

    def start(self) -> Dovecot:
        """Write the config and start the server; wait until it greets."""
        if not os.path.exists(DOVECOT):
            raise RuntimeError(
                "dovecot is not installed: run `bash tests/run.sh` (it installs dovecot-imapd)"
            )
        os.chmod(self.root, 0o755)
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root / "mail", "dovecot", "dovecot")
            internal, login, uid = "dovecot", "dovenull", "uid=dovecot gid=dovecot"
        else:  # pragma: no cover - CI runs as root
            import pwd

            me = pwd.getpwuid(os.geteuid()).pw_name
            internal, login, uid = me, me, f"uid={me} gid={me}"
        self.port = self.port or free_port()
        users = {self.user: self.password, **self.more_users}
        (self.root / "users").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in users.items()))
        (self.root / "dovecot.conf").write_text(
            f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.root}/dovecot.log
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
first_valid_uid = 1
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{self.root}/mail/%u
ssl = no
{self._quota()}{f"imap_capability = {self.capability}" if self.capability else ""}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/users
}}
userdb {{
  driver = static
  args = {uid} home={self.root}/mail/%u
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
        )
        self.proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    if s.recv(64).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def _quota(self) -> str:
        if self.quota_kib is None:
            return ""
        return f"""
mail_plugins = $mail_plugins quota
protocol imap {{
  mail_plugins = $mail_plugins imap_quota
}}
plugin {{
  quota = maildir:User quota
  quota_rule = *:storage={self.quota_kib}K
}}
"""

    def stop(self) -> None:
        """Stop the master and its children and wait for them."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def log(self) -> str:
        """The server's log, for failure messages."""
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def client(self, user: str | None = None) -> imaplib.IMAP4:
        """A logged-in synchronous client, for test set-up (the main user's mailbox, or another user's)."""
        c = imaplib.IMAP4("127.0.0.1", self.port)
        c.login(user or self.user, self.more_users[user] if user else self.password)
        return c

    def append(self, raw: bytes, folder: str = "INBOX", user: str | None = None) -> None:
        """Deliver one mail with IMAP APPEND, as a second client would."""
        c = self.client(user)
        try:
            typ, data = c.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND failed: {data!r}")
        finally:
            c.logout()

    def flags(self, folder: str = "INBOX") -> list[bytes]:
        """The flags of every message in the folder, in order."""
        c = self.client()
        try:
            c.select(folder, readonly=True)
            typ, data = c.fetch("1:*", "(FLAGS)")
            return [d for d in data if isinstance(d, bytes)] if typ == "OK" and data != [None] else []
        finally:
            c.logout()

    def count(self, folder: str = "INBOX") -> int:
        """How many messages the folder holds."""
        c = self.client()
        try:
            _typ, data = c.select(folder, readonly=True)
            return int(data[0] or 0)
        finally:
            c.logout()
