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
import math
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


def guide_tree_files(text):
    """``{path in the tree: source}`` of the guide's in-tree Python blocks
    (``# sketret/...`` and ``# configs/...``)."""
    files = {}
    for block in re.findall(r'```python\n(.*?)```', text, flags=re.S):
        match = re.fullmatch(r'# ((?:sketret|configs)/[\w/.-]+\.py)',
                             block.splitlines()[0])
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
    # the guide: export PYTHONPATH=$PWD:$PYTHONPATH
    env['PYTHONPATH'] = os.pathsep.join(
        [str(cwd)] + ([env['PYTHONPATH']] if env.get('PYTHONPATH') else []))
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
    assert set(files) == {'my_project/my_loss.py', 'my_project/my_config.py',
                          'my_project/my_retriever.py'}
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


# Runs in a fresh interpreter: the guide's loss and retriever register
# themselves in sketret's MODELS, which must not leak into other tests.
NEW_METHOD_SCRIPT = """
import importlib.util, json, math, sys
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from sketret.registry import MODELS
from sketret.structures import SBIRDataSample
from sketret.utils import register_all_modules

register_all_modules()


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


loss_file, config_file, retriever_file = sys.argv[1:4]
load('guide_nce_loss', loss_file)
load('guide_retriever', retriever_file)
gen = torch.Generator().manual_seed(0)
batch = dict(
    inputs=[torch.randint(0, 256, (3, 32, 32), generator=gen,
                          dtype=torch.uint8) for _ in range(8)],
    data_samples=[SBIRDataSample(metainfo=dict(
        modality='sketch' if i % 2 else 'photo', gt_label=(i // 2) % 3))
        for i in range(8)])
out = {}
loss = MODELS.build(dict(type='CrossModalNCELoss', temperature=1.0))
out['hand'] = loss(torch.tensor([[1.0, 0.0], [0.0, 1.0]]),
                   torch.tensor([0, 5]),
                   torch.tensor([[1.0, 0.0], [0.0, 1.0]]),
                   torch.tensor([0, 1]))['loss_nce'].item()
cfg = Config.fromfile(config_file)
cfg.model.backbone.backbone.pretrained = False
for name, model_cfg in (('method', cfg.model), ('retriever', dict(
        type='PooledRetriever', backbone=cfg.model.backbone,
        metric_loss=dict(type='TripletLoss')))):
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.set_train_classes(['a', 'b', 'c'])
    model.train()
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-4))
    log_vars = model.train_step(batch, optim)
    model.eval()
    feats = torch.stack([s.feature for s in model.test_step(batch)])
    out[name] = dict(keys=sorted(log_vars),
                     finite=all(bool(torch.isfinite(v))
                                for v in log_vars.values()),
                     feat_shape=list(feats.shape),
                     norms=feats.norm(dim=1).tolist())
print('RESULT' + json.dumps(out))
"""


def test_guide_new_method_is_one_loss_and_one_short_config(tmp_path):
    text = guide_text()
    tree = guide_tree_files(text)
    (loss_rel, ) = [p for p in tree if p.startswith('sketret/')]
    (config_rel, ) = [p for p in tree if p.startswith('configs/')]
    assert loss_rel.startswith('sketret/models/losses/')
    # one config of at most 15 lines (the path comment not counted)
    lines = [line for line in tree[config_rel].splitlines()[1:]
             if line.strip()]
    assert len(lines) <= 15, lines
    # a copy of the tree's configs/ with the new method folder in it
    configs = tmp_path / 'configs'
    configs.mkdir()
    for entry in os.listdir(os.path.join(REPO_ROOT, 'configs')):
        os.symlink(os.path.join(REPO_ROOT, 'configs', entry),
                   configs / entry)
    config = tmp_path / config_rel
    config.parent.mkdir(parents=True)
    config.write_text(tree[config_rel])
    loss = tmp_path / 'nce_loss.py'
    loss.write_text(tree[loss_rel])
    retriever = tmp_path / 'my_retriever.py'
    retriever.write_text(guide_files(text)['my_project/my_retriever.py'])
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run(
        [sys.executable, '-c', NEW_METHOD_SCRIPT, str(loss), str(config),
         str(retriever)], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=300)
    assert proc.returncode == 0, explain(proc)
    out = json.loads(proc.stdout.split('RESULT', 1)[1])
    # sketch 0 vs photos [0, 1] with cos 1 and 0, T = 1:
    # -log(e / (e + 1)) = log(1 + e) - 1; sketch 1 (label 5) has no
    # same-class photo and is left out of the mean
    assert out['hand'] == pytest.approx(math.log(1 + math.e) - 1, rel=1e-6)
    method = out['method']
    assert method['keys'] == ['loss', 'loss_nce'] and method['finite']
    assert method['feat_shape'] == [8, 128]
    retriever = out['retriever']
    assert retriever['keys'] == ['loss', 'loss_triplet', 'triplet_active']
    assert retriever['finite'] and retriever['feat_shape'] == [8, 1280]
    for norm in method['norms'] + retriever['norms']:
        assert norm == pytest.approx(1.0, abs=1e-5)


def test_guide_checklist_names_files_that_exist():
    """The in-tree checklist holds for a shipped method (triplet) and
    names test files that exist."""
    text = guide_text()
    section = text.split('The in-tree checklist', 1)[1].split('## 6.')[0]
    for test_file in set(re.findall(r'`(tests/[\w/]+\.py)`', section)):
        assert os.path.isfile(os.path.join(REPO_ROOT, test_file)), test_file
    for rel in ('configs/triplet/README.md', 'configs/triplet/metafile.yml'):
        assert os.path.isfile(os.path.join(REPO_ROOT, rel)), rel
    with open(os.path.join(REPO_ROOT, 'model_zoo', 'model-index.yml')) as f:
        assert '- ../configs/triplet/metafile.yml' in f.read()
    for name in ('sketret/models/losses/__init__.py',
                 'sketret/models/__init__.py'):
        assert name in section
