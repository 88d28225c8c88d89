# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""docs/add_component.md, followed to the letter.

The Python files of the guide (``# my_project/...`` code blocks) are written
into a temporary "clone" that links sketret's ``configs/`` and ``tools/``,
and the guide's quick-check commands are run there as they are written:
training logs the new loss term, tools/test.py evaluates the checkpoint, and
training fails with the registry's KeyError once the registration line is
removed from the user's module.
"""
import json
import os
import re
import shlex
import subprocess
import sys

import pytest
from mmengine.config import Config
from sketret_testing import work_dir_log

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
GUIDE = os.path.join(REPO_ROOT, 'docs', 'add_component.md')
DECORATOR = '@MODELS.register_module()\n'


def guide_text():
    with open(GUIDE, encoding='utf-8') as f:
        return f.read()


def guide_files(text):
    """``{relative path: source}`` of the guide's ``# my_project/x.py``
    Python blocks."""
    files = {}
    for block in re.findall(r'```python\n(.*?)```', text, flags=re.S):
        first = block.splitlines()[0]
        match = re.fullmatch(r'# (my_project/\w+\.py)', first)
        if match:
            files[match.group(1)] = block
    return files


def guide_quick_check_commands(text):
    """The shell commands of the guide's quick-check block."""
    for block in re.findall(r'```shell\n(.*?)```', text, flags=re.S):
        if 'work_dirs/smoke' in block:
            block = block.replace('\\\n', ' ')  # line continuations
            return [shlex.split(line) for line in block.splitlines()
                    if line.strip()]
    raise AssertionError('docs/add_component.md has no quick-check block')


def run(argv, cwd, timeout=300):
    """Run a guide command (``python tools/...``) in ``cwd``, with the
    user's folder on PYTHONPATH as the guide says."""
    assert argv[0] == 'python', argv
    env = dict(os.environ)
    env['PYTHONPATH'] = str(cwd)
    env.setdefault('OMP_NUM_THREADS', '1')
    return subprocess.run([sys.executable, *argv[1:]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def explain(proc):
    return (f'exit {proc.returncode}\n--- stdout ---\n{proc.stdout[-3000:]}'
            f'\n--- stderr ---\n{proc.stderr[-3000:]}')


@pytest.fixture
def clone(tmp_path):
    """A folder laid out like the guide's: sketret's configs/ and tools/
    plus my_project/ with the files of the guide."""
    os.symlink(os.path.join(REPO_ROOT, 'configs'), tmp_path / 'configs')
    os.symlink(os.path.join(REPO_ROOT, 'tools'), tmp_path / 'tools')
    (tmp_path / 'my_project').mkdir()
    (tmp_path / 'my_project' / '__init__.py').write_text('')
    for rel, source in guide_files(guide_text()).items():
        (tmp_path / rel).write_text(source)
    return tmp_path


def test_guide_has_the_module_and_the_config():
    files = guide_files(guide_text())
    assert set(files) == {'my_project/my_loss.py', 'my_project/my_config.py'}
    assert DECORATOR in files['my_project/my_loss.py']
    assert "imports=['my_project.my_loss']" in files['my_project/my_config.py']
    # the full run's last checkpoint, as named in the guide
    demo = Config.fromfile(os.path.join(
        REPO_ROOT, 'configs', 'bda-sketret',
        'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py'))
    epochs = demo.train_cfg.max_epochs
    assert f'work_dirs/my_config/epoch_{epochs}.pth' in guide_text()
    train, test = guide_quick_check_commands(guide_text())
    assert train[:3] == ['python', 'tools/train.py', 'my_project/my_config.py']
    assert test[:3] == ['python', 'tools/test.py', 'my_project/my_config.py']


def test_guide_trains_and_tests_the_users_component(clone):
    train, test = guide_quick_check_commands(guide_text())
    proc = run(train, clone)
    assert proc.returncode == 0, explain(proc)
    log = work_dir_log(clone / 'work_dirs' / 'smoke')
    lines = [line for line in log.splitlines() if 'Epoch(train)' in line]
    assert lines, explain(proc)
    # the user's loss is trained instead of the information bottleneck
    assert all('loss_same_cos:' in line for line in lines), lines[-1]
    assert not any('loss_ib' in line for line in lines), lines[-1]
    assert 'loss_proj:' in lines[-1] and 'loss_adv:' in lines[-1]
    assert (clone / 'work_dirs' / 'smoke' / 'epoch_1.pth').is_file()

    out = clone / 'metrics.json'
    proc = run(test + ['--out', str(out)], clone)
    assert proc.returncode == 0, explain(proc)
    metrics = json.loads(out.read_text())
    assert metrics['preset'] == 'textbook'
    assert 0.0 <= metrics['mAP@all'] <= 1.0

    # Remove the registration: the same command now fails, naming the type.
    module = clone / 'my_project' / 'my_loss.py'
    source = module.read_text()
    assert source.count(DECORATOR) == 1
    module.write_text(source.replace(DECORATOR, ''))
    proc = run(train, clone)
    assert proc.returncode != 0, explain(proc)
    assert ('SameClassCosineLoss is not in the sketret::model registry'
            in proc.stderr), explain(proc)
