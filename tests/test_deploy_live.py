"""Installing on a server, for real (opt-in: INBOX_BOT_TEST_DEPLOY=1; tests/test_deploy.py checks the files always).

As root, with debootstrap, buildah or podman, runc, systemd-nspawn (Debian packages debootstrap buildah podman runc
systemd-container) and network to Debian's mirror and PyPI: deploy/build-image.sh builds the image from a
debootstrapped root and it serves cards from the Slack stand-in; and the unit runs the bot in a Debian booted with
systemd-nspawn, hardened, restarted after a crash, nothing posted twice. About four minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import urllib.request
import uuid
from pathlib import Path

import pytest

from bot.sandbox.slack_api import FakeSlack
from tests.conftest import fixture_mail
from tests.support.clock import clock_env, pinned_clock

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "inbox-bot.service"
SCRIPT = ROOT / "deploy" / "build-image.sh"
LIVE = pytest.mark.skipif(
    os.environ.get("INBOX_BOT_TEST_DEPLOY") != "1", reason="opt-in: INBOX_BOT_TEST_DEPLOY=1"
)


# ---- the image ----

IMAGE = "localhost/inbox-bot-test:latest"


def podman(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """podman as it runs on a host without systemd (runc where installed, limits within the host's)."""
    runtime = ["--runtime", "runc"] if shutil.which("runc") else []
    cmd = ["podman", *runtime, "--cgroup-manager=cgroupfs", "--events-backend=file", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def status_of(url: str) -> int:
    """The HTTP status of a GET (from the host, as a monitor would ask)."""
    with urllib.request.urlopen(url, timeout=5) as r:
        return int(r.status)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@LIVE
@pytest.mark.timeout(900)
async def test_the_image_builds_and_serves_cards(tmp_path: Path, fake_slack: FakeSlack) -> None:
    for tool in ("podman", "debootstrap"):
        assert shutil.which(tool), f"{tool} is not installed (apt-get install {tool})"
    built = await asyncio.to_thread(
        subprocess.run, [str(SCRIPT)], env={**os.environ, "IMAGE": IMAGE}, capture_output=True, text=True
    )
    assert built.returncode == 0, built.stderr[-3000:]
    config = json.loads(podman("image", "inspect", IMAGE).stdout)[0]["Config"]
    assert config["User"] == "inbox-bot" and "/var/lib/inbox-bot" in config["Volumes"]

    mail = tmp_path / "mail"
    mail.mkdir(mode=0o755)
    (mail / "1.eml").write_bytes(fixture_mail("de_invoice.eml"))
    (mail / "1.eml").chmod(0o644)
    port, name, volume = (
        free_port(),
        f"inbox-bot-test-{uuid.uuid4().hex[:8]}",
        f"inbox-bot-test-{uuid.uuid4().hex[:8]}",
    )
    env = {
        "INBOX_BOT_SLACK_BOT_TOKEN": fake_slack.bot_token,
        "INBOX_BOT_SLACK_APP_TOKEN": fake_slack.app_token,
        "INBOX_BOT_SLACK_API_URL": fake_slack.base_url,
        "INBOX_BOT_SLACK_CHANNEL": "C0INBOX",
        "INBOX_BOT_MAIL_SOURCE": "directory",
        "INBOX_BOT_MAIL_DIRECTORY": "/mail",
        "INBOX_BOT_DIGEST_TIME": "",
        "INBOX_BOT_OPS_PORT": str(port),
        **clock_env(pinned_clock()),
    }
    limits = [
        "--ulimit=nofile=4096:4096",
        "--ulimit=nproc=4096:4096",
    ]  # podman's defaults may exceed the host's
    run = ["run", "-d", "--name", name, "--network", "host", *limits, "--health-interval=disable"]
    run += [f"--volume={mail}:/mail:ro", f"--volume={volume}:/var/lib/inbox-bot"]
    run += [a for k, v in env.items() for a in ("--env", f"{k}={v}")]
    try:
        started = podman(*run, IMAGE)
        assert started.returncode == 0, started.stderr
        await fake_slack.wait_for(lambda: len(fake_slack.posts("C0INBOX", top_level=True)) == 1, timeout=60)
        assert await asyncio.to_thread(status_of, f"http://127.0.0.1:{port}/healthz") == 200
        health = await asyncio.to_thread(podman, "healthcheck", "run", name)
        assert health.returncode == 0, health.stdout + health.stderr  # the image's own HEALTHCHECK
        who = podman("exec", name, "id", "-un").stdout.strip()
        assert who == "inbox-bot"
        stopped = await asyncio.to_thread(podman, "stop", "-t", "20", name)
        assert stopped.returncode == 0
        assert podman("inspect", name, "--format", "{{.State.ExitCode}}").stdout.strip() == "0", podman(
            "logs", name
        ).stderr
        files = podman(
            "run",
            "--rm",
            *limits,
            "--entrypoint",
            "ls",
            f"--volume={volume}:/var/lib/inbox-bot",
            IMAGE,
            "/var/lib/inbox-bot",
        )
        assert "inbox-bot.db" in files.stdout.split(), files.stdout + files.stderr
    finally:
        podman("rm", "-f", name)
        podman("volume", "rm", "-f", volume)


# ---- the unit under a real systemd ----


async def sh(
    *cmd: str | Path, timeout: float = 600, env: dict[str, str] | None = None, check: bool = True
) -> str:
    """Run a command without blocking the loop (the Slack stand-in answers meanwhile); its output (fail if `check`)."""
    proc = await asyncio.create_subprocess_exec(
        *map(str, cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode == 0 or not check, f"{cmd}: {out.decode()[-3000:]}"
    return out.decode()


def child_of(parent: int) -> int | None:
    """The pid of a child of `parent`, if it has one."""
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            if f"\nPPid:\t{parent}\n" in status.read_text():
                return int(status.parent.name)
    return None


def end_leftover(init: int) -> None:
    """SIGKILL the container's systemd if it outlived systemd-nspawn (stopped while booting): that ends them all."""
    with contextlib.suppress(OSError):
        if init and Path(f"/proc/{init}/comm").read_text().strip() == "systemd":
            os.kill(init, signal.SIGKILL)


async def container_init(nspawn: asyncio.subprocess.Process) -> int:
    """The pid of the booted container's systemd (the child of systemd-nspawn)."""
    for _ in range(300):
        if pid := await asyncio.to_thread(child_of, nspawn.pid):
            return pid
        await asyncio.sleep(0.1)
    raise AssertionError("systemd-nspawn started no container")


@LIVE
@pytest.mark.timeout(900)
async def test_the_unit_runs_the_bot_under_systemd(tmp_path: Path, fake_slack: FakeSlack) -> None:
    """The README's way 1 in a booted Debian (systemd-nspawn): hardened, restarted after a kill, nothing twice."""
    for tool in ("debootstrap", "systemd-nspawn", "nsenter"):
        assert shutil.which(tool), f"{tool} is not installed (Debian: debootstrap, systemd-container)"
    root = tmp_path / "root"
    packages = "systemd,systemd-sysv,dbus,python3,python3-venv,ca-certificates"
    await sh("debootstrap", "--variant=minbase", f"--include={packages}", "bookworm", root)
    for name in ("pyproject.toml", "README.md", "bot", "handlers", "jobs", "templates"):
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, root / "tmp" / "src" / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            (root / "tmp" / "src").mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, root / "tmp" / "src")
    # this host's CA bundle, for pip only (a TLS-inspecting proxy's CA may be in it)
    shutil.copy("/etc/ssl/certs/ca-certificates.crt", root / "tmp" / "build-ca.crt")
    install = "python3 -m venv /opt/inbox-bot && /opt/inbox-bot/bin/pip install -q /tmp/src"
    await sh(
        "chroot",
        root,
        "sh",
        "-c",
        install,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "PIP_CERT": "/tmp/build-ca.crt"},
    )

    (root / "srv" / "mail").mkdir(parents=True, mode=0o755)
    for i, name in enumerate(("de_invoice.eml", "fr_damaged.eml")):
        (root / "srv" / "mail" / f"{i}.eml").write_bytes(fixture_mail(name))
        (root / "srv" / "mail" / f"{i}.eml").chmod(0o644)
    port = free_port()
    settings = {
        "INBOX_BOT_SLACK_BOT_TOKEN": fake_slack.bot_token,
        "INBOX_BOT_SLACK_APP_TOKEN": fake_slack.app_token,
        "INBOX_BOT_SLACK_API_URL": fake_slack.base_url,  # the container shares this host's loopback
        "INBOX_BOT_SLACK_CHANNEL": "C0INBOX",
        "INBOX_BOT_MAIL_SOURCE": "directory",
        "INBOX_BOT_MAIL_DIRECTORY": "/srv/mail",
        "INBOX_BOT_DATABASE_PATH": "inbox-bot.db",  # as a copied .env.example has it
        "INBOX_BOT_DIGEST_TIME": "",
        "INBOX_BOT_OPS_PORT": str(port),
        **clock_env(pinned_clock()),
    }
    (root / "etc" / "inbox-bot").mkdir()
    (root / "etc" / "inbox-bot" / "env").write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    shutil.copy(UNIT, root / "etc" / "systemd" / "system")
    wants = root / "etc" / "systemd" / "system" / "multi-user.target.wants"
    wants.mkdir(exist_ok=True)
    (wants / "inbox-bot.service").symlink_to("/etc/systemd/system/inbox-bot.service")

    boot = ["systemd-nspawn", "-D", str(root), "-b", "--register=no", "--keep-unit", "--resolv-conf=off"]
    with (tmp_path / "console.log").open("wb") as console:
        nspawn = await asyncio.create_subprocess_exec(
            *boot, "--console=pipe", stdin=subprocess.DEVNULL, stdout=console, stderr=console
        )
    init = 0
    try:
        init = await container_init(nspawn)
        inside = ["nsenter", "-t", str(init), "-a"]

        async def show(prop: str) -> str:
            return (await sh(*inside, "systemctl", "show", "-p", prop, "--value", "inbox-bot")).strip()

        # until its systemd answers and has booted: "running" means no unit failed
        for _ in range(600):
            state = (await sh(*inside, "systemctl", "is-system-running", "--wait", check=False)).strip()
            if state in {"running", "degraded"}:
                break
            await asyncio.sleep(0.1)
        assert state == "running", await sh(*inside, "systemctl", "--failed", "--no-pager", check=False)
        await fake_slack.wait_for(lambda: len(fake_slack.posts("C0INBOX", top_level=True)) == 2, timeout=60)
        assert await asyncio.to_thread(status_of, f"http://127.0.0.1:{port}/healthz") == 200
        pid = await show("MainPID")
        status = await sh(*inside, "cat", f"/proc/{pid}/status")
        assert (
            "\nNoNewPrivs:\t1\n" in status
            and "\nSeccomp:\t2\n" in status
            and "\nCapEff:\t0000000000000000\n" in status
        )
        assert "\nUid:\t0\t" not in status  # its own (dynamic) user
        db = (
            root / "var" / "lib" / "private" / "inbox-bot" / "inbox-bot.db"
        )  # /var/lib/inbox-bot with DynamicUser
        assert db.exists() and db.stat().st_mode & 0o077 == 0

        await sh(*inside, "sh", "-c", f"kill -KILL {pid}")  # a crash
        for _ in range(300):  # RestartSec=10s
            if await show("NRestarts") == "1" and await show("SubState") == "running":
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("not restarted after SIGKILL")
        await fake_slack.wait_for(lambda: len(fake_slack.calls_of("auth.test")) == 2, timeout=30)
        await sh(*inside, "systemctl", "stop", "inbox-bot")
        assert (await show("Result"), await show("ExecMainStatus")) == ("success", "0")
        # nothing posted twice across the restart
        assert len(fake_slack.posts("C0INBOX", top_level=True)) == 2
    finally:
        nspawn.terminate()  # the container's systemd shuts down
        try:
            await asyncio.wait_for(nspawn.wait(), 60)
        except TimeoutError:
            nspawn.kill()
            await nspawn.wait()
        end_leftover(init)
