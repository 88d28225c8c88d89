# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Cross-entropy domain loss: sketch (1) versus photo (0)."""
from typing import Dict

import torch
import torch.nn.functional as F

from sketret.registry import MODELS

from .base import DomainLoss
from .utils import check_non_negative


@MODELS.register_module()
class DomainAdversarialLoss(DomainLoss):
    """Binary cross-entropy of a domain discriminator's logits.

    ``loss = loss_weight · mean_i BCEWithLogits(logit_i, y_i)`` with
    ``y = 1`` for a sketch and ``y = 0`` for a photo. Whether it is
    adversarial for the features comes from the discriminator (gradient
    reversal) or from the retriever (min-max with flipped labels).

    Args:
        loss_weight (float): λ_adv ≥ 0. Defaults to 1.0 (the BDA-SketRet
            configs set 0.5, default chosen by sketret).
        loss_name (str): Key of the returned term. Defaults to
            ``'loss_adv'``; it must contain ``'loss'`` to be optimised.
    """

    def __init__(self, loss_weight: float = 1.0, loss_name: str = 'loss_adv'):
        super().__init__()
        self.loss_weight = check_non_negative(loss_weight, 'loss_weight',
                                              type(self).__name__)
        self.loss_name = loss_name

    def forward(self, logits: torch.Tensor,
                is_sketch: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Args:
            logits (Tensor): ``(N, )`` (or ``(N, 1)``) discriminator logits.
            is_sketch (Tensor): ``(N, )`` targets, 1 (or True) for sketches,
                0 for photos.

        Returns:
            dict[str, Tensor]: ``{loss_name: scalar}``.
        """
        logits = logits.reshape(-1)
        target = is_sketch.reshape(-1).to(logits.dtype)
        if logits.shape != target.shape:
            raise ValueError(f'{type(self).__name__}: {logits.numel()} '
                             f'logits but {target.numel()} targets')
        if logits.numel() == 0:
            return {self.loss_name: logits.sum()}
        loss = F.binary_cross_entropy_with_logits(logits, target)
        return {self.loss_name: self.loss_weight * loss}
