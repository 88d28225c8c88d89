# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Recipes that mean the same on 1 and N GPUs, checked on the CPU: MPI
local ranks, the linear lr scaling rule, config names, DDP settings,
'auto' data-loader settings and the float16 CPU autocast refusal."""
import glob
import logging
import os
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config, ConfigDict
from sketret_testing import load_tool_module

from sketret.utils.config_utils import (
    MPI_LOCAL_RANK_VARS,
    apply_runner_args,
    mpi_local_rank,
    resolve_auto_dataloaders,
    setup_launcher_backend,
    usable_cpus,
)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, 'configs', 'bda-sketret',
                'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py')
LEAF_CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True) if '_base_' not in p)


def _train_tool():
    """tools/train.py as a module."""
    return load_tool_module('train.py')


@pytest.fixture(autouse=True)
def _restore_env(monkeypatch):
    """The tools' argument parsing sets LOCAL_RANK (and for --device cpu
    CUDA_VISIBLE_DEVICES); undo it after each test."""
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    if 'CUDA_VISIBLE_DEVICES' in os.environ:
        monkeypatch.setenv('CUDA_VISIBLE_DEVICES',
                           os.environ['CUDA_VISIBLE_DEVICES'])
    else:
        monkeypatch.delenv('CUDA_VISIBLE_DEVICES', raising=False)


@pytest.mark.parametrize('name', MPI_LOCAL_RANK_VARS)
def test_mpi_local_rank_from_each_mpi_implementation(name):
    assert mpi_local_rank({name: '3', 'OTHER': '7'}) == 3


def test_mpi_local_rank_missing_or_bad():
    with pytest.raises(ValueError, match='OMPI_COMM_WORLD_LOCAL_RANK'):
        mpi_local_rank({'RANK': '1'})
    with pytest.raises(ValueError, match='MPI_LOCALRANKID="x"'):
        mpi_local_rank({'MPI_LOCALRANKID': 'x'})


@pytest.mark.parametrize('launcher, expected', [('mpi', '2'), ('none', '0')])
def test_local_rank_of_a_tool_started_by_mpirun(monkeypatch, launcher,
                                                expected):
    """Rank 2 of a node under Open MPI gets LOCAL_RANK=2 (not 0); without
    --launcher mpi the MPI variables are not read."""
    monkeypatch.setenv('OMPI_COMM_WORLD_LOCAL_RANK', '2')
    _train_tool().parse_args([DEMO, '--launcher', launcher])
    assert os.environ['LOCAL_RANK'] == expected


def test_launcher_mpi_outside_mpirun_exits_with_a_message(monkeypatch,
                                                          capsys):
    for name in MPI_LOCAL_RANK_VARS:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit):
        _train_tool().parse_args([DEMO, '--launcher', 'mpi'])
    assert 'mpirun' in capsys.readouterr().err


def test_apply_runner_args_keeps_a_local_rank_given_by_the_launcher(
        monkeypatch):
    from argparse import Namespace
    monkeypatch.setenv('LOCAL_RANK', '5')
    monkeypatch.setenv('OMPI_COMM_WORLD_LOCAL_RANK', '1')
    apply_runner_args(Namespace(launcher='mpi', local_rank=0, device='auto'))
    assert os.environ['LOCAL_RANK'] == '5'


@pytest.mark.parametrize('path', LEAF_CONFIGS,
                         ids=[osp.basename(p) for p in LEAF_CONFIGS])
def test_config_name_states_the_batch_its_lr_was_set_for(path):
    """``NxbM`` in a config name: M images per GPU, and the lr is set for
    N x M images (auto_scale_lr.base_batch_size), or scaled to the batch of
    the run (auto_scale_lr enabled, e.g. the 8-GPU FSDP config that
    scales the one-GPU lr)."""
    found = re.search(r'_(\d+)xb(\d+)_', osp.basename(path))
    if found is None:  # no training recipe (e.g. the reference features)
        assert 'train' not in osp.basename(path)
        return
    gpus, per_gpu = map(int, found.groups())
    cfg = Config.fromfile(path)
    assert cfg.train_dataloader.batch_size == per_gpu
    if cfg.auto_scale_lr.enable:
        assert cfg.auto_scale_lr.base_batch_size % per_gpu == 0
    else:
        assert cfg.auto_scale_lr == dict(base_batch_size=gpus * per_gpu,
                                         enable=False)


def test_auto_scale_lr_in_a_built_runner(tmp_path):
    """tools/train.py --auto-scale-lr on 8 processes of 32 images: every
    lr (the backbone's 0.1x too) is 8 x 32 / 32 times the config's."""
    from sketret.apis import build_runner
    tool = _train_tool()
    cfg = tool.build_train_cfg(
        tool.parse_args([DEMO, '--auto-scale-lr', '--work-dir',
                         str(tmp_path)]))
    assert cfg.auto_scale_lr == dict(base_batch_size=32, enable=True)
    runner = build_runner(cfg)
    runner._world_size = 8  # as if started on 8 GPUs
    optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)

    def lrs():
        return sorted({
            group['lr'] for group in optim_wrapper.param_groups
            if any(p.requires_grad for p in group['params'])
        })  # (the demo's frozen ImageNet stages are never updated)

    # without --auto-scale-lr: lr kept, and a warning says why it may be
    # wrong
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    runner.logger.addHandler(handler)
    try:
        runner.scale_lr(optim_wrapper,
                        dict(base_batch_size=32, enable=False))
    finally:
        runner.logger.removeHandler(handler)
    assert lrs() == pytest.approx([1e-5, 1e-4])
    assert any('8 x 32 = 256' in r.getMessage() and
               '--auto-scale-lr' in r.getMessage() for r in records)
    # with it
    runner.scale_lr(optim_wrapper, runner.auto_scale_lr)
    assert lrs() == pytest.approx([1e-5 * 8, 1e-4 * 8])


def test_auto_scale_lr_needs_the_base_batch(tmp_path):
    tool = _train_tool()
    config = tmp_path / 'no_base_batch.py'
    config.write_text('train_cfg = dict(max_epochs=1)\n')
    with pytest.raises(ValueError, match='base_batch_size'):
        tool.build_train_cfg(
            tool.parse_args([str(config), '--auto-scale-lr', '--work-dir',
                             str(tmp_path / 'wd')]))


def test_ddp_wrapper_is_the_same_on_gpus_and_cpus(monkeypatch):
    """Both paths build the same wrapper config, which leaves buffer
    synchronisation on (torch's default; mmengine's own GPU default would
    pass broadcast_buffers=False); only the CPU gets gloo and
    device_ids=None (mmengine adds device_ids=[LOCAL_RANK] on GPUs)."""
    for key, value in dict(RANK='0', WORLD_SIZE='2', MASTER_ADDR='127.0.0.1',
                           MASTER_PORT='29500').items():
        monkeypatch.setenv(key, value)
    wrappers = {}
    for cuda in (False, True):
        monkeypatch.setattr(torch.cuda, 'is_available', lambda: cuda)
        cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
        setup_launcher_backend(cfg, 'pytorch')
        assert cfg.env_cfg.dist_cfg.backend == ('nccl' if cuda else 'gloo')
        wrappers[cuda] = cfg.model_wrapper_cfg.to_dict()
    assert wrappers[False].pop('device_ids') is None
    assert wrappers[False] == wrappers[True] == dict(
        type='MMDistributedDataParallel', find_unused_parameters=False)
    # a config's own choice is kept
    cfg = Config(dict(model_wrapper_cfg=dict(
        type='MMDistributedDataParallel', broadcast_buffers=False)))
    setup_launcher_backend(cfg, 'pytorch')
    assert cfg.model_wrapper_cfg.broadcast_buffers is False


@pytest.mark.parametrize('cuda', [False, True])
def test_demo_data_loaders_use_workers_with_a_gpu(cuda):
    """'auto' in the sbir-mini demo: 0 workers and no pinning on the CPU,
    up to 4 persistent workers and pinned batches with a GPU."""
    cfg = Config.fromfile(DEMO)
    resolve_auto_dataloaders(cfg, use_cuda=cuda)
    workers = min(4, usable_cpus()) if cuda else 0
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[key]
        assert loader.num_workers == workers
        assert loader.persistent_workers is (workers > 0)
        assert loader.pin_memory is cuda


def test_auto_dataloader_settings_keep_values_and_refuse_other_strings():
    cfg = Config(dict(train_dataloader=dict(num_workers=2,
                                            pin_memory='auto')))
    resolve_auto_dataloaders(cfg, use_cuda=True)
    assert cfg.train_dataloader == ConfigDict(num_workers=2, pin_memory=True)
    cfg = Config(dict(val_dataloader=dict(num_workers='many')))
    with pytest.raises(ValueError, match='val_dataloader.num_workers'):
        resolve_auto_dataloaders(cfg, use_cuda=False)


def test_float16_cpu_autocast_is_refused(tmp_path, monkeypatch):
    from sketret.engine.optimizers import CPUAutocastOptimWrapper
    from sketret.utils import config_utils
    model = torch.nn.Linear(2, 2)
    with pytest.raises(ValueError, match='float16.*bfloat16'):
        CPUAutocastOptimWrapper(
            dtype='float16',
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    # a config asking for it is refused when tools/train.py reads it,
    # before any model is built
    original = config_utils.load_config

    def load_fp16(*args, **kwargs):
        cfg = original(*args, **kwargs)
        cfg.optim_wrapper.type = 'CPUAutocastOptimWrapper'
        cfg.optim_wrapper.dtype = 'float16'
        return cfg

    monkeypatch.setattr(config_utils, 'load_config', load_fp16)
    tool = _train_tool()
    with pytest.raises(ValueError, match='float16'):
        tool.build_train_cfg(
            tool.parse_args([DEMO, '--work-dir', str(tmp_path)]))
