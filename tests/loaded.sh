#!/usr/bin/env bash
# Run pytest as on a busy machine: pytest (and every bot it starts) pinned to one CPU core that a busy loop
# keeps at 100 %. The arguments go to pytest unchanged, e.g.
#
#   bash tests/loaded.sh -q tests/reliability/test_crash_harness.py -p no:cacheprovider
#
# The busy loop is stopped however this script ends. The exit code is pytest's; 5 (no tests collected) is a
# failure like any other non-zero code. INBOX_BOT_LOADED_CORE picks the core (default 0), PYTHON the interpreter
# (default .venv/bin/python).
set -u

cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}
core=${INBOX_BOT_LOADED_CORE:-0}

if [ "$#" -eq 0 ]; then
    echo "usage: bash tests/loaded.sh PYTEST-ARGUMENTS..." >&2
    exit 2
fi
if ! command -v taskset >/dev/null 2>&1; then
    echo "tests/loaded.sh: taskset is missing (apt-get install util-linux)" >&2
    exit 2
fi

taskset -c "$core" "$python" -c 'while True: pass' &
hog=$!
stop_hog() {
    kill "$hog" 2>/dev/null
    wait "$hog" 2>/dev/null
}
trap stop_hog EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! kill -0 "$hog" 2>/dev/null; then
    echo "tests/loaded.sh: the busy loop did not start" >&2
    exit 2
fi
echo "tests/loaded.sh: pytest on core $core beside a busy loop (pid $hog)" >&2

taskset -c "$core" "$python" -m pytest "$@"
code=$?
if [ "$code" -eq 5 ]; then
    echo "tests/loaded.sh: pytest collected no tests (exit 5): a failure" >&2
fi
exit "$code"
