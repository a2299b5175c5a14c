"""Installing on a server: the systemd unit, the container image definition and the script that builds it.

Always: the unit's hardening, `systemd-analyze verify` and `security` where systemd-analyze runs, the bot serving
cards under MemoryDenyWriteExecute (the kernel's PR_SET_MDWE, where the kernel has it), the Containerfile's
instructions, and deploy/build-image.sh run against stand-ins of debootstrap and buildah (what it makes, what it
pulls: nothing). tests/test_deploy_live.py builds and starts the image and boots the unit (INBOX_BOT_TEST_DEPLOY=1).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.sandbox.slack_api import FakeSlack
from tests.conftest import fixture_mail
from tests.support.bot_process import bot_env, start_bot

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "inbox-bot.service"
CONTAINERFILE = ROOT / "deploy" / "Containerfile"
SCRIPT = ROOT / "deploy" / "build-image.sh"
INSTALLED = "/opt/inbox-bot/bin/inbox-bot"


def unit_settings(text: str) -> dict[str, list[str]]:
    """`Section.Key` -> every value it is given (systemd keys may repeat)."""
    section, found = "", {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        found.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return found


def test_unit_runs_the_installed_bot_hardened() -> None:
    s = {
        k.partition(".")[2]: v for k, v in unit_settings(UNIT.read_text()).items() if k.startswith("Service.")
    }
    one = {k: v[-1] for k, v in s.items()}
    assert one["ExecStart"] == f"{INSTALLED} run"
    assert one["DynamicUser"] == "yes" or one.get("User") == "inbox-bot"
    assert one["StateDirectory"] == "inbox-bot"
    assert "INBOX_BOT_DATABASE_PATH=/var/lib/inbox-bot/inbox-bot.db" in s["Environment"]
    assert one["EnvironmentFile"] == "/etc/inbox-bot/env"
    for key, value in {
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "NoNewPrivileges": "yes",
        "ProtectKernelTunables": "yes",
        "ProtectKernelModules": "yes",
        "ProtectKernelLogs": "yes",
        "ProtectControlGroups": "yes",
        "ProtectClock": "yes",
        "ProtectHostname": "yes",
        "RestrictSUIDSGID": "yes",
        "RestrictRealtime": "yes",
        "RestrictNamespaces": "yes",
        "LockPersonality": "yes",
        "MemoryDenyWriteExecute": "yes",  # the bot runs under it: test_the_bot_posts_cards_without_writable_code
        "SystemCallArchitectures": "native",
        "CapabilityBoundingSet": "",
        "Restart": "on-failure",
        "RestartPreventExitStatus": "2",  # `inbox-bot run` exits 2 for what a person must fix (bot/cli.py)
    }.items():
        assert one.get(key) == value, f"{key}={one.get(key)!r}, expected {value!r}"
    assert "@system-service" in s["SystemCallFilter"]
    assert set(one["RestrictAddressFamilies"].split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}
    assert re.fullmatch(r"\d+s?", one["RestartSec"])
    # a copied .env.example's relative database path (systemd lets the file override Environment=) is the same file
    assert one["WorkingDirectory"] == "/var/lib/inbox-bot"


def systemd_analyze(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True, timeout=60)


@pytest.fixture
def checkable_unit(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at this checkout's installed bot (verify wants an executable)."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here (Debian package systemd)")
    probe = tmp_path / "probe.service"
    probe.write_text("[Service]\nExecStart=/bin/true\n")
    if (r := systemd_analyze("verify", str(probe))).returncode or r.stderr.strip():
        pytest.skip(f"systemd-analyze cannot verify units here: {r.stderr.strip()}")
    here = Path(sys.executable).parent / "inbox-bot"
    assert here.exists(), "the checkout's bot is not installed in the venv (pip install -e .)"
    unit = tmp_path / "inbox-bot.service"
    unit.write_text(UNIT.read_text().replace(INSTALLED, str(here)))
    return unit


def test_unit_passes_systemd_analyze_verify(checkable_unit: Path) -> None:
    r = systemd_analyze("verify", str(checkable_unit))
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), r.stdout + r.stderr  # also no unknown key


def test_unit_exposure_is_low(checkable_unit: Path) -> None:
    r = systemd_analyze("security", "--offline=yes", "--no-pager", str(checkable_unit))
    if r.returncode and "offline" in r.stderr:
        pytest.skip(f"this systemd-analyze has no offline security check: {r.stderr.strip()}")
    m = re.search(r"Overall exposure level for \S+: ([\d.]+)", r.stdout)
    assert m, r.stdout + r.stderr
    assert float(m.group(1)) <= 2.0, r.stdout  # systemd's scale: 0 (locked down) .. 10 (unprotected)


MDWE = """\
import ctypes, mmap, os
if ctypes.CDLL(None, use_errno=True).prctl(65, 1, 0, 0, 0):  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    raise SystemExit(f"PR_SET_MDWE: {os.strerror(ctypes.get_errno())}")
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
except PermissionError:
    pass
