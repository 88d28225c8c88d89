# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
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
    'KnowledgeDistillationLoss', 'SemanticReconstructionLoss'
]
