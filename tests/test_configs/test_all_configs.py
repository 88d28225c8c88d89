# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Every leaf config under configs/ builds: its model runs one train step
and one test step on a tiny batch, and its pipelines build."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.optim import OptimWrapper

from sketret.registry import HOOKS, METRICS, MODELS
from sketret.structures import SBIRDataSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LEAF_CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                         recursive=True) if '_base_' not in p)


def _tiny_batch(num_classes, size=8, hw=32):
    gen = torch.Generator().manual_seed(0)
    return dict(
        inputs=[
            torch.randint(0, 256, (3, hw, hw), generator=gen,
                          dtype=torch.uint8) for _ in range(size)
        ],
        data_samples=[
            SBIRDataSample(metainfo=dict(
                modality='sketch' if i % 2 else 'photo',
                gt_label=(i // 2) % num_classes)) for i in range(size)
        ])


def _no_pretrained(cfg):
    """Skip ImageNet weight loading (speed); architecture is unchanged."""
    if isinstance(cfg, dict):
        if cfg.get('pretrained') is True:
            cfg['pretrained'] = False
        for v in cfg.values():
            _no_pretrained(v)
    elif isinstance(cfg, list):
        for v in cfg:
            _no_pretrained(v)


def test_configs_were_found():
    names = [osp.relpath(p, REPO) for p in LEAF_CONFIGS]
    assert 'configs/bda_sketchy.py' in names
    assert any('sbir-mini' in n for n in names)


@pytest.mark.parametrize(
    'path', LEAF_CONFIGS, ids=[osp.relpath(p, REPO) for p in LEAF_CONFIGS])
def test_config_builds_and_steps(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'sketret'
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        Compose(cfg[key].dataset.pipeline)
    for hook in cfg.get('custom_hooks', []):
        assert HOOKS.get(hook['type']) is not None, hook
    for evaluator in cfg.test_evaluator:
        assert METRICS.get(evaluator.type) is not None
    _no_pretrained(cfg.model)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    num_classes = 3
    if hasattr(model, 'set_train_classes'):
        # the class-vector size: the head's input or the semantic loss's
        dim = ((cfg.model.get('head') or {}).get('in_dim')
               or (cfg.model.get('semantic_loss') or {}).get('semantic_dim')
               or 300)
        model.set_train_classes(['a', 'b', 'c'],
                                torch.randn(num_classes, dim))
    model.train()
    wrapper = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-4))
    log_vars = model.train_step(_tiny_batch(num_classes), wrapper)
    assert any(k.startswith('loss') for k in log_vars)
    for key, value in log_vars.items():
        assert torch.isfinite(torch.as_tensor(value)), key
    model.eval()
    samples = model.test_step(_tiny_batch(num_classes, size=2))
    for s in samples:
        assert torch.allclose(s.feature.norm(), torch.tensor(1.0),
                              atol=1e-4)
