# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Helpers shared by sketret's tests (import as ``sketret_testing``; a
uniquely named module, because several test folders have a conftest)."""
import os
import os.path as osp
import subprocess
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TEST_DATA = osp.join(REPO_ROOT, 'tests', 'data')


def tool_env(env=None):
    """The environment of a tool subprocess: this one's, with ``tests/data``
    put in front of ``PYTHONPATH`` (so that test configs can
    ``custom_imports`` the toy components, as a user's own module would be)
    and one OpenMP thread unless set; ``env`` overrides."""
    full_env = dict(os.environ)
    full_env['PYTHONPATH'] = os.pathsep.join(
        [TEST_DATA] + ([full_env['PYTHONPATH']]
                       if full_env.get('PYTHONPATH') else []))
    full_env.setdefault('OMP_NUM_THREADS', '1')
    if env:
        full_env.update(env)
    return full_env


def run_tool(script, *args, env=None, cwd=REPO_ROOT, timeout=600,
             check=True):
    """Run ``python tools/<script> args`` in a subprocess (environment from
    :func:`tool_env`), return it."""
    full_env = tool_env(env)
    proc = subprocess.run(
        [sys.executable,
         osp.join(REPO_ROOT, 'tools', script), *map(str, args)],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f'{script} {args} exited {proc.returncode}\n'
            f'--- stdout ---\n{proc.stdout[-4000:]}\n'
            f'--- stderr ---\n{proc.stderr[-4000:]}')
    return proc
