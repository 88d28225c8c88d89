# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Tiny registered components used by the tool tests (random data).

Imported by test configs through ``custom_imports``, exactly as a user's own
module would be.
"""
import os
import signal

import torch
import torch.nn as nn
from mmengine.evaluator import BaseMetric
from mmengine.hooks import Hook
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from torch.utils.data import Dataset, Sampler

from sketret.registry import DATA_SAMPLERS, DATASETS, HOOKS, METRICS, MODELS


@DATASETS.register_module()
class ToyRegressionDataset(Dataset):
    """``y = x @ w`` with fixed random ``w``; deterministic per index."""

    metainfo = dict(classes=('a', 'b'))

    def __init__(self, size=32, dim=4, seed=0):
        gen = torch.Generator().manual_seed(seed)
        self.x = torch.randn(size, dim, generator=gen)
        w = torch.arange(1, dim + 1, dtype=torch.float32)
        self.y = self.x @ w

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return dict(inputs=self.x[idx], target=self.y[idx])


@MODELS.register_module()
class ToyRegressor(BaseModel):
    """A linear regressor. With ``$TOY_NAN_AT_ITER`` set, the loss of that
    training iteration (1-based, as in the log) gains a NaN term
    ``loss_bad``."""

    def __init__(self, dim=4):
        super().__init__()
        self.linear = nn.Linear(dim, 1)

    def forward(self, inputs, target=None, mode='tensor'):
        inputs = torch.stack(inputs) if isinstance(inputs, list) else inputs
        pred = self.linear(inputs).squeeze(-1)
        if mode == 'loss':
            target = torch.stack(target) if isinstance(target,
                                                       list) else target
            losses = dict(loss_mse=((pred - target)**2).mean())
            nan_at = os.environ.get('TOY_NAN_AT_ITER')
            hub = MessageHub.get_current_instance()
            if nan_at and hub.get_info('iter', -1) + 1 == int(nan_at):
                losses['loss_bad'] = pred.sum() * float('nan')
            return losses
        if mode == 'predict':
            target = torch.stack(target) if isinstance(target,
                                                       list) else target
            return [
                dict(pred=p, target=t) for p, t in zip(pred.detach(), target)
            ]
        return pred


@METRICS.register_module()
class ToyMSEMetric(BaseMetric):
    default_prefix = 'toy'

    def process(self, data_batch, data_samples):
        for s in data_samples:
            self.results.append(float((s['pred'] - s['target'])**2))

    def compute_metrics(self, results):
        return dict(mse=sum(results) / len(results),
                    neg_mse=-sum(results) / len(results))


@HOOKS.register_module()
class ToyKillHook(Hook):
    """SIGKILL the process after epoch ``$TOY_KILL_AFTER``."""

    def after_train_epoch(self, runner):
        kill_after = os.environ.get('TOY_KILL_AFTER')
        if kill_after and runner.epoch == int(kill_after):
            os.kill(os.getpid(), signal.SIGKILL)


@DATA_SAMPLERS.register_module()
class OneModalitySampler(Sampler):
    """Indices of one modality only, in dataset order; under DDP rank r
    takes ``modalities[r % len(modalities)]``, so that every batch of a
    rank holds one modality (a sampler a user may well configure)."""

    def __init__(self, dataset, modalities=('sketch', 'photo'), seed=None):
        from mmengine.dist import get_rank
        modality = modalities[get_rank() % len(modalities)]
        self.indices = [
            i for i in range(len(dataset))
            if dataset.get_data_info(i)['modality'] == modality
        ]

    def __iter__(self):
        return iter(self.indices)

    def __len__(self):
        return len(self.indices)