else:
    raise SystemExit("PR_SET_MDWE is set, yet writable code could still be mapped")
"""


async def test_the_bot_posts_cards_without_writable_code(tmp_path: Path, fake_slack: FakeSlack) -> None:
    """MemoryDenyWriteExecute=yes in the unit: the bot, with every native library it loads, works without it."""
    probe = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-c", MDWE], capture_output=True, text=True, timeout=30
    )
    if probe.returncode:
        pytest.skip(f"the kernel cannot refuse writable code to a process: {probe.stderr.strip()}")
    site = tmp_path / "site"
    site.mkdir()
    mark = tmp_path / "mdwe-in-force"
    # runs in the bot's process before anything else
    (site / "sitecustomize.py").write_text(f"{MDWE}open({str(mark)!r}, 'w').close()\n")
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "1.eml").write_bytes(fixture_mail("de_invoice.eml"))
    (tmp_path / "mail" / "2.eml").write_bytes(fixture_mail("fr_damaged.eml"))
    bot = start_bot(tmp_path, fake_slack, PYTHONPATH=str(site))
    try:
        await fake_slack.wait_for(lambda: len(fake_slack.posts("C0INBOX", top_level=True)) == 2, timeout=30)
    finally:
        bot.terminate()
        code = await asyncio.to_thread(bot.wait, 15)
    assert code == 0, (tmp_path / "bot.log").read_text()
    assert mark.exists()  # the bot did run under it


# ---- a Procfile platform ----


def procfile() -> dict[str, str]:
    """Process type -> command line, as Heroku-style platforms (and honcho, foreman) read the Procfile."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict((k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines if line.strip()))


def test_procfile_has_one_worker_and_no_web_process() -> None:
    """Socket Mode needs no port: a worker, not a web process a platform would expect to bind $PORT."""
    assert procfile() == {"worker": "inbox-bot run"}


def start_worker(tmp_path: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The Procfile's worker started the way a platform starts it: its line through a shell, output to a log."""
    with open(tmp_path / "worker.log", "wb") as log:
        return subprocess.Popen(
            ["sh", "-c", f"exec {procfile()['worker']}"], env=env, stdout=log, stderr=log, cwd=tmp_path
        )


async def test_the_procfile_worker_runs_as_a_platform_runs_it(tmp_path: Path, fake_slack: FakeSlack) -> None:
    """The worker's command line through a shell, configured by the environment alone (a platform's config vars),
    with the platform's PORT set: it posts the cards of the mailbox and stops with exit 0 on SIGTERM, as a platform
    stops a dyno on deploy."""
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "1.eml").write_bytes(fixture_mail("de_invoice.eml"))
    env = bot_env(tmp_path, fake_slack)
    env.update(
        PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        PORT="5000",
        INBOX_BOT_LOG_FORMAT="json",  # platforms collect stdout: one JSON object per line
    )
    worker = start_worker(tmp_path, env)
    try:
        await fake_slack.wait_for(lambda: len(fake_slack.posts("C0INBOX", top_level=True)) == 1, timeout=30)
    finally:
        worker.terminate()
        code = await asyncio.to_thread(worker.wait, 15)
    output = (tmp_path / "worker.log").read_text()
    assert code == 0, output
    assert all(json.loads(line)["level"] for line in output.splitlines() if line.strip()), output


# ---- the container ----


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Containerfile, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(s for s in text.splitlines() if not s.lstrip().startswith("#")))
    return [(w[0].upper(), " ".join(w[1:])) for line in joined.splitlines() if (w := line.split())]


