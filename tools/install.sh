#!/usr/bin/env bash
# Create ./.venv (if needed) and install sketret with every pinned
# requirement (runtime, optional, tests). Safe to run again: it only
# installs what is missing. Needs Python 3.11 and access to PyPI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-python3}
VENV=${SKETRET_VENV:-.venv}

if [ ! -x "$VENV/bin/python" ]; then
  echo "[sketret] creating virtual environment in $VENV"
  "$PYTHON" -m venv "$VENV"
fi
echo "[sketret] installing requirements (first time: a few minutes)"
# pip's output goes to a log file; it is shown only when pip fails.
PIP_LOG="$VENV/pip-install.log"
: > "$PIP_LOG"
pip_install() {
  if ! "$VENV/bin/python" -m pip install --disable-pip-version-check "$@" \
      >> "$PIP_LOG" 2>&1; then
    cat "$PIP_LOG" >&2
    echo "[sketret] pip install $* failed; its output is above and in" \
      "$PIP_LOG" >&2
    exit 1
  fi
}
pip_install -r requirements.txt
pip_install --no-deps --no-build-isolation -e .
"$VENV/bin/python" -c "import sketret; print('[sketret] installed', sketret.__version__)"
