# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Exact rank statistics of the relevant gallery items, without a full sort.

Each retrieval metric of :mod:`.variants` is a function of three numbers per
relevant gallery item of a query (``R`` items, listed in the stable order:
score descending, then gallery index ascending):

- ``position``: its 1-based position in the stable ranking;
- ``num_ge``: the number of gallery items whose score is ``>=`` its score
  (the end of its tie block: the tie-aware rank used by scikit-learn);
- ``num_rel_ge``: the number of *relevant* items whose score is ``>=`` its
  score.

Sorting the ``N`` scores of every query would cost ``O(N log N)`` float
comparisons. Instead each row is quantised into ``M ~ N`` buckets by a map
that is monotone in the score, ``floor((s - row_min) * scale)``; a histogram
of the buckets says how many items score in strictly higher buckets, and a
relevant item is compared exactly only with the few items that share its
bucket. The counts are exact: quantisation only decides which items need an
exact comparison.
Rows with massive ties (binary codes, duplicated embeddings) fall back to a
stable sort of the row.
"""
from typing import NamedTuple

import numpy as np

__all__ = ['RelevantRanks', 'BlockRanker', 'num_buckets', 'bytes_per_row']


class RelevantRanks(NamedTuple):
    """Rank statistics of the relevant items of ``g`` queries.

    All arrays have shape ``(g, R)``: one row per query and its ``R``
    relevant items in the stable order (score descending, then gallery index
    ascending), so ``position`` increases strictly along each row.

    Attributes:
        position (np.ndarray): int64, 1-based stable positions.
        num_ge (np.ndarray): int64, gallery items with a score ``>=`` the
            item's score.
        num_rel_ge (np.ndarray): int64, relevant items with a score ``>=``
            the item's score.
        num_items (int): ``N``, the size of the gallery.
    """
    position: np.ndarray
    num_ge: np.ndarray
    num_rel_ge: np.ndarray
    num_items: int


def num_buckets(num_items: int) -> int:
    """Buckets per row for a gallery of ``num_items``: a power of two near
    ``num_items``, between 64 and 65,536."""
    m = 1 << int(np.log2(max(num_items, 1)))
    return int(min(max(m, 64), 1 << 16))


def bytes_per_row(num_items: int, max_relevant: int) -> int:
    """Upper estimate of the working memory of one query row, in bytes.

    Per gallery item: the scores (4 B), the quantisation buffer (4 B), the
    buckets (8 B), a candidate mask (1 B) and the crowded-bucket candidates
    (at most ``N / 2`` of them, ~48 B each); per bucket the histogram (16 B)
    and a flag (1 B); per relevant item ~24 temporary arrays of 8 B.
    """
    m = num_buckets(num_items)
    return 41 * num_items + 17 * m + 192 * max(max_relevant, 1)


def _bucketize(scores: np.ndarray, m: int) -> np.ndarray:
    """Quantise each row of ``scores`` (b, N) into ``m`` buckets (intp).

    ``bucket = floor((s - row_min) * scale)``. Each step is monotone under
    IEEE rounding, so ``s < t`` implies ``bucket(s) <= bucket(t)``: an item
    in a higher bucket scores strictly higher.
    """
    lo = scores.min(axis=1, keepdims=True)
    hi = scores.max(axis=1, keepdims=True)
    span = hi.astype(np.float64) - lo.astype(np.float64)
    scale = np.zeros_like(span)
    np.divide(m - 1, span, out=scale, where=span > 0)
    scale = np.minimum(scale, 1e30).astype(np.float32)
    with np.errstate(over='ignore'):
        x = np.subtract(scores, lo)
        x *= scale
    # Rounding keeps x below m (relative error ~1e-7), unless a score range
    # wider than float32 overflowed to inf.
    if not (span < 1e38).all():
        np.minimum(x, m - 1, out=x)
    return x.astype(np.intp)


class BlockRanker:
    """Answers rank questions about a block of query rows.

    Args:
        scores (np.ndarray): similarity scores, shape ``(b, N)``, higher is
            more similar; finite. Converted to float32.
        crowded_fraction (float): a row whose relevant items share their
            buckets with more than ``crowded_fraction * N`` items in total
            (massive ties) is ranked by a stable sort of the row instead.
            Defaults to 0.5.

    Examples:
        >>> import numpy as np
        >>> ranker = BlockRanker(np.array([[0.9, 0.1, 0.5, 0.5]]))
        >>> r = ranker.relevant_ranks(np.array([0]), np.array([1, 3]))
        >>> r.position.tolist(), r.num_ge.tolist(), r.num_rel_ge.tolist()
        ([[3, 4]], [[3, 4]], [[1, 2]])
    """

    def __init__(self, scores: np.ndarray, crowded_fraction: float = 0.5):
        self.scores = np.ascontiguousarray(scores, dtype=np.float32)
        if self.scores.ndim != 2 or self.scores.shape[1] == 0:
            raise ValueError('scores must have shape (b, N) with N >= 1, '
                             f'got {self.scores.shape}')
        b, n = self.scores.shape
        self.num_items = n
        self.crowded_limit = min(max(1, int(crowded_fraction * n)), 1 << 20)
        m = self.num_buckets = num_buckets(n)
        self.bucket = _bucketize(self.scores, m)
        # below[i, v]: number of items of row i in buckets < v.
        below = np.zeros((b, m + 1), dtype=np.int64)
        for i in range(b):
            np.cumsum(
                np.bincount(self.bucket[i], minlength=m), out=below[i, 1:])
        self.below = below

    def relevant_ranks(self,
                       rows: np.ndarray,
                       cols: np.ndarray,
                       sort: bool = True) -> RelevantRanks:
        """Rank statistics of the relevant items ``cols`` of ``rows``.

        Args:
            rows (np.ndarray): int, shape ``(g, )``: distinct rows of the
                block.
            cols (np.ndarray): int, shape ``(R, )`` (the same relevant items
                for every row) or ``(g, R)``, ``R >= 1``: gallery indices of
                the relevant items, increasing along each row.
            sort (bool): put the items in the stable order, as the metrics
                need. Defaults to True.

        Returns:
            RelevantRanks: arrays of shape ``(g, R)``.
        """
        rows = np.asarray(rows, dtype=np.intp)
        cols = np.asarray(cols, dtype=np.intp)
        n, m = self.num_items, self.num_buckets
        if cols.ndim == 1:
            cols = np.broadcast_to(cols, (len(rows), cols.shape[0]))
        g, r = cols.shape
        flat = cols + (rows * n)[:, None]
        scores = self.scores.ravel()[flat]
        bucket = self.bucket.ravel()[flat]
        flat = bucket + (rows * (m + 1))[:, None]
        below = self.below.ravel()[flat]
        greater = n - self.below.ravel()[flat + 1]
        occupancy = (n - below) - greater
        equal = np.ones((g, r), dtype=np.int64)
        tied_before = np.zeros((g, r), dtype=np.int64)

        crowded = occupancy > 1
        if crowded.any():
            load = np.where(crowded, occupancy, 0).sum(axis=1)
            heavy = load > self.crowded_limit
            light = crowded & ~heavy[:, None]
            if light.any():
                self._resolve_buckets(rows, scores, cols, bucket, occupancy,
                                      light, greater, equal, tied_before)
            for i in np.flatnonzero(heavy):
                self._resolve_row(rows[i], scores[i], cols[i], greater[i],
                                  equal[i], tied_before[i])
        position = greater + tied_before + 1
        num_ge = greater + equal
        num_rel_ge = None
        if sort:
            # Positions are distinct; below 2**16 a radix sort orders them.
            perm = np.argsort(
                (position - 1).astype(np.uint16)
                if n <= 1 << 16 else position,
                axis=1,
                kind='stable')
            position = np.take_along_axis(position, perm, axis=1)
            num_ge = np.take_along_axis(num_ge, perm, axis=1)
            num_rel_ge = _num_rel_ge(np.take_along_axis(scores, perm, axis=1))
        return RelevantRanks(position, num_ge, num_rel_ge, n)

    def _resolve_buckets(self, rows, scores, cols, bucket, occupancy, mask,
                         greater, equal, tied_before):
        """Exact comparisons with the items that share a relevant item's
        bucket, for the entries of ``mask``; updates the counts in place."""
        n, m = self.num_items, self.num_buckets
        gi, mi = np.nonzero(mask)
        entry_bucket = bucket[gi, mi]
        # Row by row, number the crowded buckets (entries sharing a bucket
        # share its number) and collect the items of those buckets.
        hot = np.zeros(m, dtype=bool)
        number = np.zeros(m, dtype=np.int64)
        entry_group = np.empty(len(gi), dtype=np.int64)
        cand_group, cand_col = [], []
        bounds = np.flatnonzero(np.diff(gi)) + 1
        for lo, hi in zip([0] + bounds.tolist(), bounds.tolist() + [len(gi)]):
            buckets = entry_bucket[lo:hi]
            hot[buckets] = True
            number[buckets] = np.arange(lo, hi)
            entry_group[lo:hi] = number[buckets]
            row_buckets = self.bucket[rows[gi[lo]]]
            found = np.flatnonzero(hot[row_buckets])
            cand_col.append(found)
            cand_group.append(number[row_buckets[found]])
            hot[buckets] = False
        cand_col = np.concatenate(cand_col)
        cand_group = np.concatenate(cand_group)
        # Counting sort by group (radix for 16-bit keys), stable: by index
        # within a group.
        key = cand_group.astype(np.uint16) if len(gi) <= 1 << 16 \
            else cand_group
        order = np.argsort(key, kind='stable')
        cand_col = cand_col[order]
        cand_score = self.scores.ravel()[rows[gi[cand_group[order]]] * n +
                                         cand_col]
        counts = np.bincount(cand_group, minlength=len(gi))
        start = np.cumsum(counts) - counts

        lengths = occupancy[gi, mi]
        ends = np.cumsum(lengths)
        pos = np.repeat(start[entry_group] - (ends - lengths), lengths)
        pos += np.arange(int(ends[-1]), dtype=np.intp)
        seg_score = cand_score[pos]
        ref_score = np.repeat(scores[gi, mi], lengths)
        # One cumulative sum counts three flags: > (bit 0), == (bit 21) and
        # == with a lower gallery index (bit 42); a bucket holds < 2**21
        # items (heavier rows go to _resolve_row).
        eq = seg_score == ref_score
        code = (seg_score > ref_score).astype(np.int64)
        code[eq] += 1 << 21
        eq &= cand_col[pos] < np.repeat(cols[gi, mi], lengths)
        code[eq] += 1 << 42
        sums = np.diff(np.cumsum(code)[ends - 1], prepend=0)
        low = (1 << 21) - 1
        greater[gi, mi] += sums & low
        equal[gi, mi] = (sums >> 21) & low
        tied_before[gi, mi] = sums >> 42

    def _resolve_row(self, row, scores, cols, greater, equal, tied_before):
        """Exact counts of one row from a stable sort (massive ties)."""
        full = self.scores[row]
        n = self.num_items
        perm = np.argsort(-full, kind='stable')
        inverse = np.empty(n, dtype=np.int64)
        inverse[perm] = np.arange(n)
        ascending = full[perm[::-1]]
        ge = n - np.searchsorted(ascending, scores, side='left')
        gt = n - np.searchsorted(ascending, scores, side='right')
        greater[:] = gt
        equal[:] = ge - gt
        tied_before[:] = inverse[cols] - gt


def _num_rel_ge(scores: np.ndarray) -> np.ndarray:
    """For scores (g, R) sorted descending along each row: how many entries
    of the row are ``>=`` each entry (the end of its tie run)."""
    g, r = scores.shape
    run_end = np.broadcast_to(np.arange(r), (g, r)).copy()
    if r > 1:
        same_next = scores[:, :-1] == scores[:, 1:]
        run_end[:, :-1][same_next] = r
        run_end = np.minimum.accumulate(run_end[:, ::-1], axis=1)[:, ::-1]
    return run_end + 1


def rank_relevant(scores: np.ndarray,
                  relevance: np.ndarray,
                  crowded_fraction: float = 0.5) -> list:
    """Rank statistics for a score block with any relevance pattern.

    Args:
        scores (np.ndarray): shape ``(B, N)``.
        relevance (np.ndarray): bool, shape ``(B, N)``.

    Returns:
        list[tuple[np.ndarray, RelevantRanks]]: groups of rows that have the
        same number ``R >= 1`` of relevant items: ``(row indices, ranks)``.
        Rows without a relevant item are in no group.
    """
    ranker = BlockRanker(scores, crowded_fraction)
    counts = relevance.sum(axis=1)
    groups = []
    for r in np.unique(counts[counts > 0]):
        rows = np.flatnonzero(counts == r)
        cols = np.nonzero(relevance[rows])[1].reshape(len(rows), int(r))
        groups.append((rows, ranker.relevant_ranks(rows, cols)))
    return groups
