# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""The symmetric information-bottleneck loss of BDA-SketRet's semantic
level, and its simpler per-modality VIB variant."""
import math
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F

from sketret.registry import MODELS

from .base import InformationLoss
from .utils import check_non_negative, check_positive, masked_mean


def gaussian_kl(mu1: torch.Tensor, logvar1: torch.Tensor, mu2: torch.Tensor,
                logvar2: torch.Tensor) -> torch.Tensor:
    """KL(N(μ1, σ1²) ‖ N(μ2, σ2²)) of diagonal Gaussians, closed form.

    ``0.5 · Σ_d [log σ2² − log σ1² + (σ1² + (μ1 − μ2)²) / σ2² − 1]``

    Args:
        mu1, logvar1, mu2, logvar2 (Tensor): ``(..., D)``, broadcastable.

    Returns:
        Tensor: ``(...)``, summed over the last dimension.
    """
    return 0.5 * (logvar2 - logvar1 +
                  (logvar1.exp() +
                   (mu1 - mu2).pow(2)) / logvar2.exp() - 1.0).sum(dim=-1)


def symmetric_gaussian_kl(mu1: torch.Tensor, logvar1: torch.Tensor,
                          mu2: torch.Tensor,
                          logvar2: torch.Tensor) -> torch.Tensor:
    """``0.5 · (KL(q1‖q2) + KL(q2‖q1))`` of diagonal Gaussians, ``(..., D)``
    → ``(...)``. (The mean of both directions: default chosen by
    sketret.)"""
    return 0.5 * (gaussian_kl(mu1, logvar1, mu2, logvar2) +
                  gaussian_kl(mu2, logvar2, mu1, logvar1))


def standard_normal_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)), ``(..., D)`` → ``(...)``."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=-1)


def same_class_pairs(labels_a: torch.Tensor,
                     labels_b: torch.Tensor) -> torch.Tensor:
    """``(Na, Nb)`` bool mask of pairs with equal labels (labels < 0, i.e.
    distractors, pair with nothing)."""
    mask = labels_a.reshape(-1, 1) == labels_b.reshape(1, -1)
    return mask & (labels_a.reshape(-1, 1) >= 0)


def info_nce(z_a: torch.Tensor,
             z_b: torch.Tensor,
             labels_a: torch.Tensor,
             labels_b: torch.Tensor,
             temperature: float = 0.1) -> Tuple[torch.Tensor, torch.Tensor]:
    """Symmetric InfoNCE between two views, with class labels as positives.

    With ``s_ij = cos(z_a_i, z_b_j) / τ`` and ``P`` the same-class pairs:

    - ``L_ab = mean_{(i,j)∈P} −log softmax_j(s_i·)[j]`` (a → b),
    - ``L_ba = mean_{(i,j)∈P} −log softmax_i(s_·j)[i]`` (b → a),
    - ``loss = (L_ab + L_ba) / 2``,
    - ``bound = ((log N_b − L_ab) + (log N_a − L_ba)) / 2``: the InfoNCE
      lower bound on I(z_a; z_b) in nats (exact when each row has one
      positive; with several positives per row it is a diagnostic).

    Args:
        z_a (Tensor): ``(Na, D)``.
        z_b (Tensor): ``(Nb, D)``.
        labels_a (Tensor): ``(Na, )`` int labels.
        labels_b (Tensor): ``(Nb, )`` int labels.
        temperature (float): τ > 0.

    Returns:
        tuple[Tensor, Tensor]: ``(loss, bound)``, scalars; both are zero
        (and the loss keeps the graph) when there is no same-class pair.
    """
    zero = (z_a.sum() + z_b.sum()) * 0.0
    if z_a.shape[0] == 0 or z_b.shape[0] == 0:
        return zero, zero.detach()
    pos = same_class_pairs(labels_a, labels_b)
    logits = F.normalize(z_a, dim=1) @ F.normalize(z_b, dim=1).t()
    logits = logits / temperature
    # masked means, no host-device synchronisation
    loss_ab = -masked_mean(logits.log_softmax(dim=1), pos)
    loss_ba = -masked_mean(logits.log_softmax(dim=0), pos)
    loss = 0.5 * (loss_ab + loss_ba)
    bound = 0.5 * ((math.log(z_b.shape[0]) - loss_ab) +
                   (math.log(z_a.shape[0]) - loss_ba))
    has_pairs = pos.any()
    return (torch.where(has_pairs, loss, zero),
            torch.where(has_pairs, bound, zero).detach())


@MODELS.register_module()
class SymmetricIBLoss(InformationLoss):
    """Symmetric information-bottleneck loss between sketch and photo.

    For the same-class sketch/photo pairs ``(i, j)`` of a batch, with the
    encoders' diagonal Gaussians ``q_s = N(μ_s, σ_s²)``, ``q_p = N(μ_p,
    σ_p²)`` and samples ``z``:

    ``mode='sib'`` (default)::

        L = β(t) · mean_{(i,j)} SKL(q_s_i, q_p_j) − Î_NCE(z_s; z_p)

    where ``SKL`` is the mean of both KL directions and ``Î_NCE = log N −
    L_NCE`` (:func:`info_nce`); the constant ``log N`` is left out of the
    optimised term, so the returned terms are ``loss_ib_kl = w·β(t)·SKL`` and
    ``loss_ib_nce = w·L_NCE``, with the bound itself logged as ``ib_mi_lb``.

    ``mode='vib'`` (the simpler variant; the classification part comes from
    the projection loss)::

        L = β(t) · [mean_i KL(q_s_i ‖ N(0, I)) + mean_j KL(q_p_j ‖ N(0, I))]
            + β(t) · mean_{(i,j)} SKL(q_s_i, q_p_j)

    returned as ``loss_ib_prior`` and ``loss_ib_kl`` (β on the symmetric KL
    too: default chosen by sketret).

    β warm-up: ``β(t) = β · min(1, t / warmup_iters)``, ``t`` the current
    training iteration passed to :meth:`forward` (full β when it is None or
    ``warmup_iters == 0``). ``ib_beta`` logs β(t).

    Args:
        beta (float): β ≥ 0 on the KL terms. Defaults to 1e-3 (default
            chosen by sketret).
        warmup_iters (int): Iterations of the linear β warm-up. Defaults to
            1000 (default chosen by sketret).
        temperature (float): τ of the InfoNCE bound. Defaults to 0.1
            (default chosen by sketret).
        mode (str): ``'sib'`` or ``'vib'``. Defaults to ``'sib'``.
        loss_weight (float): λ_ib ≥ 0, multiplies every term. Defaults to
            1.0 (the BDA-SketRet configs set 0.1, default chosen by sketret).
    """

    def __init__(self,
                 beta: float = 1e-3,
                 warmup_iters: int = 1000,
                 temperature: float = 0.1,
                 mode: str = 'sib',
                 loss_weight: float = 1.0):
        super().__init__()
        owner = type(self).__name__
        self.beta = check_non_negative(beta, 'beta', owner)
        self.warmup_iters = int(
            check_non_negative(warmup_iters, 'warmup_iters', owner))
        self.temperature = check_positive(temperature, 'temperature', owner)
        if mode not in ('sib', 'vib'):
            raise ValueError(
                f"{owner}: mode must be 'sib' or 'vib', got {mode!r}")
        self.mode = mode
        self.loss_weight = check_non_negative(loss_weight, 'loss_weight',
                                              owner)

    def current_beta(self, current_iter: Optional[int] = None) -> float:
        """β(t) after the linear warm-up."""
        if current_iter is None or self.warmup_iters == 0:
            return self.beta
        return self.beta * min(1.0, max(0, current_iter) / self.warmup_iters)

    def forward(self,
                mu_s: torch.Tensor,
                logvar_s: torch.Tensor,
                z_s: torch.Tensor,
                labels_s: torch.Tensor,
                mu_p: torch.Tensor,
                logvar_p: torch.Tensor,
                z_p: torch.Tensor,
                labels_p: torch.Tensor,
                current_iter: Optional[int] = None
                ) -> Dict[str, torch.Tensor]:
        """Args:
            mu_s, logvar_s, z_s (Tensor): ``(Ns, D)`` sketch μ, log σ², z.
            labels_s (Tensor): ``(Ns, )`` sketch class labels.
            mu_p, logvar_p, z_p (Tensor): ``(Np, D)`` photo μ, log σ², z.
            labels_p (Tensor): ``(Np, )`` photo class labels.
            current_iter (int, optional): Training iteration for the β
                warm-up.

        Returns:
            dict[str, Tensor]: ``sib``: ``loss_ib_kl``, ``loss_ib_nce``,
            ``ib_beta``, ``ib_mi_lb``; ``vib``: ``loss_ib_prior``,
            ``loss_ib_kl``, ``ib_beta``.
        """
        beta = self.current_beta(current_iter)
        w = self.loss_weight
        pos = same_class_pairs(labels_s, labels_p)
        zero = (mu_s.sum() + logvar_s.sum() + mu_p.sum() +
                logvar_p.sum()) * 0.0
        # every (sketch, photo) pair, masked: no host-device sync
        skl = masked_mean(
            symmetric_gaussian_kl(mu_s[:, None], logvar_s[:, None],
                                  mu_p[None], logvar_p[None]), pos) + zero
        losses = {'loss_ib_kl': w * beta * skl}
        if self.mode == 'sib':
            nce, bound = info_nce(z_s, z_p, labels_s, labels_p,
                                  self.temperature)
            losses['loss_ib_nce'] = w * nce
            losses['ib_mi_lb'] = bound
        else:
            prior = zero
            for mu, logvar in ((mu_s, logvar_s), (mu_p, logvar_p)):
                if mu.shape[0] > 0:
                    prior = prior + standard_normal_kl(mu, logvar).mean()
            losses = {'loss_ib_prior': w * beta * prior, **losses}
        losses['ib_beta'] = mu_s.new_tensor(beta)
        return losses
