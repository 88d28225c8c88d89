# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Sketch-to-photo retrieval metrics from features, in bounded memory.

The ``Q x N`` score matrix is never held: queries are sorted by class and
scored in blocks of rows whose working memory fits ``memory_budget``; each
block is ranked exactly by :class:`~.ranking.BlockRanker` and reduced to
per-query values. A query's value depends only on its own row, so results
are identical for any block size and thread count.
"""
import contextlib
import os
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, Optional, Sequence, Union

import numpy as np

try:  # installed with scikit-learn; optional
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_limits = None

from .presets import RetrievalPreset, get_preset, parse_metrics
from .ranking import BlockRanker, bytes_per_row
from .variants import metric_from_ranks

__all__ = [
    'evaluate_retrieval', 'per_query_metrics', 'summarize_metrics',
    'compute_similarity', 'prepare_features', 'parse_memory_budget',
    'SIMILARITIES', 'AVERAGES'
]

SIMILARITIES = ('cosine', 'euclidean', 'dot')
AVERAGES = ('query', 'class', 'micro', 'macro')
# Rows per block: larger blocks only cost memory and cache misses.
_MAX_BLOCK_ROWS = 64

_UNITS = {
    '': 1,
    'B': 1,
    'K': 10**3,
    'KB': 10**3,
    'M': 10**6,
    'MB': 10**6,
    'G': 10**9,
    'GB': 10**9,
    'T': 10**12,
    'TB': 10**12,
    'KIB': 2**10,
    'MIB': 2**20,
    'GIB': 2**30,
    'TIB': 2**40,
}


def parse_memory_budget(budget: Union[int, float, str]) -> int:
    """Bytes in ``budget``: a number of bytes or a string such as ``'2GB'``
    (SI: 1 GB = 10**9 B), ``'512MiB'`` (binary) or ``'1.5 GB'``.

    Raises:
        ValueError: not a positive size.
    """
    if isinstance(budget, (int, float, np.integer, np.floating)) \
            and not isinstance(budget, bool):
        value = float(budget)
    else:
        match = re.match(r'^\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]*)\s*$',
                         str(budget))
        unit = match.group(2).upper() if match else None
        if match is None or unit not in _UNITS:
            raise ValueError(
                f'memory_budget {budget!r} is not a size; expected bytes or '
                "a string like '2GB', '512MB' or '1GiB'")
        value = float(match.group(1)) * _UNITS[unit]
    if not np.isfinite(value) or value < 1:
        raise ValueError(
            f'memory_budget must be at least 1 byte, got {budget!r}')
    return int(value)


def _as_features(feats, name: str) -> np.ndarray:
    feats = np.asarray(feats)
    if feats.ndim != 2:
        raise ValueError(f'{name} must be a 2-D array (num_items, dim), got '
                         f'shape {feats.shape}')
    if not (np.issubdtype(feats.dtype, np.number)
            and not np.issubdtype(feats.dtype, np.complexfloating)):
        raise ValueError(f'{name} must be real numbers, got {feats.dtype}')
    with np.errstate(over='ignore', invalid='ignore'):
        feats = np.ascontiguousarray(feats, dtype=np.float32)
    finite = np.isfinite(feats).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise ValueError(
            f'{name} contains NaN or inf (as float32) in {len(bad)} rows, '
            f'first row {bad[0]}')
    return feats


def _as_labels(labels, n: int, name: str, feats_name: str) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != n:
        raise ValueError(
            f'{name} must have one entry per row of {feats_name} ({n}), got '
            f'shape {labels.shape}')
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.number):
        raise ValueError(f'{name} must be integers, got {labels.dtype}')
    if not np.issubdtype(labels.dtype, np.integer):
        if not (np.isfinite(labels).all()
                and (labels == np.round(labels)).all()):
            raise ValueError(f'{name} must be integers (-1 for a gallery '
                             'distractor)')
    return labels.astype(np.int64)


# Scores are computed exactly. Features are scaled by a power of two so
# that every row has an L2 norm <= 1 and snapped to the grid of multiples of
# 2**-_GRID_BITS (in float64). A product of two grid values is a multiple of
# 2**-(2 * _GRID_BITS) and every partial sum of a dot product is bounded by
# |q| |g| <= ~1, so all of them are exactly representable in float64 (53
# bits): the dot products, squared norms and Euclidean scores come out
# exact whatever the summation order, blocking, threading, FMA use or vector
# width of the BLAS. Mathematically equal scores are therefore bitwise equal
# on every machine. See docs/metrics.md ("Ties that survive arithmetic").
_GRID_BITS = 25


def _pow2_at_least(x: float) -> float:
    """The smallest power of two >= ``x`` (``x`` > 0), as a float."""
    mantissa, exponent = np.frexp(x)
    return float(np.ldexp(1.0, int(exponent) - (mantissa == 0.5)))


def _row_norms(feats: np.ndarray) -> np.ndarray:
    """Float64 L2 norms of the rows of ``feats`` (float64), summed in a
    fixed order by numpy's pairwise reduction (no BLAS)."""
    return np.sqrt(_squared_norms(feats))


