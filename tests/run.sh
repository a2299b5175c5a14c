#!/usr/bin/env bash
# The README's test command: installs everything the tests need, then runs the whole suite.
#   Debian packages: dovecot-imapd (real IMAP server), chromium (browser tests), python3-venv
#   Python: this project with its dev extras, in ./.venv
# Without arguments: the whole suite (on both cores), then at once the crash harness on one loaded core
# (tests/loaded.sh) and the scenario tests again at real-world moments (tests/support/clock.py) on the other.
# With arguments, only `pytest ARGS`, e.g. `bash tests/run.sh -k parser`.
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
# Both cores of the machine: pytest-xdist, the soak (marked `long`) first, idle workers steal queued tests.
WORKERS=$(nproc 2>/dev/null || echo 1)
[ "$WORKERS" -ge 2 ] && WORKERS=2 || WORKERS=1
PARALLEL=()
[ "$WORKERS" -ge 2 ] && PARALLEL=(-n 2 --dist worksteal)
echo "==> pytest (the whole suite on $WORKERS core(s); the crash harness runs loaded below)"
run_pytest .venv/bin/python -m pytest "${PARALLEL[@]}" --deselect "$HARNESS"

# the scenarios drive the whole bot; the listener modules with timed behaviour (commands: /oncall, /inbox
# countdowns; actions: tracking; HTTP mode: signature timestamps) run too. The other listener tests run once above.
WALL_CLOCK_TESTS="tests/scenarios tests/handlers/test_commands.py tests/handlers/test_actions.py"
WALL_CLOCK_TESTS="$WALL_CLOCK_TESTS tests/handlers/test_http_mode.py tests/test_wall_clock.py"
wall_clock_tests() {
  # shellcheck disable=SC2086
  run_pytest "$@" .venv/bin/python -m pytest -q $WALL_CLOCK_TESTS --wall-clock-at=all
}
# three quarters of the default kills: every aimed phase still hit 15 times, and CI stays under 30 minutes
harness() {
  INBOX_BOT_TEST_KILLS=${INBOX_BOT_TEST_KILLS:-90} INBOX_BOT_TEST_SEND_KILLS=${INBOX_BOT_TEST_SEND_KILLS:-45} \
    run_pytest bash tests/loaded.sh -q "$HARNESS"
}
if [ "$WORKERS" -lt 2 ]; then
  echo "==> the scenario and Slack-listener tests at real-world moments (handoff, digest, midnight, DST, New Year)"
  wall_clock_tests
  echo "==> the crash harness on one CPU core shared with a busy loop"
  harness
  exit 0
fi
# Two cores: the crash harness on core 0 beside its busy loop, the real-world moments on core 1 meanwhile.
echo "==> at once: the crash harness on core 0 shared with a busy loop, and the scenario and Slack-listener"
echo "    tests at real-world moments (handoff, digest, midnight, DST, New Year) on core 1"
WALL_LOG=$(mktemp)
trap 'rm -f "$WALL_LOG"' EXIT
wall_clock_tests taskset -c 1 >"$WALL_LOG" 2>&1 &
wall_pid=$!
harness_status=0
INBOX_BOT_LOADED_CORE=0 harness || harness_status=$?
wall_status=0
wait "$wall_pid" || wall_status=$?
echo "==> (core 1) the scenario and Slack-listener tests at real-world moments:"
cat "$WALL_LOG"
if [ "$harness_status" -ne 0 ] || [ "$wall_status" -ne 0 ]; then
  echo "failed: crash harness exit $harness_status, real-world moments exit $wall_status" >&2
  exit 1
fi
