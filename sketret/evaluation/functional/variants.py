# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Every variant of AP, AP@K and P@K, from the rank statistics of the
relevant items (:class:`~.ranking.RelevantRanks`), and the same variants
over a score block with any relevance pattern.

Notation for one query: ``N`` gallery items, ``R >= 1`` of them relevant;
``m = 1..R`` indexes the relevant items in the stable order (score
descending, then gallery index ascending); ``p_m`` is the stable position of
item ``m``, ``A_m`` the number of items scoring ``>=`` it, ``C_m`` the
number of relevant items scoring ``>=`` it; ``h_K = #{m: p_m <= K}``.

- AP, ``noninterp``: ``mean_m prec_m`` with ``prec_m = m / p_m`` (stable)
  or ``C_m / A_m`` (tie-aware, as ``sklearn.metrics.average_precision_score``).
- AP, ``voc``: ``prec_m`` replaced by ``max_{m' >= m} prec_m'`` (VOC
  interpolation, the precision envelope).
- AP@K: the same sums over the items with ``p_m <= K``, divided by
  ``h_K`` (``hits``, 0 when ``h_K = 0``), ``min(K, R)`` (``min_k_r``) or
  ``R`` (``r``). ``tie_aware`` AP@K ranks the stable top-K slice tie-aware:
  ``prec_m = (C_m if A_m <= K else h_K) / min(A_m, K)``.
- P@K: ``h_K / min(K, N)`` (``k``), ``h_K / K`` (``divide_k``),
  ``h_K / min(K, R)`` (``min_k_r``), ``h_{min(K, R)} / min(K, R)``
  (``r_precision_if_short``).

A query without relevant item (``R = 0``) has no value: the block functions
return NaN for it, and :func:`~.retrieval.evaluate_retrieval` leaves it out
of every mean and counts it.
"""
from typing import Optional

import numpy as np

from .presets import (
    AP_AT_K_NORMALIZATIONS,
    AP_INTERPOLATIONS,
    P_AT_K_NORMALIZATIONS,
    TIES,
    RetrievalPreset,
    _check_choice,
    get_preset,
    parse_metrics,
)
from .ranking import RelevantRanks, rank_relevant

__all__ = [
    'ap_from_ranks', 'ap_at_k_from_ranks', 'precision_at_k_from_ranks',
    'metric_from_ranks', 'average_precision', 'average_precision_at_k',
    'precision_at_k', 'metrics_from_scores'
]


def _precision(ranks: RelevantRanks, ties: str) -> np.ndarray:
    """Precision at each relevant item, (g, R) float64."""
    if ties == 'stable':
        r = ranks.position.shape[1]
        return np.arange(1, r + 1) / ranks.position
    return ranks.num_rel_ge / ranks.num_ge


def _envelope(prec: np.ndarray) -> np.ndarray:
    """VOC interpolation: max of the precisions at this item or later."""
    return np.maximum.accumulate(prec[:, ::-1], axis=1)[:, ::-1]


def ap_from_ranks(ranks: RelevantRanks,
                  interpolation: str = 'noninterp',
                  ties: str = 'tie_aware') -> np.ndarray:
    """AP over the whole ranking, shape ``(g, )`` float64.

    Args:
        ranks (RelevantRanks): statistics of ``g`` queries with ``R >= 1``.
        interpolation (str): ``'noninterp'`` or ``'voc'``.
        ties (str): ``'tie_aware'`` or ``'stable'``.
    """
    _check_choice(interpolation, AP_INTERPOLATIONS, 'interpolation')
    _check_choice(ties, TIES, 'ties')
    prec = _precision(ranks, ties)
    if interpolation == 'voc':
        prec = _envelope(prec)
    return prec.mean(axis=1)


def ap_at_k_from_ranks(ranks: RelevantRanks,
                       k: int,
                       normalization: str = 'min_k_r',
                       interpolation: str = 'noninterp',
                       ties: str = 'stable') -> np.ndarray:
    """AP of the top ``k``, shape ``(g, )`` float64.

    Args:
        ranks (RelevantRanks): statistics of ``g`` queries with ``R >= 1``.
        k (int): cut-off, ``>= 1`` (may exceed ``N``).
        normalization (str): ``'hits'``, ``'min_k_r'`` or ``'r'``.
        interpolation (str): ``'noninterp'`` or ``'voc'``.
        ties (str): ``'stable'`` or ``'tie_aware'`` (inside the stable top
            ``k``).
    """
    _check_choice(normalization, AP_AT_K_NORMALIZATIONS, 'normalization')
    _check_choice(interpolation, AP_INTERPOLATIONS, 'interpolation')
    _check_choice(ties, TIES, 'ties')
    r = ranks.position.shape[1]
    in_top = ranks.position <= k
    hits = in_top.sum(axis=1)
    if ties == 'stable':
        prec = np.arange(1, r + 1) / ranks.position
    else:
        inside = np.where(ranks.num_ge <= k, ranks.num_rel_ge, hits[:, None])
        prec = inside / np.minimum(ranks.num_ge, k)
    prec = np.where(in_top, prec, 0.0)
    if interpolation == 'voc':
        # The relevant items of the top k are a prefix (m <= hits), so
        # zeroing the others does not change the envelope of the prefix.
        prec = _envelope(prec)
    total = np.where(in_top, prec, 0.0).sum(axis=1)
    if normalization == 'hits':
        return np.divide(
    total, hits, out=np.zeros_like(total), where=hits > 0)
    denominator = min(k, r) if normalization == 'min_k_r' else r
    return total / denominator


def precision_at_k_from_ranks(ranks: RelevantRanks,
                              k: int,
                              normalization: str = 'k') -> np.ndarray:
    """Precision at ``k``, shape ``(g, )`` float64 (stable order).

    Args:
        ranks (RelevantRanks): statistics of ``g`` queries with ``R >= 1``.
        k (int): cut-off, ``>= 1`` (may exceed ``N``).
        normalization (str): ``'k'``, ``'divide_k'``, ``'min_k_r'`` or
            ``'r_precision_if_short'``.
    """
    _check_choice(normalization, P_AT_K_NORMALIZATIONS, 'normalization')
    r = ranks.position.shape[1]
    if normalization == 'r_precision_if_short':
        cut = min(k, r)
        return (ranks.position <= cut).sum(axis=1) / cut
    hits = (ranks.position <= k).sum(axis=1)
    denominator = {
        'k': min(k, ranks.num_items),
        'divide_k': k,
        'min_k_r': min(k, r)
    }[normalization]
    return hits / denominator


def metric_from_ranks(ranks: RelevantRanks, kind: str, k: Optional[int],
                      preset: RetrievalPreset) -> np.ndarray:
    """One metric (``kind`` ``'mAP'`` or ``'P'``, ``k`` None for @all) under
    ``preset``, shape ``(g, )``."""
    if kind == 'P':
        return precision_at_k_from_ranks(ranks, k,
                                         preset.p_at_k_normalization)
    if k is None:
        return ap_from_ranks(ranks, preset.ap_interpolation, preset.ap_ties)
    return ap_at_k_from_ranks(ranks, k, preset.ap_at_k_normalization,
                              preset.ap_at_k_interpolation,
                              preset.ap_at_k_ties)


def _as_block(scores, relevance):
    scores = np.asarray(scores)
    relevance = np.asarray(relevance)
    squeeze = scores.ndim == 1
    scores = np.atleast_2d(scores)
    relevance = np.atleast_2d(relevance)
    if scores.ndim != 2 or scores.shape != relevance.shape:
        raise ValueError('scores and relevance must have the same shape '
                         f'(B, N) or (N, ), got {np.shape(scores)} and '
                         f'{np.shape(relevance)}')
    if scores.shape[1] == 0:
        raise ValueError('the gallery is empty: scores has 0 columns')
    if not np.isfinite(scores).all():
        raise ValueError('scores contain NaN or inf')
    return scores, relevance.astype(bool), squeeze


def _per_query(scores, relevance, fn):
    scores, relevance, squeeze = _as_block(scores, relevance)
    out = np.full(scores.shape[0], np.nan)
    for rows, ranks in rank_relevant(scores, relevance):
        out[rows] = fn(ranks)
    return float(out[0]) if squeeze else out


def average_precision(scores,
    relevance,
                      interpolation: str = 'noninterp',
                      ties: str = 'tie_aware'):
    """AP over the whole ranking of each query of a score block.

    Args:
        scores (np.ndarray): ``(B, N)`` or ``(N, )``, higher is better.
        relevance (np.ndarray): bool, same shape.
        interpolation (str): ``'noninterp'`` or ``'voc'``.
        ties (str): ``'tie_aware'`` or ``'stable'``.

    Returns:
        np.ndarray | float: ``(B, )`` float64 (a float for 1-D input); NaN
        for a query without relevant item.

    Examples:
        >>> average_precision([0.9, 0.8, 0.7], [True, False, True])
        0.8333333333333333
    """
    return _per_query(scores, relevance,
                      lambda r: ap_from_ranks(r, interpolation, ties))


def average_precision_at_k(scores,
    relevance,
                           k: int,
                           normalization: str = 'min_k_r',
                           interpolation: str = 'noninterp',
                           ties: str = 'stable'):
    """AP of the top ``k`` of each query of a score block.

    Args and Returns: as :func:`average_precision`, plus ``k`` and the
    ``normalization`` of :func:`ap_at_k_from_ranks`.

    Examples:
        >>> average_precision_at_k([0.9, 0.8, 0.7], [True, False, True], 2)
        0.5
    """
    return _per_query(
    scores, relevance, lambda r: ap_at_k_from_ranks(
    r, k, normalization, interpolation, ties))


def precision_at_k(scores, relevance, k: int, normalization: str = 'k'):
    """Precision at ``k`` of each query of a score block (stable order).

    Args and Returns: as :func:`average_precision`, plus ``k`` and the
    ``normalization`` of :func:`precision_at_k_from_ranks`.

    Examples:
        >>> precision_at_k([0.9, 0.8, 0.7], [True, False, True], 2)
        0.5
    """
    return _per_query(
    scores, relevance,
        lambda r: precision_at_k_from_ranks(r, k, normalization))


def metrics_from_scores(scores,
    relevance,
                        metrics=('mAP@all', 'P@100'),
                        preset='textbook') -> dict:
    """Per-query metrics of a score block under a preset.

    Args:
        scores (np.ndarray): ``(B, N)``.
        relevance (np.ndarray): bool ``(B, N)``.
        metrics (Sequence[str]): e.g. ``('mAP@all', 'mAP@200', 'P@200')``.
        preset (str | RetrievalPreset): see :mod:`.presets`.

    Returns:
        dict[str, np.ndarray]: metric name -> ``(B, )`` float64, NaN for a
        query without relevant item.
    """
    preset = get_preset(preset)
    specs = parse_metrics(metrics)
    scores, relevance, _ = _as_block(scores, relevance)
    out = {s.name: np.full(scores.shape[0], np.nan) for s in specs}
    for rows, ranks in rank_relevant(scores, relevance):
        for s in specs:
            out[s.name][rows] = metric_from_ranks(ranks, s.kind, s.k, preset)
    return out