def _snap(feats: np.ndarray, scale: float) -> np.ndarray:
    """``feats * scale`` rounded to the score grid (float64, exact
    scaling: ``scale`` is a power of two)."""
    return np.round(feats * (scale * 2.0**_GRID_BITS)) * 2.0**-_GRID_BITS


def prepare_features(query_feats: np.ndarray, gallery_feats: np.ndarray,
                     similarity: str = 'cosine'):
    """Query and gallery features on the exact score grid (float64).

    ``'cosine'``: rows L2-normalised in float64 (a zero row stays zero).
    ``'euclidean'``: both sides scaled by one power of two so that the
    largest row norm is <= 1 (rankings are unchanged). ``'dot'``: each side
    scaled by its own power of two (rankings are unchanged). Then every
    value is rounded to a multiple of ``2**-25``: an absolute change of at
    most ``2**-26`` per component of a unit-norm row, finer than float32's
    spacing near 1. Identical rows give identical rows; parallel rows of
    different norms give identical normalised rows unless a component falls
    within ~1e-16 of a rounding boundary of the grid.

    Returns:
        tuple: query grid (Q, D), gallery grid (N, D), float64.
    """
    q = np.asarray(query_feats, dtype=np.float64)
    g = np.asarray(gallery_feats, dtype=np.float64)
    if similarity == 'cosine':
        qn, gn = _row_norms(q), _row_norms(g)
        qn[qn == 0] = 1.0
        gn[gn == 0] = 1.0
        return _snap(q / qn[:, None], 1.0), _snap(g / gn[:, None], 1.0)
    q_max = float(_row_norms(q).max(initial=0.0))
    g_max = float(_row_norms(g).max(initial=0.0))
    if similarity == 'euclidean':
        q_max = g_max = max(q_max, g_max)
    q_scale = 1.0 / _pow2_at_least(q_max) if q_max > 0 else 1.0
    g_scale = 1.0 / _pow2_at_least(g_max) if g_max > 0 else 1.0
    return _snap(q, q_scale), _snap(g, g_scale)


def compute_similarity(query_feats: np.ndarray,
                       gallery_feats: np.ndarray,
                       similarity: str = 'cosine',
                       query_sq: Optional[np.ndarray] = None,
                       gallery_sq: Optional[np.ndarray] = None) -> np.ndarray:
    """Scores of a query block, shape ``(b, N)`` float32, higher = closer.

    ``query_feats`` (b, D) and ``gallery_feats`` (N, D) are float64 rows on
    the score grid made by :func:`prepare_features` (for ``'cosine'`` they
    are L2-normalised there). The products are then exact in float64 and
    rounded once to float32, so equal scores are bitwise equal for any
    block shape, thread count or CPU. ``'euclidean'`` scores are the
    negative squared distances ``2 q.g - |g|^2 - |q|^2`` (of the scaled
    features).
    """
    scores = query_feats @ gallery_feats.T
    if similarity == 'euclidean':
        if gallery_sq is None:
            gallery_sq = _squared_norms(gallery_feats)
        if query_sq is None:
            query_sq = _squared_norms(query_feats)
        scores *= 2
        scores -= gallery_sq
        scores -= query_sq[:, None]
    return scores.astype(np.float32)


def _squared_norms(feats: np.ndarray) -> np.ndarray:
    """Exact squared norms of grid rows (float64)."""
    return np.add.reduce(feats * feats, axis=1)


