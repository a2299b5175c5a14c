#!/usr/bin/env bash
# The README's test command: installs everything the tests need, then runs the whole suite.
#   Debian packages: dovecot-imapd (real IMAP server), chromium (browser tests), python3-venv
#   Python: this project with its dev extras, in ./.venv
# Extra arguments go to pytest, e.g. `bash tests/run.sh -k parser`.
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

echo "==> pytest"
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure, not a pass" >&2
  exit 1
fi
exit "$status"
