#!/usr/bin/env bash
# The README's test command: installs everything the tests need, then runs the whole suite.
#   Debian packages: dovecot-imapd (real IMAP server), postgresql (the store's second engine: a throwaway cluster per
#   run, tests/support/postgres.py), chromium (browser tests), openssl (test certificates for the SMTP/IMAP TLS checks),
#   python3-venv
#   Python: this project with its dev extras, in ./.venv
# Without arguments: the whole suite (on both cores); then, while the week-long soak runs, the crash harness on
# one loaded core (tests/loaded.sh) and the scenario tests again at real-world moments (tests/support/clock.py).
# With arguments, only `pytest ARGS`, e.g. `bash tests/run.sh -k parser`.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

need=()
[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v openssl >/dev/null || need+=(openssl)
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
SOAK=tests/reliability/test_soak.py
FAILOVER=tests/reliability/test_failover.py
# Both cores of the machine: pytest-xdist, idle workers stealing queued tests from busy ones.
WORKERS=$(nproc 2>/dev/null || echo 1)
PARALLEL=()
[ "$WORKERS" -ge 2 ] && PARALLEL=(-n 2 --dist worksteal)

# the scenarios drive the whole bot; the listener modules with timed behaviour (commands: /oncall, /inbox
# countdowns; actions: tracking; HTTP mode: signature timestamps) run too. The other listener tests run once above.
WALL_CLOCK_TESTS="tests/scenarios tests/handlers/test_commands.py tests/handlers/test_actions.py"
WALL_CLOCK_TESTS="$WALL_CLOCK_TESTS tests/handlers/test_http_mode.py tests/test_wall_clock.py"
wall_clock_tests() {
  # shellcheck disable=SC2086
  run_pytest .venv/bin/python -m pytest -q "${PARALLEL[@]}" $WALL_CLOCK_TESTS --wall-clock-at=all
}
# three quarters of the default kills: every aimed phase still hit 15 times, and CI stays under 30 minutes
harness() {
  INBOX_BOT_TEST_KILLS=${INBOX_BOT_TEST_KILLS:-90} INBOX_BOT_TEST_SEND_KILLS=${INBOX_BOT_TEST_SEND_KILLS:-45} \
    run_pytest bash tests/loaded.sh -q "$HARNESS"
}

# the whole bot on PostgreSQL (every store test runs on both engines in the suite already): the unit, listener, job
# and scenario tests again with the store in PostgreSQL, and the crash harness with a third of its kills on a loaded
# core
on_postgresql() {
  INBOX_BOT_TEST_DATABASE=postgresql run_pytest .venv/bin/python -m pytest -q "${PARALLEL[@]}" tests/bot tests/handlers \
    tests/jobs tests/scenarios --deselect tests/bot/mail/test_intent_train.py &&
    INBOX_BOT_TEST_DATABASE=postgresql INBOX_BOT_TEST_KILLS=${INBOX_BOT_TEST_PG_KILLS:-30} \
      INBOX_BOT_TEST_SEND_KILLS=${INBOX_BOT_TEST_PG_SEND_KILLS:-15} run_pytest bash tests/loaded.sh -q "$HARNESS"
}
# two bots on one PostgreSQL, the leader SIGKILLed 100 times: the standby takes over, nothing lost or repeated
failover() {
  run_pytest .venv/bin/python -m pytest -q -s "$FAILOVER"
}

CORES=1
[ ${#PARALLEL[@]} -gt 0 ] && CORES=2
echo "==> pytest (the whole suite on $CORES core(s); the soak and the crash harness follow)"
run_pytest .venv/bin/python -m pytest "${PARALLEL[@]}" --deselect "$HARNESS" --deselect "$SOAK" --deselect "$FAILOVER"
if [ "$WORKERS" -lt 2 ]; then
  echo "==> the soak: a simulated week of mail"
  run_pytest .venv/bin/python -m pytest -q "$SOAK"
  echo "==> the crash harness on one CPU core shared with a busy loop"
  harness
  echo "==> the unit, listener, job and scenario tests and the crash harness on PostgreSQL"
  on_postgresql
  echo "==> the failover harness: two bots on PostgreSQL, the leader killed again and again"
  failover
  echo "==> the scenario and Slack-listener tests at real-world moments (handoff, digest, midnight, DST, New Year)"
  wall_clock_tests
  exit 0
fi
# Two cores: in the background all along the week-long soak and after it the failover harness; meanwhile the crash
# harness on core 0 beside its busy loop, the same on PostgreSQL, then the real-world moments. Every part's result
# counts.
SOAK_LOG=$(mktemp)
FAILOVER_LOG=$(mktemp)
trap 'rm -f "$SOAK_LOG" "$FAILOVER_LOG"' EXIT
# not pinned: the soak's Slack stand-in runs in a process of its own and may use whichever core is free
run_pytest .venv/bin/python -m pytest -q "$SOAK" >"$SOAK_LOG" 2>&1 &
soak_pid=$!
(wait_for_soak() { while kill -0 "$soak_pid" 2>/dev/null; do sleep 2; done; }; wait_for_soak; failover) \
  >"$FAILOVER_LOG" 2>&1 &
failover_pid=$!
echo "==> the crash harness on core 0 shared with a busy loop (the soak, a simulated week, runs meanwhile)"
harness_status=0
INBOX_BOT_LOADED_CORE=0 harness || harness_status=$?
echo "==> the unit, listener, job and scenario tests and the crash harness on PostgreSQL"
postgresql_status=0
INBOX_BOT_LOADED_CORE=0 on_postgresql || postgresql_status=$?
echo "==> the scenario and Slack-listener tests at real-world moments (handoff, digest, midnight, DST, New Year)"
wall_status=0
wall_clock_tests || wall_status=$?
soak_status=0
wait "$soak_pid" || soak_status=$?
echo "==> the soak:"
cat "$SOAK_LOG"
failover_status=0
wait "$failover_pid" || failover_status=$?
echo "==> the failover harness (after the soak): two bots on PostgreSQL, the leader killed again and again"
cat "$FAILOVER_LOG"
if [ "$harness_status" -ne 0 ] || [ "$postgresql_status" -ne 0 ] || [ "$wall_status" -ne 0 ] ||
  [ "$soak_status" -ne 0 ] || [ "$failover_status" -ne 0 ]; then
  echo "failed: crash harness exit $harness_status, on PostgreSQL exit $postgresql_status, real-world moments exit" \
    "$wall_status, soak exit $soak_status, failover harness exit $failover_status" >&2
  exit 1
fi
