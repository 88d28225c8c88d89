# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Pure numpy retrieval metrics: every ZS-SBIR definition, exact, in
bounded memory. See :func:`evaluate_retrieval`."""
from .presets import (
    AP_AT_K_NORMALIZATIONS,
    AP_INTERPOLATIONS,
    P_AT_K_NORMALIZATIONS,
    PRESETS,
    TIES,
    MetricName,
    RetrievalPreset,
    get_preset,
    parse_metric,
    parse_metrics,
)
from .ranking import BlockRanker, RelevantRanks, rank_relevant
from .retrieval import (
    AVERAGES,
    SIMILARITIES,
    compute_similarity,
    evaluate_retrieval,
    parse_memory_budget,
    per_query_metrics,
    prepare_features,
    summarize_metrics,
)
from .variants import (
    ap_at_k_from_ranks,
    ap_from_ranks,
    average_precision,
    average_precision_at_k,
    metric_from_ranks,
    metrics_from_scores,
    precision_at_k,
    precision_at_k_from_ranks,
)

__all__ = [
    'evaluate_retrieval', 'per_query_metrics', 'summarize_metrics',
    'compute_similarity', 'prepare_features', 'parse_memory_budget',
    'SIMILARITIES', 'AVERAGES',
    'RetrievalPreset', 'PRESETS', 'get_preset', 'MetricName', 'parse_metric',
    'parse_metrics', 'AP_INTERPOLATIONS', 'TIES', 'AP_AT_K_NORMALIZATIONS',
    'P_AT_K_NORMALIZATIONS', 'BlockRanker', 'RelevantRanks', 'rank_relevant',
    'average_precision', 'average_precision_at_k', 'precision_at_k',
    'metrics_from_scores', 'ap_from_ranks', 'ap_at_k_from_ranks',
    'precision_at_k_from_ranks', 'metric_from_ranks'
]
