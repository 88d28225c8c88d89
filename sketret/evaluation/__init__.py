# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Retrieval evaluation: pure functions (:mod:`.functional`), the
mmengine metric, and feature files."""
from .features_io import load_features, save_features
from .functional import PRESETS, evaluate_retrieval
from .metrics import SBIRRetrievalMetric

__all__ = [
    'evaluate_retrieval', 'PRESETS', 'SBIRRetrievalMetric', 'save_features',
    'load_features'
]
