# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""How far apart sketch and photo embeddings lie: the modality gap.

Domain alignment claims that sketch and photo embeddings become hard to
tell apart. Three measures on L2-normalised embeddings (as retrieval uses
them), each computed on at most ``max_samples`` embeddings per modality:

- ``mmd``: squared maximum mean discrepancy with a Gaussian (RBF) kernel
  whose bandwidth is the median pairwise distance of the pooled sample (the
  median heuristic); the biased (V-statistic) estimate, 0 for identical
  samples.
- ``centroid_distance``: the distance between the two modality means.
- ``probe_accuracy``: accuracy of a linear probe (ridge regression on ±1
  targets) that predicts the modality, by 2-fold cross-validation on
  equally many embeddings of each modality (the larger side is subsampled
  to the smaller one); 0.5 means the modalities cannot be told apart
  linearly, 1.0 that they are linearly separable. With few embeddings of
  one modality (e.g. a 19-photo gallery) it is a noisy estimate.
"""
from typing import Dict

import numpy as np

__all__ = ['modality_gap', 'rbf_mmd2']


def _normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


def _sq_dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2 * a @ b.T
    return np.maximum(d, 0.0)


def rbf_mmd2(x: np.ndarray, y: np.ndarray, bandwidth: float) -> float:
    """Biased squared MMD of samples ``x`` (n, D) and ``y`` (m, D) with
    the kernel ``exp(-|a - b|^2 / (2 bandwidth^2))``."""
    gamma = 1.0 / (2.0 * bandwidth**2)
    kxx = np.exp(-gamma * _sq_dists(x, x)).mean()
    kyy = np.exp(-gamma * _sq_dists(y, y)).mean()
    kxy = np.exp(-gamma * _sq_dists(x, y)).mean()
    return float(kxx + kyy - 2 * kxy)


def _probe_accuracy(x: np.ndarray, y: np.ndarray, rng,
                    ridge: float = 1e-3) -> float:
    n = min(len(x), len(y))
    x = x[np.sort(rng.permutation(len(x))[:n])]
    y = y[np.sort(rng.permutation(len(y))[:n])]
    feats = np.concatenate([x, y])
    target = np.concatenate([np.ones(len(x)), -np.ones(len(y))])
    feats = np.concatenate([feats, np.ones((len(feats), 1))], axis=1)
    fold = np.zeros(len(feats), dtype=bool)
    for side in (np.flatnonzero(target > 0), np.flatnonzero(target < 0)):
        fold[rng.permutation(side)[:len(side) // 2]] = True
    correct = {1.0: [], -1.0: []}
    for test in (fold, ~fold):
        a, t = feats[~test], target[~test]
        w = np.linalg.solve(a.T @ a + ridge * len(a) * np.eye(a.shape[1]),
                            a.T @ t)
        pred = np.where(feats[test] @ w >= 0, 1.0, -1.0)
        for c in correct:
            correct[c].extend(pred[target[test] == c] == c)
    return float(np.mean([np.mean(v) for v in correct.values()]))


def modality_gap(sketch_feats: np.ndarray,
                 photo_feats: np.ndarray,
                 max_samples: int = 1000,
                 seed: int = 0) -> Dict[str, float]:
    """The three measures of the module docstring.

    Args:
        sketch_feats: ``(n, D)`` sketch embeddings (any norm).
        photo_feats: ``(m, D)`` photo embeddings.
        max_samples: at most this many rows per modality (a seeded random
            subset), to bound the O(n^2) cost.
        seed: seed of the subset and of the probe's folds.

    Returns:
        dict: ``mmd``, ``centroid_distance``, ``probe_accuracy``,
        ``bandwidth`` and the sample sizes ``num_sketch``, ``num_photo``.
    """
    x, y = _normalize(sketch_feats), _normalize(photo_feats)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError('sketch and photo features must be 2-D with the '
                         f'same dimension, got {x.shape} and {y.shape}')
    if len(x) < 2 or len(y) < 2:
        raise ValueError('the modality gap needs at least 2 embeddings per '
                         f'modality, got {len(x)} sketches and {len(y)} '
                         'photos')
    rng = np.random.default_rng(seed)
    if len(x) > max_samples:
        x = x[np.sort(rng.choice(len(x), max_samples, replace=False))]
    if len(y) > max_samples:
        y = y[np.sort(rng.choice(len(y), max_samples, replace=False))]
    pooled = np.concatenate([x, y])
    d = np.sqrt(_sq_dists(pooled, pooled))
    bandwidth = float(np.median(d[np.triu_indices(len(pooled), 1)]))
    if bandwidth <= 0:
        bandwidth = 1.0
    return dict(
        mmd=rbf_mmd2(x, y, bandwidth),
        centroid_distance=float(np.linalg.norm(x.mean(0) - y.mean(0))),
        probe_accuracy=_probe_accuracy(x, y, rng),
        bandwidth=bandwidth,
        num_sketch=int(len(x)),
        num_photo=int(len(y)))
