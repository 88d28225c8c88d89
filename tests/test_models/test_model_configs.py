# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The base model configs build and run a train step and a test step."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

from sketret.registry import HOOKS, MODELS
from sketret.structures.sbir_data_sample import SBIRDataSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(REPO, 'configs', '_base_', 'models')
CLASSES = ['a', 'b', 'c', 'd', 'e', 'f']


def tiny_batch(size=8, hw=32):
    gen = torch.Generator().manual_seed(0)
    return dict(
        inputs=[
            torch.randint(0, 256, (3, hw, hw), generator=gen,
                          dtype=torch.uint8) for _ in range(size)
        ],
        data_samples=[
            SBIRDataSample(metainfo=dict(
                modality='sketch' if i % 2 else 'photo',
                gt_label=(i // 2) % len(CLASSES))) for i in range(size)
        ])


@pytest.mark.parametrize('name, channels', [
    ('bda-sketret_efficientnet-lite0.py', 1280),
    ('bda-sketret_vgg16.py', 512),
    ('bda-sketret_resnet50.py', 2048),
])
def test_base_model_config_train_and_test_step(name, channels):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    assert cfg.model.semantics == dict(
        type='NpzClassVectors', file='word2vec-sketchy')
    assert cfg.model.data_preprocessor.mean == [123.675, 116.28, 103.53]
    for hook in cfg.custom_hooks:
        assert HOOKS.get(hook['type']) is not None
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    assert model.backbone.out_channels == channels
    assert model.backbone.get_backbone('sketch') is not \
        model.backbone.get_backbone('photo')
    model.set_train_classes(CLASSES, torch.randn(len(CLASSES), 300))
    model.train()
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-4))
    log_vars = model.train_step(tiny_batch(), wrapper)
    for key in ('loss_proj', 'loss_topo', 'loss_adv', 'loss_ib_kl',
                'loss_ib_nce', 'grl_coeff', 'disc_acc'):
        assert torch.isfinite(log_vars[key]), key
    model.eval()
    samples = model.test_step(tiny_batch(size=2))
    assert samples[0].feature.shape == (128, )
