# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Prototype classification plus semantic topology preservation."""
from typing import Dict

import torch
import torch.nn.functional as F

from sketret.registry import MODELS

from ..utils import cosine_similarity_matrix
from .base import ProjectionLoss
from .utils import check_label_range, check_non_negative, check_positive


@MODELS.register_module()
class TopologyPreservingLoss(ProjectionLoss):
    """Class-discriminative projection loss of BDA-SketRet.

    (a) ``loss_proj``: for each modality, cross-entropy of
    ``cos(z, P_c) / τ`` over the class prototypes ``P`` (``(C, D)``), the
    two modalities' means averaged (samples with label -1 are ignored);

    (b) ``loss_topo = topo_weight · ‖S(P) − S(W)‖²_F / C²`` with ``S`` the
    pairwise cosine similarity and ``W`` the class vectors (``(C, D_w)``):
    the prototypes keep the semantic neighbourhoods of the class vectors.
    The division by ``C²`` (a mean over class pairs, so that the term does
    not grow with the number of classes) is a default chosen by sketret.

    Both terms are multiplied by ``loss_weight``. ``proj_acc`` (not a loss)
    logs the prototype-classification accuracy.

    Args:
        temperature (float): τ > 0. Defaults to 0.1 (default chosen by
            sketret).
        topo_weight (float): λ_topo ≥ 0. Defaults to 1.0 (default chosen by
            sketret).
        loss_weight (float): Weight ≥ 0 of both terms. Defaults to 1.0.
    """

    def __init__(self,
                 temperature: float = 0.1,
                 topo_weight: float = 1.0,
                 loss_weight: float = 1.0):
        super().__init__()
        owner = type(self).__name__
        self.temperature = check_positive(temperature, 'temperature', owner)
        self.topo_weight = check_non_negative(topo_weight, 'topo_weight',
                                              owner)
        self.loss_weight = check_non_negative(loss_weight, 'loss_weight',
                                              owner)

    def prototype_logits(self, z: torch.Tensor,
                         prototypes: torch.Tensor) -> torch.Tensor:
        """``(N, D)`` embeddings, ``(C, D)`` prototypes → ``(N, C)``
        ``cos / τ``."""
        return (F.normalize(z, dim=1) @ F.normalize(prototypes, dim=1).t()
                ) / self.temperature

    def forward(self, z_sketch: torch.Tensor, labels_sketch: torch.Tensor,
                z_photo: torch.Tensor, labels_photo: torch.Tensor,
                prototypes: torch.Tensor,
                class_vectors: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Args:
            z_sketch (Tensor): ``(Ns, D)`` sketch embeddings.
            labels_sketch (Tensor): ``(Ns, )`` labels in ``[0, C)`` (or -1).
            z_photo (Tensor): ``(Np, D)`` photo embeddings.
            labels_photo (Tensor): ``(Np, )`` labels.
            prototypes (Tensor): ``(C, D)`` class prototypes.
            class_vectors (Tensor): ``(C, D_w)`` class vectors.

        Returns:
            dict[str, Tensor]: ``loss_proj``, ``loss_topo``, ``proj_acc``.
        """
        num_classes = prototypes.shape[0]
        if class_vectors.shape[0] != num_classes:
            raise ValueError(
                f'{type(self).__name__}: {num_classes} prototypes but '
                f'{class_vectors.shape[0]} class vectors')
        zero = (z_sketch.sum() + z_photo.sum() + prototypes.sum()) * 0.0
        # no host-device synchronisation: unlabelled rows are masked
        # (ignore_index), a modality without labels counts 0
        ce_sum, num_ce, correct, counted = zero, 0, 0, 0
        for z, labels in ((z_sketch, labels_sketch), (z_photo, labels_photo)):
            labels = labels.reshape(-1).long()
            if labels.numel() == 0:
                continue
            check_label_range(labels, num_classes, type(self).__name__)
            valid = labels >= 0
            logits = self.prototype_logits(z, prototypes)
            ce = F.cross_entropy(logits, labels, ignore_index=-1)
            has_labels = valid.any()
            ce_sum = ce_sum + torch.where(has_labels, ce, zero)
            num_ce = num_ce + has_labels.long()
            correct = correct + ((logits.detach().argmax(1) == labels)
                                 & valid).sum()
            counted = counted + valid.sum()
        if isinstance(num_ce, int):  # both modalities empty
            loss_proj = zero
            proj_acc = zero.detach()
        else:
            loss_proj = ce_sum / num_ce.clamp_min(1)
            proj_acc = (correct / counted.clamp_min(1)).to(zero.dtype)
        diff = cosine_similarity_matrix(prototypes) - \
            cosine_similarity_matrix(class_vectors.to(prototypes.dtype))
        loss_topo = diff.pow(2).sum() / float(num_classes**2)
        return {
            'loss_proj': self.loss_weight * loss_proj,
            'loss_topo': self.loss_weight * self.topo_weight * loss_topo,
            'proj_acc': proj_acc,
        }
