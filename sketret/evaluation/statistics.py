# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Confidence intervals for retrieval results: percentile bootstrap over
queries and over classes, for one method or a paired difference.

A method's mAP is a mean of per-query APs, but the queries of one class are
not independent samples: they share the class's photos and the class's
difficulty. Resampling queries gives the interval a user would get with
more sketches of the same classes; resampling whole classes (a cluster
bootstrap: every query of a drawn class comes along) gives the interval
over the choice of classes, which is the one that matters for a zero-shot
claim and is much wider when there are few classes. Report both.

Paired comparisons use the per-query difference of two methods on the same
queries, so the variation shared by both methods (hard queries) cancels.
"""
from typing import Dict, Optional, Sequence

import numpy as np

__all__ = ['bootstrap_ci', 'paired_bootstrap_ci', 'class_means']


def _check(values, labels):
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError('values must be a non-empty 1-D array of per-query '
                         f'values, got shape {values.shape}')
    if not np.isfinite(values).all():
        raise ValueError('values contain NaN or inf: leave out the queries '
                         'without a relevant gallery item first')
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != values.shape:
            raise ValueError(
                f'labels must have one entry per value ({len(values)}), got '
                f'shape {labels.shape}')
    return values, labels


def bootstrap_ci(values: Sequence[float],
                 labels: Optional[Sequence[int]] = None,
                 level: float = 0.95,
                 num_resamples: int = 2000,
                 seed: int = 0) -> Dict[str, float]:
    """Percentile bootstrap interval of the mean of per-query ``values``.

    Args:
        values: ``(Q, )`` per-query values (e.g. AP), finite.
        labels: ``(Q, )`` class of each query. When given, whole classes
            are resampled (cluster bootstrap) and the statistic is the mean
            over all queries of the drawn classes; otherwise queries are
            resampled one by one.
        level: coverage of the interval.
        num_resamples: bootstrap resamples.
        seed: seed of the resampling (results are reproducible).

    Returns:
        dict: ``mean`` (of ``values``), ``low``, ``high``, ``level``,
        ``unit`` (``'query'`` or ``'class'``) and ``num_units``.
    """
    values, labels = _check(values, labels)
    if not 0 < level < 1:
        raise ValueError(f'level must be in (0, 1), got {level}')
    rng = np.random.default_rng(seed)
    if labels is None:
        n = len(values)
        draws = rng.integers(0, n, (num_resamples, n))
        stats = values[draws].mean(axis=1)
        unit, num_units = 'query', n
    else:
        _, inverse = np.unique(labels, return_inverse=True)
        sums = np.bincount(inverse, weights=values)
        counts = np.bincount(inverse).astype(np.float64)
        k = len(sums)
        draws = rng.integers(0, k, (num_resamples, k))
        stats = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
        unit, num_units = 'class', k
    alpha = (1 - level) / 2
    low, high = np.quantile(stats, [alpha, 1 - alpha])
    return dict(mean=float(values.mean()), low=float(low), high=float(high),
                level=level, unit=unit, num_units=int(num_units))


def paired_bootstrap_ci(values_a: Sequence[float],
                        values_b: Sequence[float],
                        labels: Optional[Sequence[int]] = None,
                        **kwargs) -> Dict[str, float]:
    """Interval of ``mean(values_a - values_b)`` over the same queries
    (see :func:`bootstrap_ci` for the arguments)."""
    a = np.asarray(values_a, dtype=np.float64)
    b = np.asarray(values_b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError('a paired comparison needs the same queries: got '
                         f'{a.shape} and {b.shape} values')
    return bootstrap_ci(a - b, labels, **kwargs)


def class_means(values: Sequence[float],
                labels: Sequence[int]) -> Dict[int, float]:
    """Mean of ``values`` per class label."""
    values, labels = _check(values, labels)
    return {
        int(c): float(values[labels == c].mean())
        for c in np.unique(labels)
    }
