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
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r requirements.txt
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  --no-deps --no-build-isolation -e .
"$VENV/bin/python" -c "import sketret; print('[sketret] installed', sketret.__version__)"