def test_containerfile_runs_the_bot_unprivileged_with_a_volume_and_a_healthcheck() -> None:
    steps = instructions(CONTAINERFILE.read_text())
    of = lambda name: [args for ins, args in steps if ins == name]  # noqa: E731
    assert of("FROM") == [
        "${BASE}"
    ]  # the base is a build argument: build-image.sh gives its own, never pulled
    assert any(a.startswith("BASE=debian:") for a in of("ARG"))  # where pulling works, Debian's image
    (user,) = of("USER")
    assert user not in {"root", "0"} and not user.startswith(("root:", "0:"))
    assert of("VOLUME") == ['["/var/lib/inbox-bot"]']
    (env,) = of("ENV")
    assert "INBOX_BOT_DATABASE_PATH=/var/lib/inbox-bot/inbox-bot.db" in env.split()
    assert "INBOX_BOT_OPS_HOST=0.0.0.0" in env.split()  # the health check and the host can reach it
    (health,) = of("HEALTHCHECK")
    assert "/healthz" in health and health.split()[-1] != "NONE"
    assert of("ENTRYPOINT") == ['["/opt/inbox-bot/bin/inbox-bot"]'] and of("CMD") == ['["run"]']
    # every package the wheel is built from is copied into the build
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    tops = {name.split(".")[0] for name in include["include"]}
    copied = {a.split()[0] for a in of("COPY")} | {w for a in of("COPY") for w in a.split()[:-1]}
    assert tops | {"pyproject.toml", "README.md"} <= copied, tops - copied


def test_build_script_is_valid_bash() -> None:
    assert subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True).returncode == 0
    assert os.access(SCRIPT, os.X_OK)
    if shutil.which("shellcheck") is None:
        pytest.skip("shellcheck is not installed here (Debian package shellcheck); bash -n passed")
    r = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


STUB = """#!/bin/sh
printf '%s\\n' "$(basename "$0") $*" >> "{log}"
case "$(basename "$0") $1" in
  "debootstrap "*) shift $(($# - 3)); mkdir -p "$2/usr/bin" && touch "$2/usr/bin/python3" ;;
  "buildah inspect") exit 1 ;;
  "buildah from") echo working-container ;;
  "buildah mount") echo "{mnt}" ;;
  "dpkg "*) echo amd64 ;;
esac
"""


def test_build_script_makes_its_own_base_and_pulls_nothing(tmp_path: Path) -> None:
    """The script against stand-ins of debootstrap, buildah and dpkg: what it asks of each."""
    stubs, log, mnt = tmp_path / "bin", tmp_path / "calls.log", tmp_path / "mnt"
    stubs.mkdir()
    mnt.mkdir()
    for name in ("debootstrap", "buildah", "dpkg"):
        (stubs / name).write_text(STUB.format(log=log, mnt=mnt))
        (stubs / name).chmod(0o755)
    (tmp_path / "ca.crt").write_text("a CA")
    env = {
        "PATH": f"{stubs}:/usr/bin:/bin",
        "WORKDIR": str(tmp_path / "work"),
        "BUILD_CA": str(tmp_path / "ca.crt"),
        "MIRROR": "http://mirror.invalid/debian",
    }
    r = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    if r.returncode and "run as root" in r.stderr:
        pytest.skip("the script needs root, and this test runs as another user")
    assert r.returncode == 0, r.stderr
    calls = log.read_text().splitlines()
    boot = next(c.split() for c in calls if c.startswith("debootstrap "))
    assert "--variant=minbase" in boot and boot[-3:] == ["bookworm", f"{tmp_path}/work/root", env["MIRROR"]]
    assert "python3" in next(a for a in boot if a.startswith("--include=")).split("=")[1].split(",")
    assert (mnt / "usr" / "bin" / "python3").exists()  # the root went into the scratch container
    assert "buildah from scratch" in calls
    assert any(
        c.startswith("buildah commit") and c.endswith("localhost/inbox-bot-base:bookworm") for c in calls
    )
    (build,) = [c for c in calls if c.startswith("buildah build ")]
    words = build.split()
    assert "--pull=never" in words and "--format" in words and words[words.index("--format") + 1] == "docker"
    assert words[words.index("-f") + 1] == str(CONTAINERFILE) and words[-1] == str(ROOT)
    assert "BASE=localhost/inbox-bot-base:bookworm" in words
    assert f"{tmp_path}/ca.crt:/run/build-ca.crt:ro" in words and "PIP_CERT=/run/build-ca.crt" in words
    assert not [c for c in calls if re.match(r"buildah (pull|from (?!scratch))", c)]

    log.unlink()  # a second build keeps the base it has
    (stubs / "buildah").write_text(
        STUB.format(log=log, mnt=mnt).replace('"buildah inspect") exit 1', '"x") ')
    )
    r = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert not [c for c in log.read_text().splitlines() if c.startswith(("debootstrap", "buildah from"))]
