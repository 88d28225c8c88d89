# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""A searchable photo gallery: embeddings, a faiss index and metadata."""
import json
import os
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np

from sketret.version import __version__

INDEX_TYPES = ('flat', 'ivf_flat', 'ivf_pq')
#: Below this many queries a search runs on one thread.
SINGLE_THREAD_QUERIES = 16


def _faiss():
    import faiss
    return faiss


def _check_features(features: np.ndarray) -> np.ndarray:
    features = np.ascontiguousarray(features, dtype=np.float32)
    if features.ndim != 2 or features.shape[0] == 0:
        raise ValueError('gallery features must be a non-empty (N, D) '
                         f'array, got shape {features.shape}')
    if not np.isfinite(features).all():
        raise ValueError('gallery features contain NaN or inf')
    return features


class GalleryIndex:
    """Photo embeddings searchable by inner product (cosine for unit-norm
    embeddings, as sketret models produce).

    Args:
        features (np.ndarray): ``(N, D)`` gallery embeddings.
        paths (Sequence[str]): ``N`` image paths.
        labels (Sequence[int], optional): ``N`` class ids (-1 = none).
        class_names (Sequence[str], optional): Names that labels index.
        model_name (str, optional): The model that made the embeddings.
        model_fingerprint (str, optional): Identifies the model weights;
            searching with another model is refused.
        index_type (str): ``'flat'`` (exact ``IndexFlatIP``, default),
            ``'ivf_flat'`` or ``'ivf_pq'`` (approximate, for millions of
            items; trained on the gallery itself).
        nlist (int, optional): IVF cells; default ``4 * sqrt(N)``.
        nprobe (int): IVF cells visited per query. Defaults to 16.
        pq_m (int): PQ sub-quantizers (must divide D). Defaults to 16.

    Examples:
        >>> feats = np.eye(3, dtype=np.float32)
        >>> index = GalleryIndex(feats, ['a.jpg', 'b.jpg', 'c.jpg'])
        >>> scores, ids = index.search(feats[1:2], topk=1)
        >>> int(ids[0, 0]), float(scores[0, 0])
        (1, 1.0)
    """

    def __init__(self,
                 features: np.ndarray,
                 paths: Sequence[str],
                 labels: Optional[Sequence[int]] = None,
                 class_names: Optional[Sequence[str]] = None,
                 model_name: Optional[str] = None,
                 model_fingerprint: Optional[str] = None,
                 index_type: str = 'flat',
                 nlist: Optional[int] = None,
                 nprobe: int = 16,
                 pq_m: int = 16):
        features = _check_features(features)
        if len(paths) != len(features):
            raise ValueError(f'{len(paths)} paths for {len(features)} '
                             'gallery features; expected one path each')
        if labels is not None and len(labels) != len(features):
            raise ValueError(f'{len(labels)} labels for {len(features)} '
                             'gallery features; expected one label each')
        if index_type not in INDEX_TYPES:
            raise ValueError(f'unknown index_type "{index_type}"; valid: '
                             f'{", ".join(INDEX_TYPES)}')
        self.features = features
        self.paths = [str(p) for p in paths]
        self.labels = None if labels is None else np.asarray(
            labels, dtype=np.int64)
        self.class_names = None if class_names is None else list(
            class_names)
        self.model_name = model_name
        self.model_fingerprint = model_fingerprint
        self.index_type = index_type
        self.nprobe = nprobe
        self.pq_m = pq_m
        n, dim = features.shape
        self.nlist = nlist or max(1, min(n // 39, int(4 * np.sqrt(n))))
        self.index = self._build_index(dim)

    @property
    def dim(self) -> int:
        return self.features.shape[1]

    def __len__(self) -> int:
        return len(self.paths)

    def _build_index(self, dim):
        faiss = _faiss()
        if self.index_type == 'flat':
            index = faiss.IndexFlatIP(dim)
        else:
            quantizer = faiss.IndexFlatIP(dim)
            if self.index_type == 'ivf_flat':
                index = faiss.IndexIVFFlat(quantizer, dim, self.nlist,
                                           faiss.METRIC_INNER_PRODUCT)
            else:
                if dim % self.pq_m:
                    raise ValueError(f'pq_m={self.pq_m} must divide the '
                                     f'feature dimension {dim}')
                index = faiss.IndexIVFPQ(quantizer, dim, self.nlist,
                                         self.pq_m, 8,
                                         faiss.METRIC_INNER_PRODUCT)
            index.train(self.features)
            index.nprobe = min(self.nprobe, self.nlist)
        index.add(self.features)
        return index

    def search(self, queries: np.ndarray,
               topk: int = 10) -> Tuple[np.ndarray, np.ndarray]:
        """Top-k gallery items for each query.

        Args:
            queries (np.ndarray): ``(Q, D)`` or ``(D, )`` embeddings.
            topk (int): How many results; capped at the gallery size.

        Returns:
            tuple: ``scores (Q, k)`` descending and ``indices (Q, k)``.
        """
        queries = np.ascontiguousarray(np.atleast_2d(queries),
                                       dtype=np.float32)
        if queries.shape[1] != self.dim:
            raise ValueError(f'query features have dimension '
                             f'{queries.shape[1]}, the gallery {self.dim}')
        if topk < 1:
            raise ValueError(f'topk must be >= 1, got {topk}')
        k = min(topk, len(self))
        faiss = _faiss()
        # A few queries: one thread. Waking OpenMP threads costs more than
        # the search itself (50k gallery: 1.8 ms vs 16 ms on 2 busy cores).
        few = len(queries) < SINGLE_THREAD_QUERIES
        threads = faiss.omp_get_max_threads()
        if few:
            faiss.omp_set_num_threads(1)
        try:
            scores, ids = self.index.search(queries, k)
        finally:
            if few:
                faiss.omp_set_num_threads(threads)
        return scores, ids

    def describe(self, indices: np.ndarray,
                 scores: np.ndarray) -> List[dict]:
        """Turn one query's result row into dicts with path, score, label
        and class name (None when unknown)."""
        out = []
        for i, s in zip(indices.tolist(), scores.tolist()):
            if i < 0:  # approximate index returned fewer than k
                continue
            label = None if self.labels is None else int(self.labels[i])
            name = None
            if label is not None and label >= 0 and self.class_names:
                name = self.class_names[label]
            out.append(dict(path=self.paths[i], score=float(s), label=label,
                            class_name=name, index=i))
        return out

    # -- persistence -----------------------------------------------------
    def save(self, path: str, overwrite: bool = False) -> str:
        """Save to a directory (``features.npy``, ``meta.json``).

        The faiss index is rebuilt on load from the stored features (exact
        and fast for ``flat``; IVF training is seeded by faiss' defaults and
        the stored features, so a loaded index returns the same results).
        """
        if osp.exists(path) and not overwrite:
            raise FileExistsError(f'Index "{path}" already exists; pass '
                                  'overwrite=True to replace it.')
        os.makedirs(path, exist_ok=True)
        np.save(osp.join(path, 'features.npy'), self.features)
        meta = dict(
            format='sketret-gallery-index',
            sketret_version=__version__,
            paths=self.paths,
            labels=None if self.labels is None else self.labels.tolist(),
            class_names=self.class_names,
            model_name=self.model_name,
            model_fingerprint=self.model_fingerprint,
            index_type=self.index_type,
            nlist=self.nlist,
            nprobe=self.nprobe,
            pq_m=self.pq_m)
        with open(osp.join(path, 'meta.json'), 'w', encoding='utf-8') as f:
            json.dump(meta, f)
        if self.index_type != 'flat':
            _faiss().write_index(self.index, osp.join(path, 'index.faiss'))
        return path

    @classmethod
    def load(cls, path: str) -> 'GalleryIndex':
        """Load an index saved by :meth:`save`."""
        meta_file = osp.join(path, 'meta.json')
        if not osp.isfile(meta_file):
            raise FileNotFoundError(
                f'"{path}" is not a sketret gallery index (expected '
                f'{meta_file}); build one with tools/retrieve.py or '
                'sketret.apis.SketchRetriever.build_index')
        with open(meta_file, encoding='utf-8') as f:
            meta = json.load(f)
        if meta.get('format') != 'sketret-gallery-index':
            raise ValueError(f'"{meta_file}" is not a sketret gallery index')
        features = np.load(osp.join(path, 'features.npy'))
        obj = cls.__new__(cls)
        obj.features = _check_features(features)
        obj.paths = meta['paths']
        obj.labels = None if meta['labels'] is None else np.asarray(
            meta['labels'], dtype=np.int64)
        obj.class_names = meta['class_names']
        obj.model_name = meta['model_name']
        obj.model_fingerprint = meta['model_fingerprint']
        obj.index_type = meta['index_type']
        obj.nlist = meta['nlist']
        obj.nprobe = meta['nprobe']
        obj.pq_m = meta['pq_m']
        if obj.index_type == 'flat':
            obj.index = obj._build_index(obj.dim)
        else:
            obj.index = _faiss().read_index(osp.join(path, 'index.faiss'))
            obj.index.nprobe = min(obj.nprobe, obj.nlist)
        return obj
