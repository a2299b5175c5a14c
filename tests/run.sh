#!/usr/bin/env bash
# The README's test command: installs everything the tests need, then runs the whole suite.
#   Debian packages: dovecot-imapd (real IMAP server), chromium (browser tests), python3-venv
#   Python: this project with its dev extras, in ./.venv
# Without arguments: the whole suite, the scenario tests again at real-world moments (tests/support/clock.py),
# and the crash harness on one loaded core (tests/loaded.sh). With arguments, only `pytest ARGS`, e.g.
# `bash tests/run.sh -k parser`.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

need=()
[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
[ -x /usr/bin/chromium ] || need+=(chromium)
"$PYTHON" -c "import ensurepip, venv" 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
echo "==> installing inbox-bot with its dev extras"
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'

echo "==> ruff"
.venv/bin/ruff check .
echo "==> mypy"
.venv/bin/mypy
echo "==> reply templates (StrictUndefined + policy guard)"
.venv/bin/inbox-bot templates lint

# pytest's exit code 5 means it collected no tests: that is a failure here, never a pass.
run_pytest() {
  local status=0
  "$@" || status=$?
  if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: that is a failure, not a pass" >&2
    return 1
  fi
  return "$status"
}

if [ $# -gt 0 ]; then  # a developer's selection: just that
  echo "==> pytest $*"
  run_pytest .venv/bin/python -m pytest "$@"
  exit $?
fi

HARNESS=tests/reliability/test_crash_harness.py
echo "==> pytest (the whole suite; the crash harness runs loaded below)"
run_pytest .venv/bin/python -m pytest --deselect "$HARNESS"
echo "==> the scenario and Slack-listener tests at real-world moments (handoff, digest, midnight, DST, New Year)"
# the scenarios drive the whole bot; the listener modules with timed behaviour (commands: /oncall, /inbox
# countdowns; actions: tracking; HTTP mode: signature timestamps) run too. The other listener tests run once above.
WALL_CLOCK_TESTS="tests/scenarios tests/handlers/test_commands.py tests/handlers/test_actions.py"
WALL_CLOCK_TESTS="$WALL_CLOCK_TESTS tests/handlers/test_http_mode.py tests/test_wall_clock.py"
# shellcheck disable=SC2086
run_pytest .venv/bin/python -m pytest -q $WALL_CLOCK_TESTS --wall-clock-at=all
echo "==> the crash harness on one CPU core shared with a busy loop"
# three quarters of the default kills: every aimed phase still hit 15 times, and CI stays under 30 minutes
INBOX_BOT_TEST_KILLS=${INBOX_BOT_TEST_KILLS:-90} INBOX_BOT_TEST_SEND_KILLS=${INBOX_BOT_TEST_SEND_KILLS:-45} \
  run_pytest bash tests/loaded.sh -q "$HARNESS"
