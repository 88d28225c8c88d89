# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Helpers shared by the models: class graphs, gradient reversal, module
outputs."""
from .class_graph import (
    build_class_graph,
    cosine_similarity_matrix,
    knn_graph,
    mst_graph,
    normalize_adjacency,
)
from .gradient_reversal import (
    GradientReversal,
    GradientReversalLayer,
    gradient_reversal,
)
from .module_outputs import last_tensor

__all__ = [
    'GradientReversal', 'GradientReversalLayer', 'gradient_reversal',
    'build_class_graph', 'cosine_similarity_matrix', 'knn_graph',
    'mst_graph', 'normalize_adjacency', 'last_tensor'
]
