# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Loss terms, each written for one slot of the retrievers (see
:mod:`sketret.models.losses.base`)."""
from .base import (
    SLOT_DEFAULT_TERMS,
    DistillationLoss,
    DomainLoss,
    InformationLoss,
    MetricLoss,
    ProjectionLoss,
    SemanticLoss,
    check_slot,
    loss_terms,
)
from .domain_adversarial_loss import DomainAdversarialLoss
from .knowledge_distillation_loss import KnowledgeDistillationLoss
from .semantic_reconstruction_loss import SemanticReconstructionLoss
from .symmetric_ib_loss import (
    SymmetricIBLoss,
    gaussian_kl,
    info_nce,
    same_class_pairs,
    standard_normal_kl,
    symmetric_gaussian_kl,
)
from .topology_preserving_loss import TopologyPreservingLoss
from .triplet_loss import TripletLoss, pairwise_distances

__all__ = [
    'DomainAdversarialLoss', 'SymmetricIBLoss', 'TopologyPreservingLoss',
    'gaussian_kl', 'symmetric_gaussian_kl', 'standard_normal_kl', 'info_nce',
    'same_class_pairs', 'TripletLoss', 'pairwise_distances',
    'KnowledgeDistillationLoss', 'SemanticReconstructionLoss',
    'SLOT_DEFAULT_TERMS', 'MetricLoss', 'DomainLoss', 'SemanticLoss',
    'DistillationLoss', 'ProjectionLoss', 'InformationLoss', 'check_slot',
    'loss_terms'
]
