# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Schedule of the gradient-reversal coefficient over training progress."""
import math
from typing import Optional

import torch.nn as nn
from mmengine.hooks import Hook

from sketret.registry import HOOKS
from sketret.utils import unwrap_model


def grl_lambda(progress: float, gamma: float = 10.0,
               max_coeff: float = 1.0) -> float:
    """``λ(p) = max_coeff · (2 / (1 + exp(−γ p)) − 1)`` (Ganin et al.).

    Args:
        progress (float): Training progress ``p`` in ``[0, 1]`` (clipped).
        gamma (float): γ. Defaults to 10.
        max_coeff (float): λ as ``p → ∞``. Defaults to 1.

    Returns:
        float: λ, 0 at p = 0, rising towards ``max_coeff``.
    """
    p = min(max(float(progress), 0.0), 1.0)
    return max_coeff * (2.0 / (1.0 + math.exp(-gamma * p)) - 1.0)


def set_grl_coeff(model: nn.Module, coeff: float) -> int:
    """Set ``coeff`` on every ``GradientReversalLayer`` of ``model``;
    returns how many were set."""
    from sketret.models.utils import GradientReversalLayer

    count = 0
    for module in unwrap_model(model).modules():
        if isinstance(module, GradientReversalLayer):
            module.coeff = coeff
            count += 1
    return count


@HOOKS.register_module()
class GRLScheduleHook(Hook):
    """Ramp the gradient-reversal coefficient over training progress.

    Before every training iteration, with ``p = iter / max_iters``, every
    :class:`~sketret.models.GradientReversalLayer` of the model gets
    ``λ(p) = max_coeff · (2 / (1 + exp(−γ p)) − 1)`` (:func:`grl_lambda`).
    That is all it does: models that follow the training progress in other
    ways (BDA-SketRet's IB β warm-up and progressive schedule) read it from
    mmengine's message hub themselves.

    Works with epoch- and iteration-based loops (mmengine's ``runner.iter``
    and ``runner.max_iters``) and unwraps DDP.

    With ``ib_warmup_epochs``, the IB β warm-up of the model's ``ib_loss``
    is given in epochs: before training its ``warmup_iters`` becomes
    ``round(ib_warmup_epochs × len(train_dataloader))``. An epoch has
    ``1/N`` of the iterations on ``N`` GPUs, so the warm-up covers the same
    share of training on 1 and on 8 GPUs (``warmup_iters`` alone counts
    iterations, i.e. ``N`` times more data on ``N`` GPUs).

    Args:
        gamma (float): γ. Defaults to 10.0 (Ganin et al.'s value).
        max_coeff (float): Final λ. Defaults to 1.0.
        ib_warmup_epochs (float, optional): Length of the IB β warm-up in
            epochs (replaces the loss's ``warmup_iters``). Defaults to None
            (``warmup_iters`` as configured).

    Examples:
        >>> custom_hooks = [dict(type='GRLScheduleHook', gamma=10.0)]
        >>> custom_hooks = [
        ...     dict(type='GRLScheduleHook', ib_warmup_epochs=0.5)]
    """

    priority = 'NORMAL'

    def __init__(self,
                 gamma: float = 10.0,
                 max_coeff: float = 1.0,
                 ib_warmup_epochs: Optional[float] = None):
        if gamma < 0 or max_coeff < 0:
            raise ValueError('GRLScheduleHook: gamma and max_coeff must be '
                             f'>= 0, got {gamma} and {max_coeff}')
        if ib_warmup_epochs is not None and not ib_warmup_epochs >= 0:
            raise ValueError('GRLScheduleHook: ib_warmup_epochs must be >= 0 '
                             f'or None, got {ib_warmup_epochs}')
        self.gamma = float(gamma)
        self.max_coeff = float(max_coeff)
        self.ib_warmup_epochs = ib_warmup_epochs

    def before_train(self, runner) -> None:
        if self.ib_warmup_epochs is None:
            return
        loss = getattr(unwrap_model(runner.model), 'ib_loss', None)
        if loss is None or not hasattr(loss, 'warmup_iters'):
            raise ValueError(
                'GRLScheduleHook: ib_warmup_epochs needs a model with an '
                '`ib_loss` that has `warmup_iters` (e.g. BDASketRet with '
                f'ib_loss set); {type(unwrap_model(runner.model)).__name__} '
                'has none. Remove ib_warmup_epochs from the hook.')
        per_epoch = len(runner.train_dataloader)
        loss.warmup_iters = int(round(self.ib_warmup_epochs * per_epoch))
        runner.logger.info(
            f'IB beta warm-up: {self.ib_warmup_epochs} epochs = '
            f'{loss.warmup_iters} iterations ({per_epoch} per epoch on '
            'this process).')

    def coeff_at(self, current_iter: int,
                 max_iters: Optional[int]) -> float:
        """λ at ``current_iter`` of ``max_iters``."""
        progress = current_iter / max_iters if max_iters else 0.0
        return grl_lambda(progress, self.gamma, self.max_coeff)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        set_grl_coeff(runner.model,
                      self.coeff_at(runner.iter, runner.max_iters))
