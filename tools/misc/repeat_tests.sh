#!/usr/bin/env bash
# Run some tests N times in a row and count the failed runs (flakiness).
#   bash tools/misc/repeat_tests.sh                # the 2-process tests, 10x
#   N=20 bash tools/misc/repeat_tests.sh           # 20 runs
#   bash tools/misc/repeat_tests.sh -m slow tests/test_tools
#                                    # extra arguments replace the default
#                                    # selection (-m dist <its test file>)
# The log of every failed run is kept in $LOG_DIR (default:
# work_dirs/repeat_tests/<date>), with its pytest output and the exit code.
# Exit status: 0 when every run passed, 1 otherwise.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
VENV=${SKETRET_VENV:-.venv}
PYTHON=${PYTHON:-$VENV/bin/python}
N=${N:-10}
LOG_DIR=${LOG_DIR:-work_dirs/repeat_tests/$(date -u +%Y%m%dT%H%M%SZ)}

if ! [[ "$N" =~ ^[1-9][0-9]*$ ]]; then
  echo "repeat_tests.sh: N must be a positive integer, got '$N'" >&2
  exit 2
fi
if [ ! -x "$PYTHON" ]; then
  echo "repeat_tests.sh: no Python at '$PYTHON' (set PYTHON or" \
    "SKETRET_VENV, or run tools/install.sh)" >&2
  exit 2
fi
if [ "$#" -eq 0 ]; then
  set -- -m dist tests/test_tools/test_distributed.py
fi
mkdir -p "$LOG_DIR"

failed=0
for i in $(seq 1 "$N"); do
  log="$LOG_DIR/run_$i.log"
  start=$(date +%s)
  "$PYTHON" -m pytest -q -p no:cacheprovider "$@" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  if [ "$rc" -eq 0 ]; then
    echo "run $i/$N: passed (${secs}s)"
    rm -f "$log"
  else
    failed=$((failed + 1))
    echo "run $i/$N: FAILED, exit $rc (${secs}s), log: $log"
    grep -E '^(FAILED|ERROR)|Signals\.|SIGABRT|exitcode' "$log" | head -5 \
      | sed 's/^/    /'
  fi
done
echo "repeat_tests.sh: $failed of $N runs failed ($*)"
[ "$failed" -eq 0 ]
