# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""mmengine checkpoints load with ``weights_only=True`` once sketret has
registered its allow-list (``import sketret`` after ``import torch``, or
``sketret.engine`` / ``sketret.apis``); anything outside it is still
refused."""
import os.path as osp
import pickle
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner, load_checkpoint

import sketret  # noqa: F401  (torch is imported: registers the allow-list)
from sketret.apis.runner_utils import build_runner

TEST_DATA = osp.join(osp.dirname(osp.dirname(__file__)), 'data')


def _toy_cfg(work_dir, name, max_epochs=1, **kwargs):
    sys.path.insert(0, TEST_DATA)
    cfg = Config.fromfile(osp.join(TEST_DATA, 'toy_config.py'))
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = name
    cfg.train_cfg.max_epochs = max_epochs
    cfg.custom_hooks = []
    cfg.merge_from_dict(kwargs)
    return cfg


@pytest.fixture(scope='module')
def runner_checkpoint(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('ckpt_safety')
    runner = build_runner(_toy_cfg(work_dir, 'ckpt_safety_train'))
    runner.train()
    ckpt = osp.join(work_dir, 'epoch_1.pth')
    assert osp.isfile(ckpt)
    return ckpt, runner.model.state_dict()


def test_runner_checkpoint_loads_weights_only(runner_checkpoint):
    ckpt, _ = runner_checkpoint
    data = torch.load(ckpt, map_location='cpu', weights_only=True)
    # The parts that need the allow-list are really there.
    assert 'message_hub' in data
    assert 'optimizer' in data and 'meta' in data


def test_load_checkpoint_restores_weights(runner_checkpoint):
    ckpt, state = runner_checkpoint
    model = torch.nn.Linear(4, 1)
    wrapper = torch.nn.Module()
    wrapper.linear = model
    load_checkpoint(wrapper, ckpt, map_location='cpu', strict=True)
    assert torch.equal(wrapper.linear.weight, state['linear.weight'].cpu())


def test_load_from_and_resume(runner_checkpoint, tmp_path):
    ckpt, state = runner_checkpoint
    # load_from: weights only, training starts at epoch 0.
    cfg = _toy_cfg(tmp_path / 'load_from', 'ckpt_safety_load_from',
                   load_from=ckpt)
    runner = build_runner(cfg)
    runner.load_or_resume()
    assert torch.equal(runner.model.linear.weight, state['linear.weight'])
    assert runner.epoch == 0
    # resume: weights, optimizer, epoch and message hub.
    cfg = _toy_cfg(tmp_path / 'resume', 'ckpt_safety_resume', max_epochs=2,
                   load_from=ckpt, resume=True)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.epoch == 2
    assert osp.isfile(osp.join(tmp_path, 'resume', 'epoch_2.pth'))
    assert not osp.isfile(osp.join(tmp_path, 'resume', 'epoch_1.pth'))


class NotAllowListed:
    """A class a malicious checkpoint could smuggle in."""

    def __reduce__(self):
        return (print, ('this must never run',))


def test_non_allow_listed_object_is_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': NotAllowListed()}, path)
    with pytest.raises(pickle.UnpicklingError, match='Unsupported global'):
        torch.load(path, map_location='cpu', weights_only=True)
    with pytest.raises(pickle.UnpicklingError, match='Unsupported global'):
        load_checkpoint(torch.nn.Linear(1, 1), str(path), map_location='cpu')


@pytest.mark.parametrize('loader', ['sketret.engine', 'sketret.apis'])
def test_import_sketret_needs_no_torch_and_loaders_register(loader):
    """``import sketret`` leaves PyTorch unimported; the modules that load
    checkpoints register the allow-list before any load."""
    import subprocess
    code = (
        'import sys, sketret\n'
        'assert "torch" not in sys.modules, "import sketret imported torch"\n'
        f'import {loader}\n'
        'if "sketret.apis" == "' + loader + '":\n'
        '    from sketret.apis import default_device; default_device()\n'
        'import torch\n'
        'from mmengine.logging import HistoryBuffer\n'
        'assert HistoryBuffer in torch.serialization.get_safe_globals()\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
