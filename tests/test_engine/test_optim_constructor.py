# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""SketRetOptimWrapperConstructor: mmengine's parameter groups, one log
line for the frozen parameters instead of one warning each."""
import logging

import pytest
import torch
import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.optim import DefaultOptimWrapperConstructor

from sketret.engine.optimizers import SketRetOptimWrapperConstructor

OPTIM = dict(type='OptimWrapper',
             optimizer=dict(type='Adam', lr=1e-3, weight_decay=0.0))
PARAMWISE = dict(custom_keys={'backbone': dict(lr_mult=0.1)})


class _Net(nn.Module):
    """A backbone with a frozen stem (4 tensors) and a trained head."""

    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2),
                                      nn.Conv2d(2, 2, 1))
        self.head = nn.Linear(2, 1)
        for module in (self.backbone[0], self.backbone[1]):
            module.requires_grad_(False)

    def forward(self, x):
        return self.head(self.backbone(x).mean((2, 3)))


class _Records(logging.Handler):

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record)


def _build(constructor_cls, model, paramwise):
    logger = MMLogger.get_current_instance()
    handler = _Records()
    logger.addHandler(handler)
    try:
        wrapper = constructor_cls(dict(OPTIM), paramwise)(model)
    finally:
        logger.removeHandler(handler)
    return wrapper, handler.records


def _groups(wrapper, model):
    names = {id(p): n for n, p in model.named_parameters()}
    return [
        ({k: v for k, v in g.items() if k != 'params'},
         [names[id(p)] for p in g['params']])
        for g in wrapper.optimizer.param_groups
    ]


def _step(wrapper, model):
    loss = model(torch.ones(2, 1, 5, 5)).sum()
    wrapper.update_params(loss)


@pytest.mark.parametrize('paramwise', [PARAMWISE, None])
def test_param_groups_are_mmengines(paramwise):
    torch.manual_seed(0)
    model = _Net()
    ours, records = _build(SketRetOptimWrapperConstructor, model, paramwise)
    default, default_records = _build(DefaultOptimWrapperConstructor, model,
                                      paramwise)
    assert _groups(ours, model) == _groups(default, model)
    if paramwise:
        # 3 frozen tensors: conv weight + bias, BN weight + bias
        skipped = [r for r in default_records
                   if 'requires_grad=False' in r.getMessage()]
        assert len(skipped) == 4
        # trained: backbone.2 (weight, bias) at lr x0.1, head at lr
        assert [(g['lr'], n) for g, n in _groups(ours, model)] == [
            (1e-4, ['backbone.2.weight']), (1e-4, ['backbone.2.bias']),
            (1e-3, ['head.weight']), (1e-3, ['head.bias'])]
    warnings = [r for r in records if r.levelno >= logging.WARNING]
    assert warnings == []
    summary = [r.getMessage() for r in records
               if 'frozen parameter tensors' in r.getMessage()]
    # 2*1*3*3 + 2 + 2 + 2 = 24 frozen values in 4 tensors
    assert len(summary) == 1 and '4 frozen parameter tensors (24 values' \
        in summary[0]


def test_optimizer_state_loads_across_constructors():
    """A run resumed with the new constructor from a checkpoint written with
    mmengine's default (as every existing checkpoint was) keeps its Adam
    state, and takes the same next step."""
    torch.manual_seed(0)
    model = _Net()
    old, _ = _build(DefaultOptimWrapperConstructor, model, PARAMWISE)
    _step(old, model)
    state = old.state_dict()
    params = {n: p.detach().clone() for n, p in model.named_parameters()}

    new, _ = _build(SketRetOptimWrapperConstructor, model, PARAMWISE)
    new.load_state_dict(state)
    _step(new, model)
    after_new = {n: p.detach().clone() for n, p in model.named_parameters()}

    with torch.no_grad():
        for n, p in model.named_parameters():
            p.copy_(params[n])
    _step(old, model)
    for n, p in model.named_parameters():
        assert torch.equal(p, after_new[n]), n
