# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""SketRetRunner: atomic checkpoints, resume refuses another model, and
``--amp`` on the CPU."""
import os
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from sketret_testing import TEST_DATA, work_dir_log

import sketret  # noqa: F401
from sketret.apis.runner_utils import build_runner
from sketret.engine.runners import state_dict_mismatch

TOY_CFG = osp.join(TEST_DATA, 'toy_config.py')


def _cfg(work_dir, name, **overrides):
    sys.path.insert(0, TEST_DATA)
    cfg = Config.fromfile(TOY_CFG)
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = name
    cfg.custom_hooks = []
    cfg.merge_from_dict(overrides)
    return cfg


def test_failed_save_keeps_previous_checkpoint(tmp_path, monkeypatch):
    runner = build_runner(
        _cfg(tmp_path, 'atomic_save', **{'train_cfg.max_epochs': 1}))
    assert type(runner).__name__ == 'SketRetRunner'
    runner.train()
    good = (tmp_path / 'epoch_1.pth').read_bytes()
    last = (tmp_path / 'last_checkpoint').read_text()

    import mmengine.runner.runner as runner_module

    def disk_full(obj, path, *args, **kwargs):
        with open(path, 'wb') as f:  # a partial write, then the disk fills
            f.write(b'partial')
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(runner_module, 'save_checkpoint', disk_full)
    with pytest.raises(OSError, match='No space left'):
        runner.save_checkpoint(str(tmp_path), 'epoch_1.pth')
    assert (tmp_path / 'epoch_1.pth').read_bytes() == good
    assert (tmp_path / 'last_checkpoint').read_text() == last
    assert not [p for p in os.listdir(tmp_path) if p.endswith('.tmp')]


def test_resume_from_another_model_is_refused(tmp_path):
    runner = build_runner(
        _cfg(tmp_path / 'a', 'resume_other_a',
             **{'train_cfg.max_epochs': 1}))
    runner.train()
    ckpt = str(tmp_path / 'a' / 'epoch_1.pth')
    # Same toy model but a different input width: keys equal, shapes differ.
    cfg = _cfg(tmp_path / 'b', 'resume_other_b', load_from=ckpt,
               resume=True, **{'model.dim': 6,
                               'train_dataloader.dataset.dim': 6,
                               'val_dataloader.dataset.dim': 6})
    runner = build_runner(cfg)
    with pytest.raises(RuntimeError, match=r'linear.weight: checkpoint '
                       r'\(1, 4\) vs model \(1, 6\)'):
        runner.train()


def test_checkpoint_loading_prints_nothing(tmp_path, capsys):
    """mmengine's loader prints "Loads checkpoint by local backend ..."
    with print(); sketret's Runner sends it to the log file."""
    runner = build_runner(
        _cfg(tmp_path, 'quiet_load', **{'train_cfg.max_epochs': 1}))
    runner.train()
    capsys.readouterr()
    runner.load_checkpoint(str(tmp_path / 'epoch_1.pth'))
    assert 'Loads checkpoint' not in capsys.readouterr().out
    assert 'Loads checkpoint by local backend' in work_dir_log(tmp_path)


def test_state_dict_mismatch_lists_keys():
    a = {'x': torch.zeros(2), 'y': torch.zeros(1)}
    b = {'x': torch.zeros(3), 'z': torch.zeros(1)}
    msg = state_dict_mismatch(a, b)
    assert 'missing in checkpoint: y' in msg
    assert 'unexpected in checkpoint: z' in msg
    assert 'x: checkpoint (3,) vs model (2,)' in msg
    assert state_dict_mismatch(a, dict(a)) == ''


def test_amp_on_cpu_uses_bf16_autocast(tool, tmp_path):
    tool('train.py', TOY_CFG, '--amp', '--work-dir', tmp_path,
         '--cfg-options', 'train_cfg.max_epochs=1', '--device', 'cpu')
    assert 'CPUAutocastOptimWrapper' in work_dir_log(tmp_path)
    assert osp.isfile(tmp_path / 'epoch_1.pth')


def test_cpu_autocast_wrapper_runs_forward_in_bf16():
    from sketret.engine.optimizers import CPUAutocastOptimWrapper
    model = torch.nn.Linear(4, 2)
    wrapper = CPUAutocastOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    with wrapper.optim_context(model):
        out = model(torch.randn(3, 4))
    assert out.dtype == torch.bfloat16
    assert model.weight.dtype == torch.float32
    with pytest.raises(ValueError, match='bfloat16'):
        CPUAutocastOptimWrapper(
            dtype='int8',
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1))


def test_default_hooks_none_turns_off_sketret_hooks_too(tmp_path):
    def hook_types(runner):
        return {type(h).__name__ for h in runner.hooks}

    runner = build_runner(_cfg(tmp_path / 'on', 'hooks_on'))
    assert {'NonFiniteLossHook', 'CorruptFileHook',
            'IterTimerHook'} <= hook_types(runner)
    # what --cfg-options default_hooks.non_finite_loss=None gives
    runner = build_runner(_cfg(
        tmp_path / 'off', 'hooks_off', **{
            'default_hooks.non_finite_loss': None,
            'default_hooks.corrupt_files': None,
            'default_hooks.timer': None
        }))
    types = hook_types(runner)
    assert not {'NonFiniteLossHook', 'CorruptFileHook',
                'IterTimerHook'} & types
    assert 'CheckpointHook' in types
