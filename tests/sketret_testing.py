# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Helpers shared by sketret's tests (import as ``sketret_testing``; a
uniquely named module, because several test folders have a conftest)."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TEST_DATA = osp.join(REPO_ROOT, 'tests', 'data')


def load_tool_module(*rel_parts):
    """A script of ``tools/`` (``load_tool_module('analysis_tools',
    'get_params.py')``) imported as a module: tools are scripts, not a
    package, and their ``main(argv)`` is called in-process."""
    path = osp.join(REPO_ROOT, 'tools', *rel_parts)
    name = 'sketret_tool_' + '_'.join(rel_parts).replace('.py', '')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def work_dir_log(work_dir):
    """The text of the log files mmengine wrote in ``work_dir``
    (``<work_dir>/<time>/<time>.log``; several runs in time order).

    The terminal shows warnings and progress lines only; the full log (the
    environment, the config, mmengine's per-iteration lines) is here."""
    work_dir = str(work_dir)
    texts = []
    for run in sorted(os.listdir(work_dir)):
        log = osp.join(work_dir, run, f'{run}.log')
        if osp.isfile(log):
            with open(log, encoding='utf-8') as f:
                texts.append(f.read())
    if not texts:
        raise AssertionError(f'no mmengine log file in {work_dir}')
    return '\n'.join(texts)
