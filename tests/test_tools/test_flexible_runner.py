# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The FSDP config for many GPUs (mmengine's FlexibleRunner), checked on
the CPU: its strategy builds, and the same strategy base trains the toy
model in one gloo process (FSDP without sharding, world size 1). Sharding
over several GPUs cannot be checked here."""
import json
import os.path as osp
import socket

from mmengine.config import Config
from sketret_testing import REPO_ROOT, TEST_DATA

FSDP_CFG = osp.join(REPO_ROOT, 'configs', 'bda-sketret',
                    'bda-sketret_vgg16_8xb64_sketchy-ext-25_fsdp.py')
ONE_GPU_CFG = osp.join(REPO_ROOT, 'configs', 'bda-sketret',
                       'bda-sketret_vgg16_1xb64_sketchy-ext-25.py')


def test_fsdp_config_is_the_one_gpu_config_plus_a_strategy():
    from mmengine._strategy import FSDPStrategy

    from sketret.registry import STRATEGIES
    cfg = Config.fromfile(FSDP_CFG)
    one = Config.fromfile(ONE_GPU_CFG)
    assert cfg.runner_type == 'FlexibleRunner'
    assert set(cfg.keys()) - set(one.keys()) == {'strategy'}
    for key in one.keys():
        if key not in ('runner_type', 'auto_scale_lr'):
            assert cfg[key] == one[key], key
    # the one-GPU lr (set for 64 images), scaled to the batch of the run
    assert one.auto_scale_lr == dict(base_batch_size=64, enable=False)
    assert cfg.auto_scale_lr == dict(base_batch_size=64, enable=True)
    with STRATEGIES.switch_scope_and_registry('sketret') as registry:
        strategy = registry.build(cfg.strategy)
    assert type(strategy) is FSDPStrategy
    assert strategy.model_wrapper['use_orig_params'] is True


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_fsdp_strategy_trains_on_cpu(tool, tmp_path):
    env = dict(RANK='0', LOCAL_RANK='0', WORLD_SIZE='1',
               MASTER_ADDR='127.0.0.1', MASTER_PORT=str(_free_port()))
    cfg = osp.join(TEST_DATA, 'toy_fsdp_config.py')
    tool('train.py', cfg, '--work-dir', tmp_path / 'train', '--launcher',
         'pytorch', env=env)
    ckpt = tmp_path / 'train' / 'epoch_1.pth'
    assert ckpt.is_file()
    # a full state dict: tools/test.py (sketret's Runner, no FSDP) loads it
    # strictly, key for key
    out = tmp_path / 'metrics.json'
    tool('test.py', osp.join(TEST_DATA, 'toy_config.py'), ckpt, '--out', out,
         '--work-dir', tmp_path / 'test')
    assert json.loads(out.read_text())['mse'] >= 0
