"""One bot per database: the instance lock refuses a second holder and dies with its process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store.lock import AlreadyRunning, InstanceLock

ROOT = Path(__file__).resolve().parents[3]


def test_the_lock_file_sits_next_to_the_database_and_names_the_holder(tmp_path: Path) -> None:
    lock = InstanceLock(tmp_path / "data" / "bot.db")
    lock.acquire()
    try:
        assert lock.path == tmp_path / "data" / "bot.db.lock"  # the folder is made if missing
        assert lock.path.read_text() == str(os.getpid())
    finally:
        lock.release()


def test_a_second_holder_is_refused_with_the_first_ones_pid(tmp_path: Path) -> None:
    first = InstanceLock(tmp_path / "bot.db")
    first.acquire()
    try:
        with pytest.raises(
            AlreadyRunning,
            match=rf"another inbox-bot \(pid {os.getpid()}\) is running on .*bot\.db: stop it first",
        ):
            InstanceLock(tmp_path / "bot.db").acquire()
        other = InstanceLock(tmp_path / "other.db")
        other.acquire()  # another database is another bot
        other.release()
    finally:
        first.release()


def test_a_stale_lock_file_is_taken_over_and_its_old_pid_replaced(tmp_path: Path) -> None:
    (tmp_path / "bot.db.lock").write_text("99999999999")  # left by a bot that is gone
    lock = InstanceLock(tmp_path / "bot.db")
    lock.acquire()
    assert lock.path.read_text() == str(os.getpid())
    lock.release()


def test_after_release_the_next_one_may_hold_it(tmp_path: Path) -> None:
    first = InstanceLock(tmp_path / "bot.db")
    first.acquire()
    first.release()
    first.release()  # releasing twice is harmless
    second = InstanceLock(tmp_path / "bot.db")
    second.acquire()
    assert second.path.read_text() == str(os.getpid())
    second.release()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from bot.store.lock import InstanceLock; "
            "InstanceLock(Path(sys.argv[1])).acquire(); print('held', flush=True); time.sleep(60)",
            str(database),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyRunning, match=rf"pid {holder.pid}\)"):
            InstanceLock(database).acquire()
    finally:
        holder.kill()  # SIGKILL: no chance to clean up
        holder.wait(10)
        if holder.stdout:
            holder.stdout.close()
    after = InstanceLock(database)
    after.acquire()
    assert after.path.read_text() == str(os.getpid())
    after.release()