class _Classes:
    """Class structure of the gallery: contiguous codes for the labels."""

    def __init__(self, query_labels, gallery_labels):
        valid = gallery_labels != -1
        self.classes = np.unique(gallery_labels[valid])
        g_code = np.full(len(gallery_labels), -1, dtype=np.int64)
        g_code[valid] = np.searchsorted(self.classes, gallery_labels[valid])
        pos = np.searchsorted(self.classes, query_labels)
        pos_c = np.minimum(pos, max(len(self.classes) - 1, 0))
        found = (pos < len(self.classes)) & (query_labels != -1)
        if len(self.classes):
            found &= self.classes[pos_c] == query_labels
        self.query_code = np.where(found, pos_c, -1)
        order = np.argsort(g_code, kind='stable')
        counts = np.bincount(g_code[valid], minlength=len(self.classes))
        starts = len(gallery_labels) - valid.sum() + np.concatenate(
            ([0], np.cumsum(counts)[:-1]))
        # Gallery indices of each class, increasing (stable argsort).
        self.members = [
            order[s:s + c] for s, c in zip(starts.tolist(), counts.tolist())
        ]
        self.num_relevant = np.where(found, counts[pos_c] if len(counts) else
                                     0, 0)


def per_query_metrics(query_feats,
                      query_labels,
                      gallery_feats,
                      gallery_labels,
                      metrics: Sequence[str] = ('mAP@all', 'P@100'),
                      preset: Union[str, RetrievalPreset] = 'textbook',
                      similarity: str = 'cosine',
                      memory_budget: Union[int, str] = '2GB',
                      num_threads: Optional[int] = None
                      ) -> Dict[str, np.ndarray]:
    """Each query's value of each metric.

    Args: as :func:`evaluate_retrieval`.

    Returns:
        dict[str, np.ndarray]: metric name -> ``(Q, )`` float64 (NaN for a
        query without relevant gallery item), and ``'num_relevant'`` ->
        ``(Q, )`` int64 (``R`` of each query).
    """
    specs = parse_metrics(metrics)
    preset = get_preset(preset)
    if similarity not in SIMILARITIES:
        raise ValueError(f'unknown similarity {similarity!r}; valid: '
                         + ', '.join(repr(s) for s in SIMILARITIES))
    budget = parse_memory_budget(memory_budget)
    qf = _as_features(query_feats, 'query_feats')
    gf = _as_features(gallery_feats, 'gallery_feats')
    if len(qf) == 0:
        raise ValueError('the query set is empty: query_feats has 0 rows')
    if len(gf) == 0:
        raise ValueError('the gallery is empty: gallery_feats has 0 rows')
    if qf.shape[1] != gf.shape[1]:
        raise ValueError(
            f'feature dimensions differ: query_feats has D={qf.shape[1]}, '
            f'gallery_feats has D={gf.shape[1]}; they must be equal')
    ql = _as_labels(query_labels, len(qf), 'query_labels', 'query_feats')
    gl = _as_labels(gallery_labels, len(gf), 'gallery_labels',
                    'gallery_feats')
    qf, gf = prepare_features(qf, gf, similarity)
    gallery_sq = query_sq = None
    if similarity == 'euclidean':
        gallery_sq, query_sq = _squared_norms(gf), _squared_norms(qf)

    classes = _Classes(ql, gl)
    num_q, num_g = len(qf), len(gf)
    out = {s.name: np.full(num_q, np.nan) for s in specs}
    out['num_relevant'] = classes.num_relevant
    # Queries with a relevant item, sorted by class: a block then holds
    # few classes, and each class is one (rows x R) group.
    scored = np.flatnonzero(classes.query_code >= 0)
    scored = scored[np.argsort(classes.query_code[scored], kind='stable')]
    if len(scored) == 0:
        return out
    if num_threads is None:
        num_threads = min(2, os.cpu_count() or 1)
    num_threads = max(1, int(num_threads))
    max_r = int(classes.num_relevant.max())
    # + the float64 product and the query rows (float64).
    per_row = bytes_per_row(num_g, max_r) + 8 * num_g + 8 * qf.shape[1]
    rows = budget // (per_row * num_threads)
    rows = int(max(1, min(rows, _MAX_BLOCK_ROWS, len(scored))))
    blocks = [scored[i:i + rows] for i in range(0, len(scored), rows)]

    def run(block):
        scores = compute_similarity(qf[block], gf, similarity,
                                    None if query_sq is None else
                                    query_sq[block], gallery_sq)
        ranker = BlockRanker(scores)
        codes = classes.query_code[block]
        cuts = np.flatnonzero(np.diff(codes)) + 1
        for local in np.split(np.arange(len(block)), cuts):
            ranks = ranker.relevant_ranks(local,
                                          classes.members[codes[local[0]]])
            for s in specs:
                out[s.name][block[local]] = metric_from_ranks(
                    ranks, s.kind, s.k, preset)

    with _single_threaded_blas():
        if num_threads == 1 or len(blocks) == 1:
            for block in blocks:
                run(block)
        else:
            with ThreadPoolExecutor(num_threads) as pool:
                for _ in pool.map(run, blocks):
                    pass
    return out


