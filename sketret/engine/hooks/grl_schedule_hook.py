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

    Args:
        gamma (float): γ. Defaults to 10.0 (Ganin et al.'s value).
        max_coeff (float): Final λ. Defaults to 1.0.

    Examples:
        >>> custom_hooks = [dict(type='GRLScheduleHook', gamma=10.0)]
    """

    priority = 'NORMAL'

    def __init__(self, gamma: float = 10.0, max_coeff: float = 1.0):
        if gamma < 0 or max_coeff < 0:
            raise ValueError('GRLScheduleHook: gamma and max_coeff must be '
                             f'>= 0, got {gamma} and {max_coeff}')
        self.gamma = float(gamma)
        self.max_coeff = float(max_coeff)

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
