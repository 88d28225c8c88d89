# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Cross-modal triplet loss: sketch anchors, photo positives/negatives."""
from typing import Dict

import torch
import torch.nn.functional as F

from sketret.registry import MODELS

from .base import MetricLoss
from .utils import check_non_negative, masked_mean

MINING_MODES = ('batch_hard', 'all')


def pairwise_distances(a: torch.Tensor,
                       b: torch.Tensor,
                       squared: bool = False) -> torch.Tensor:
    """Euclidean distances between the rows of ``a`` and ``b``.

    Args:
        a (Tensor): ``(Na, D)``.
        b (Tensor): ``(Nb, D)``.
        squared (bool): Return squared distances. Defaults to False.

    Returns:
        Tensor: ``(Na, Nb)``. Squared distances are clamped at 0; the square
        root is taken of ``max(d², 1e-12)`` so that the gradient stays finite
        for identical vectors.
    """
    sq = (a.pow(2).sum(1, keepdim=True) + b.pow(2).sum(1).unsqueeze(0) -
          2.0 * a @ b.t()).clamp_min(0.0)
    return sq if squared else sq.clamp_min(1e-12).sqrt()


@MODELS.register_module()
class TripletLoss(MetricLoss):
    """Triplet loss with a margin between two sets of embeddings.

    Anchors are one set (sketches), candidates the other (photos). For an
    anchor ``a`` with label ``y_a >= 0``, a candidate of the same label is a
    positive ``p`` and a candidate of another label (including ``-1``, a
    distractor) is a negative ``n``. With ``d`` the Euclidean distance
    between (by default L2-normalised) embeddings, a triplet costs
    ``max(0, d(a, p) − d(a, n) + margin)``.

    Mining:

    - ``'batch_hard'`` (default, Hermans et al. 2017): per anchor the
      farthest positive and the nearest negative of the batch; the loss is
      the mean over anchors that have both.
    - ``'all'``: the mean over every valid ``(a, p, n)`` triplet of the
      batch, including those that already satisfy the margin (cost 0).

    Anchors without a positive or a negative in the batch are skipped; with
    no valid triplet at all the loss is a zero connected to the inputs.
    ``<name>_active`` (not a loss) logs the fraction of counted anchors
    (``'batch_hard'``) or triplets (``'all'``) with a positive cost.

    Args:
        margin (float): Margin ≥ 0. Defaults to 0.2 (default chosen by
            sketret, for unit-norm embeddings whose distances lie in
            ``[0, 2]``).
        mining (str): ``'batch_hard'`` or ``'all'``. Defaults to
            ``'batch_hard'`` (default chosen by sketret).
        normalize (bool): L2-normalise the embeddings first (retrieval uses
            unit-norm features). Defaults to True.
        squared (bool): Use squared distances. Defaults to False.
        loss_weight (float): Weight ≥ 0. Defaults to 1.0.
        loss_name (str): Key of the returned loss. Defaults to
            ``'loss_triplet'``; it must contain ``'loss'`` to be optimised.

    Examples:
        >>> loss = TripletLoss(margin=0.2)
        >>> sketches = torch.tensor([[1.0, 0.0]])
        >>> photos = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
        >>> out = loss(sketches, torch.tensor([0]), photos,
        ...            torch.tensor([0, 1]))
        >>> round(out['loss_triplet'].item(), 4)  # max(0, 0 - 1.4142 + .2)
        0.0
    """

    def __init__(self,
                 margin: float = 0.2,
                 mining: str = 'batch_hard',
                 normalize: bool = True,
                 squared: bool = False,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_triplet'):
        super().__init__()
        owner = type(self).__name__
        self.margin = check_non_negative(margin, 'margin', owner)
        if mining not in MINING_MODES:
            raise ValueError(f'{owner}: mining must be one of '
                             f'{MINING_MODES}, got {mining!r}')
        self.mining = mining
        self.normalize = normalize
        self.squared = squared
        self.loss_weight = check_non_negative(loss_weight, 'loss_weight',
                                              owner)
        self.loss_name = loss_name
        base = loss_name[5:] if loss_name.startswith('loss_') else loss_name
        self.active_name = f'{base}_active'

    def forward(self, anchors: torch.Tensor, anchor_labels: torch.Tensor,
                candidates: torch.Tensor,
                candidate_labels: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Args:
            anchors (Tensor): ``(Na, D)`` anchor (sketch) embeddings.
            anchor_labels (Tensor): ``(Na, )`` labels (``-1``: ignored).
            candidates (Tensor): ``(Nc, D)`` candidate (photo) embeddings.
            candidate_labels (Tensor): ``(Nc, )`` labels (``-1``: a
                negative for every anchor).

        Returns:
            dict[str, Tensor]: ``{loss_name: scalar, <name>_active:
            scalar}``.
        """
        anchor_labels = anchor_labels.reshape(-1)
        candidate_labels = candidate_labels.reshape(-1)
        if anchors.shape[0] != anchor_labels.numel() or \
                candidates.shape[0] != candidate_labels.numel():
            raise ValueError(
                f'{type(self).__name__}: {anchors.shape[0]} anchors with '
                f'{anchor_labels.numel()} labels, {candidates.shape[0]} '
                f'candidates with {candidate_labels.numel()} labels')
        zero = (anchors.sum() + candidates.sum()) * 0.0
        if anchors.shape[0] == 0 or candidates.shape[0] == 0:
            return {self.loss_name: zero, self.active_name: zero.detach()}
        if self.normalize:
            anchors = F.normalize(anchors, dim=1)
            candidates = F.normalize(candidates, dim=1)
        dist = pairwise_distances(anchors, candidates, self.squared)
        same = anchor_labels.reshape(-1, 1) == candidate_labels.reshape(1, -1)
        pos = same & (anchor_labels.reshape(-1, 1) >= 0)
        neg = ~same
        # masks instead of selections: no host-device synchronisation
        if self.mining == 'batch_hard':
            hardest_pos = dist.masked_fill(~pos, float('-inf')).amax(1)
            hardest_neg = dist.masked_fill(~neg, float('inf')).amin(1)
            # -inf (no positive or no negative) gives a cost of 0
            costs = F.relu(hardest_pos - hardest_neg + self.margin)
            counted = pos.any(1) & neg.any(1) & (anchor_labels >= 0)
        else:
            # (Na, Nc, Nc): anchor a, positive p, negative n
            costs = F.relu(dist.unsqueeze(2) - dist.unsqueeze(1) +
                           self.margin)
            counted = pos.unsqueeze(2) & neg.unsqueeze(1)
        return {
            self.loss_name: self.loss_weight * masked_mean(costs, counted),
            self.active_name:
            masked_mean((costs.detach() > 0).float(), counted),
        }