def _single_threaded_blas():
    """One BLAS thread per block worker while scoring.

    OpenBLAS's idle threads keep spinning for a while after every call;
    with a product per block they would keep a core busy and slow the block
    workers down (about 2x on a 2-core machine). The blocks are parallel
    already, so each product runs on its own thread. Needs threadpoolctl
    (installed with scikit-learn); without it nothing changes.
    """
    if threadpool_limits is None:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api='blas')


def _mean(values: np.ndarray, labels: np.ndarray, average: str):
    if len(values) == 0:
        return None
    if average in ('query', 'micro'):
        return float(np.mean(values))
    return float(
        np.mean([np.mean(values[labels == c]) for c in np.unique(labels)]))


def summarize_metrics(values: Dict[str, np.ndarray],
                      query_labels,
                      average: str = 'query',
                      per_class: bool = False,
                      mask: Optional[np.ndarray] = None) -> dict:
    """Average per-query values (from :func:`per_query_metrics`).

    Queries without relevant gallery item are left out of every mean and
    counted. ``average='query'`` (or ``'micro'``) is the mean over queries,
    ``'class'`` (or ``'macro'``) the mean of the per-class means.

    Args:
        values (dict): metric name -> ``(Q, )``; ``'num_relevant'`` ->
            ``(Q, )``.
        query_labels (np.ndarray): ``(Q, )``.
        average (str): ``'query'`` or ``'class'``.
        per_class (bool): add ``'per_class'``: label -> metrics and counts.
        mask (np.ndarray, optional): bool ``(Q, )``: the queries to use.

    Returns:
        dict: metric name -> float (None if no query has a relevant item),
        ``'num_queries'``, ``'num_queries_without_relevant'`` and maybe
        ``'per_class'``.
    """
    if average not in AVERAGES:
        raise ValueError(f'unknown average {average!r}; valid: '
                         + ', '.join(repr(a) for a in AVERAGES))
    labels = np.asarray(query_labels)
    has_rel = values['num_relevant'] > 0
    if mask is None:
        mask = np.ones(len(labels), dtype=bool)
    sel = mask & has_rel
    names = [k for k in values if k != 'num_relevant']
    out = {
        name: _mean(values[name][sel], labels[sel], average)
        for name in names
    }
    out['num_queries'] = int(mask.sum())
    out['num_queries_without_relevant'] = int((mask & ~has_rel).sum())
    if per_class:
        table = {}
        for c in np.unique(labels[mask]).tolist():
            cls = mask & (labels == c)
            ok = cls & has_rel
            entry = {
                name: (float(np.mean(values[name][ok])) if ok.any() else None)
                for name in names
            }
            entry['num_queries'] = int(cls.sum())
            entry['num_queries_without_relevant'] = int((cls & ~ok).sum())
            table[c] = entry
        out['per_class'] = table
    return out


