# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Stop training at the first NaN or infinite loss, naming the iteration
and the loss terms."""
import logging
import math
import os.path as osp
from typing import Dict

import torch
from mmengine.dist import all_gather_object, all_reduce, get_rank
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.runner import EpochBasedTrainLoop

from sketret.registry import HOOKS

__all__ = ['NonFiniteLossHook', 'NonFiniteLossError']


class NonFiniteLossError(RuntimeError):
    """A training loss was NaN or infinite (the message names the iteration
    and the terms)."""


def _value(v) -> float:
    if isinstance(v, torch.Tensor):
        return float(v.detach().float().mean().item())
    return float(v)


def non_finite_terms(outputs: Dict) -> Dict[str, float]:
    """The loss terms of ``outputs`` (the log variables of a train step:
    every key holding ``'loss'``, as mmengine sums them) that are NaN or
    infinite. The total ``loss`` is listed only when no term is."""
    terms = {
        k: _value(v)
        for k, v in (outputs or {}).items() if 'loss' in k
    }
    bad = {k: v for k, v in terms.items() if not math.isfinite(v)}
    if len(bad) > 1:
        bad.pop('loss', None)
    return bad


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop training at the first iteration whose loss is NaN or infinite.

    After every training iteration the loss terms of the step (its log
    variables whose name contains ``'loss'``) are checked; the first
    non-finite one stops the run with :class:`NonFiniteLossError`, whose
    message names the iteration (as counted in the log), the epoch and
    batch, the non-finite terms with their values and the rank, and the
    last checkpoint. The hook runs before the logger and checkpoint hooks,
    so nothing of the failed iteration is saved: the last checkpoint stays
    the last good one and ``tools/train.py CONFIG --resume`` continues from
    it. With several ranks, a one-element all-reduce per iteration lets
    every rank stop at the same iteration with the same message.
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        bad = non_finite_terms(outputs)
        flag = torch.tensor([1 if bad else 0], dtype=torch.int64)
        all_reduce(flag, op='max')
        if not flag.item():
            return
        per_rank = all_gather_object((get_rank(), bad))
        culprits = '; '.join(
            ', '.join(f'{k}={v}' for k, v in terms.items()) +
            f' (rank {rank})' for rank, terms in per_rank if terms)
        where = f'iteration {runner.iter + 1}'
        if isinstance(runner.train_loop, EpochBasedTrainLoop):
            where += (f' (epoch {runner.epoch + 1}, batch {batch_idx + 1} '
                      f'of {len(runner.train_dataloader)})')
        message = (
            f'Non-finite loss at {where}: {culprits}. Training stopped '
            'before this iteration was logged or saved. '
            f'{self._last_checkpoint(runner)} Find the cause (learning '
            'rate, loss weights, data), then continue with tools/train.py '
            'CONFIG --resume.')
        # in the log file too, not only on the console
        print_log(message, logger='current', level=logging.ERROR)
        raise NonFiniteLossError(message)

    @staticmethod
    def _last_checkpoint(runner) -> str:
        path = osp.join(runner.work_dir, 'last_checkpoint')
        if osp.isfile(path):
            with open(path, encoding='utf-8') as f:
                return f'The last checkpoint, "{f.read().strip()}", is intact.'
        return 'No checkpoint had been saved yet.'
