#!/usr/bin/env bash
# Install everything, lint, and run the test suite.
#   bash tools/run_tests.sh            # the whole suite
#   bash tools/run_tests.sh -k resume  # extra arguments go to pytest
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=${SKETRET_VENV:-.venv}

bash tools/install.sh || exit 1

# The sketch pad's browser test drives Debian's Chromium. Install it when we
# may (root with apt-get, as in CI); elsewhere that one test is skipped and
# says why.
if ! command -v chromedriver >/dev/null 2>&1 && command -v apt-get \
    >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  echo "[sketret] installing chromium + chromium-driver (browser test)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install \
    -y -qq chromium chromium-driver >/dev/null) \
    || echo "[sketret] could not install chromium; the browser test skips"
fi

echo "[sketret] lint: ruff check sketret tools tests configs benchmarks"
"$VENV/bin/python" -m ruff check sketret tools tests configs benchmarks \
  || exit 1

echo "[sketret] tests"
"$VENV/bin/python" -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  # pytest found no test. That is only fine when the repo has no tests.
  if find tests -name 'test_*.py' | grep -q .; then
    echo "[sketret] pytest collected no tests, but tests/ has test files" >&2
    exit 1
  fi
  echo "[sketret] no tests in the repository"
  exit 0
fi
exit "$rc"