def evaluate_retrieval(query_feats,
                       query_labels,
                       gallery_feats,
                       gallery_labels,
                       metrics: Sequence[str] = ('mAP@all', 'P@100'),
                       preset: Union[str, RetrievalPreset] = 'textbook',
                       similarity: str = 'cosine',
                       average: str = 'query',
                       per_class: bool = False,
                       memory_budget: Union[int, str] = '2GB',
                       query_is_seen=None,
                       num_threads: Optional[int] = None) -> dict:
    """Retrieval metrics of queries against a gallery, exact and in bounded
    memory.

    Args:
        query_feats (array-like): ``(Q, D)`` query (sketch) features.
        query_labels (array-like): ``(Q, )`` int class labels.
        gallery_feats (array-like): ``(N, D)`` gallery (photo) features.
        gallery_labels (array-like): ``(N, )`` int class labels; ``-1``
            marks a distractor, relevant to no query. Labels need not be
            contiguous.
        metrics (Sequence[str]): ``'mAP@all'``, ``'mAP@K'``, ``'P@K'``.
        preset (str | RetrievalPreset): the metric definitions, one of
            ``'textbook'`` (default), ``'sake'``, ``'zse'``, ``'sempcyc'``,
            ``'mmpretrain'`` (see :mod:`.presets`).
        similarity (str): ``'cosine'`` (default), ``'euclidean'`` or
            ``'dot'``. Scores are computed exactly on a fixed grid and
            rounded once to float32 (see :func:`prepare_features`).
        average (str): ``'query'`` (mean over queries, default) or
            ``'class'`` (mean of per-class means).
        per_class (bool): also return ``'per_class'``.
        memory_budget (int | str): bound on the working memory of the score
            blocks (the inputs and their float32 copies come on top), e.g.
            ``'2GB'``. At least one query row is always processed at once.
        query_is_seen (array-like, optional): bool ``(Q, )`` for
            generalized ZS-SBIR: also return ``'seen'`` and ``'unseen'``
            results (those queries against the full gallery).
        num_threads (int, optional): blocks scored in parallel (default:
            up to 2, the CPU count). Results do not depend on it.

    Returns:
        dict: one float per requested metric, keyed exactly as requested,
        plus ``'preset'``, ``'num_queries'``,
        ``'num_queries_without_relevant'`` (queries with R = 0, left out of
        the means), ``'per_class'`` (label -> metrics and counts; a metric
        is None for a class whose queries all have R = 0) when asked, and
        ``'seen'`` / ``'unseen'`` dicts (same keys; metrics None when no
        such query has a relevant item) when ``query_is_seen`` is given.

    Raises:
        ValueError: bad shapes, NaN/inf features, empty query set or
            gallery, unknown preset / metric / similarity / average, or no
            query has a relevant gallery item.

    Examples:
        >>> import numpy as np
        >>> q = np.array([[1., 0.], [0., 1.]])
        >>> g = np.array([[1., .1], [.1, 1.], [1., .2], [0., 1.]])
        >>> r = evaluate_retrieval(q, [0, 1], g, [0, 1, 0, -1],
        ...                        metrics=['mAP@all', 'P@2'])
        >>> r['mAP@all'], r['P@2'], r['num_queries_without_relevant']
        (0.75, 0.75, 0)
    """
    preset_obj = get_preset(preset)
    if average not in AVERAGES:
        raise ValueError(f'unknown average {average!r}; valid: '
                         + ', '.join(repr(a) for a in AVERAGES))
    values = per_query_metrics(query_feats, query_labels, gallery_feats,
                               gallery_labels, metrics, preset_obj,
                               similarity, memory_budget, num_threads)
    labels = np.asarray(query_labels).astype(np.int64)
    if not (values['num_relevant'] > 0).any():
        raise ValueError(
            f'none of the {len(labels)} queries has a relevant gallery item: '
            'query_labels and gallery_labels must share class labels')
    result = summarize_metrics(values, labels, average, per_class)
    out = {name: result.pop(name) for name in list(result)
           if name not in ('num_queries', 'num_queries_without_relevant',
                           'per_class')}
    out['preset'] = preset_obj.name
    out.update(result)
    if query_is_seen is not None:
        seen = np.asarray(query_is_seen)
        if seen.shape != labels.shape:
            raise ValueError(
                'query_is_seen must have one entry per query '
                f'({len(labels)}), got shape {seen.shape}')
        seen = seen.astype(bool)
        out['seen'] = summarize_metrics(values, labels, average, per_class,
                                        seen)
        out['unseen'] = summarize_metrics(values, labels, average, per_class,
                                          ~seen)
    return out
