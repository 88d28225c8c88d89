# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Models: importing this package registers every component in
``sketret.registry.MODELS``."""
from .backbones import (
                        EfficientNetLite0,
    TwoStreamBackbone,
    convert_lukemelas_state_dict,
    wheel_checkpoint_path,
)
from .data_preprocessors import SBIRDataPreprocessor
from .heads import LinearPrototypeHead, TopologyPreservingProjector
from .losses import (
    DomainAdversarialLoss,
    SymmetricIBLoss,
    TopologyPreservingLoss,
    gaussian_kl,
    info_nce,
    same_class_pairs,
    standard_normal_kl,
    symmetric_gaussian_kl,
)
from .necks import SpatialDomainDiscriminator, StochasticEncoder
from .retrievers import BDASketRet
from .utils import (
    GradientReversal,
    GradientReversalLayer,
    build_class_graph,
    cosine_similarity_matrix,
    gradient_reversal,
    knn_graph,
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
    # losses
    'DomainAdversarialLoss', 'SymmetricIBLoss', 'TopologyPreservingLoss',
    'gaussian_kl', 'symmetric_gaussian_kl', 'standard_normal_kl', 'info_nce',
    'same_class_pairs',
    # necks
    'SpatialDomainDiscriminator', 'StochasticEncoder',
    # retrievers
    'BDASketRet',
    # utils
    'GradientReversal', 'GradientReversalLayer', 'gradient_reversal',
    'build_class_graph', 'cosine_similarity_matrix', 'knn_graph',
    'mst_graph', 'normalize_adjacency'
]
