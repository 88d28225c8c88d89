# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""tools/install.sh shows pip's output only when pip fails (a stand-in
``python`` plays pip, so nothing is installed)."""
import os
import stat
import subprocess

from sketret_testing import REPO_ROOT

FAKE_PYTHON = '''#!/usr/bin/env bash
if [ "$1 $2" = "-m pip" ]; then
  echo "Requirement already satisfied: torch (pip noise)"
  echo "WARNING: Location is ignored (pip noise)" >&2
  if [ -n "${FAIL_ON:-}" ] && [[ "$*" == *"$FAIL_ON"* ]]; then
    echo "ERROR: No matching distribution found for torch==0.0" >&2
    exit 1
  fi
  exit 0
fi
echo "[sketret] installed 9.9"
'''


def _install(tmp_path, fail_on=''):
    venv = tmp_path / 'venv'
    (venv / 'bin').mkdir(parents=True)
    python = venv / 'bin' / 'python'
    python.write_text(FAKE_PYTHON)
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, SKETRET_VENV=str(venv), FAIL_ON=fail_on)
    proc = subprocess.run(
        ['bash', os.path.join(REPO_ROOT, 'tools', 'install.sh')], env=env,
        capture_output=True, text=True, timeout=60)
    return proc, venv


def test_pip_output_hidden_when_it_works(tmp_path):
    proc, venv = _install(tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        '[sketret] installing requirements (first time: a few minutes)',
        '[sketret] installed 9.9'
    ]
    assert proc.stderr == ''
    # kept for reference
    assert (venv / 'pip-install.log').read_text().count('pip noise') == 4


def test_pip_output_shown_when_it_fails(tmp_path):
    proc, _ = _install(tmp_path, fail_on='requirements.txt')
    assert proc.returncode == 1
    assert 'No matching distribution found for torch==0.0' in proc.stderr
    assert 'pip install -r requirements.txt failed' in proc.stderr
    assert '[sketret] installed' not in proc.stdout
