# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Models: importing this package registers every component in
``sketret.registry.MODELS``, and every registered component is exported
here."""
from .backbones import (
    EfficientNetLite0,
    TwoStreamBackbone,
    convert_lukemelas_state_dict,
    wheel_checkpoint_path,
)
from .data_preprocessors import SBIRDataPreprocessor
from .heads import LinearPrototypeHead, TopologyPreservingProjector
from .losses import (
    DistillationLoss,
    DomainAdversarialLoss,
    DomainLoss,
    InformationLoss,
    KnowledgeDistillationLoss,
    MetricLoss,
    ProjectionLoss,
    SemanticLoss,
    SemanticReconstructionLoss,
    SymmetricIBLoss,
    TopologyPreservingLoss,
    TripletLoss,
    gaussian_kl,
    info_nce,
    loss_terms,
    pairwise_distances,
    same_class_pairs,
    standard_normal_kl,
    symmetric_gaussian_kl,
)
from .necks import (
    GlobalPoolNeck,
    SpatialDomainDiscriminator,
    StochasticEncoder,
)
from .retrievers import BaseSBIRRetriever, BDASketRet, SketchPhotoRetriever
from .utils import (
    GradientReversal,
    GradientReversalLayer,
    build_class_graph,
    cosine_similarity_matrix,
    gradient_reversal,
    knn_graph,
    last_tensor,
    mst_graph,
    normalize_adjacency,
)

__all__ = [
    # backbones
    'EfficientNetLite0', 'TwoStreamBackbone', 'convert_lukemelas_state_dict',
    'wheel_checkpoint_path',
    # data preprocessors
    'SBIRDataPreprocessor',
    # heads
    'TopologyPreservingProjector', 'LinearPrototypeHead',
    # losses (the slot base classes first)
    'MetricLoss', 'DomainLoss', 'SemanticLoss', 'DistillationLoss',
    'ProjectionLoss', 'InformationLoss', 'loss_terms',
    'DomainAdversarialLoss', 'SymmetricIBLoss', 'TopologyPreservingLoss',
    'TripletLoss', 'KnowledgeDistillationLoss', 'SemanticReconstructionLoss',
    'gaussian_kl', 'symmetric_gaussian_kl', 'standard_normal_kl', 'info_nce',
    'same_class_pairs', 'pairwise_distances',
    # necks
    'SpatialDomainDiscriminator', 'StochasticEncoder', 'GlobalPoolNeck',
    # retrievers
    'BaseSBIRRetriever', 'BDASketRet', 'SketchPhotoRetriever',
    # utils
    'GradientReversal', 'GradientReversalLayer', 'gradient_reversal',
    'build_class_graph', 'cosine_similarity_matrix', 'knn_graph',
    'mst_graph', 'normalize_adjacency', 'last_tensor'
]
