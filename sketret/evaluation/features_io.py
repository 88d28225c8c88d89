# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Feature files: query and gallery embeddings saved for re-scoring.

A feature file is an uncompressed ``.npz`` (no pickled objects) with

==================  ==========  ============================================
key                 shape       content
==================  ==========  ============================================
``query_feats``     (Q, D)      float32 query (sketch) embeddings
``query_labels``    (Q, )       int64 class labels
``gallery_feats``   (N, D)      float32 gallery (photo) embeddings
``gallery_labels``  (N, )       int64 class labels, -1 for a distractor
``query_paths``     (Q, )       str, optional
``gallery_paths``   (N, )       str, optional
``class_names``     (C, )       str, optional; labels index this list
``query_is_seen``   (Q, )       bool, optional (generalized ZS-SBIR)
``gallery_is_seen`` (N, )       bool, optional (generalized ZS-SBIR)
==================  ==========  ============================================

``tools/test.py --dump-features`` and ``SBIRRetrievalMetric(dump_features=)``
write it; ``tools/analysis_tools/eval_features.py`` re-scores it under any
preset.
"""
import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np

__all__ = ['save_features', 'load_features', 'REQUIRED_KEYS', 'OPTIONAL_KEYS']

REQUIRED_KEYS = ('query_feats', 'query_labels', 'gallery_feats',
                 'gallery_labels')
OPTIONAL_KEYS = ('query_paths', 'gallery_paths', 'class_names',
                 'query_is_seen', 'gallery_is_seen')
# Optional per-item arrays and the side they belong to.
_PER_ITEM = {
    'query_paths': 'query',
    'gallery_paths': 'gallery',
    'query_is_seen': 'query',
    'gallery_is_seen': 'gallery',
}


def _check(arrays: dict, source: str) -> None:
    """Check shapes and dtypes; ValueError naming ``source`` and the key."""
    for side in ('query', 'gallery'):
        feats = arrays[f'{side}_feats']
        if feats.ndim != 2:
            raise ValueError(f'{source}: {side}_feats must have shape '
                             f'({side[0].upper()}, D), got {feats.shape}')
        if not np.issubdtype(feats.dtype, np.floating):
            raise ValueError(f'{source}: {side}_feats must be floats, got '
                             f'{feats.dtype}')
        labels = arrays[f'{side}_labels']
        if labels.shape != (feats.shape[0], ):
            raise ValueError(
                f'{source}: {side}_labels must have shape '
                f'({feats.shape[0]},) like the rows of {side}_feats, got '
                f'{labels.shape}')
        if not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f'{source}: {side}_labels must be integers, '
                             f'got {labels.dtype}')
    if arrays['query_feats'].shape[1] != arrays['gallery_feats'].shape[1]:
        raise ValueError(
            f'{source}: query_feats has D={arrays["query_feats"].shape[1]} '
            f'but gallery_feats has D={arrays["gallery_feats"].shape[1]}')
    for key, side in _PER_ITEM.items():
        if arrays.get(key) is None:
            continue
        n = arrays[f'{side}_feats'].shape[0]
        if arrays[key].shape != (n, ):
            raise ValueError(f'{source}: {key} must have shape ({n},), got '
                             f'{arrays[key].shape}')
    names = arrays.get('class_names')
    if names is not None and names.ndim != 1:
        raise ValueError(f'{source}: class_names must be 1-D, got shape '
                         f'{names.shape}')


def save_features(path: str,
                  query_feats,
                  query_labels,
                  gallery_feats,
                  gallery_labels,
                  query_paths: Optional[Sequence[str]] = None,
                  gallery_paths: Optional[Sequence[str]] = None,
                  class_names: Optional[Sequence[str]] = None,
                  query_is_seen=None,
                  gallery_is_seen=None,
                  overwrite: bool = False) -> str:
    """Write a feature file (see the module docstring).

    Args:
        path (str): the ``.npz`` file to write (exactly this name; parent
            directories are created).
        query_feats, gallery_feats (array-like): ``(Q, D)`` and ``(N, D)``.
        query_labels, gallery_labels (array-like): ``(Q, )`` and ``(N, )``.
        query_paths, gallery_paths, class_names (Sequence[str], optional).
        query_is_seen, gallery_is_seen (array-like, optional): bool.
        overwrite (bool): replace an existing file. Defaults to False.

    Returns:
        str: ``path``.

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is False.
        ValueError: inconsistent shapes.
    """
    arrays = dict(
        query_feats=np.asarray(query_feats, dtype=np.float32),
        query_labels=np.asarray(query_labels, dtype=np.int64),
        gallery_feats=np.asarray(gallery_feats, dtype=np.float32),
        gallery_labels=np.asarray(gallery_labels, dtype=np.int64))
    optional = dict(
        query_paths=query_paths,
        gallery_paths=gallery_paths,
        class_names=class_names,
        query_is_seen=query_is_seen,
        gallery_is_seen=gallery_is_seen)
    for key, value in optional.items():
        if value is None:
            continue
        if key.endswith('is_seen'):
            arrays[key] = np.asarray(value, dtype=bool)
        else:
            arrays[key] = np.asarray(['' if v is None else str(v)
                                      for v in value], dtype=str)
    _check(arrays, f'features for "{path}"')
    parent = osp.dirname(osp.abspath(path))
    os.makedirs(parent, exist_ok=True)
    mode = 'wb' if overwrite else 'xb'
    try:
        with open(path, mode) as f:
            np.savez(f, **arrays)
    except FileExistsError:
        raise FileExistsError(
            f'feature file "{path}" already exists; refusing to overwrite '
            'it (remove it or choose another name)') from None
    return path


def load_features(path: str) -> dict:
    """Read and check a feature file.

    Returns:
        dict: the arrays of the file by key (optional keys only when
        present); ``class_names`` as a list of str.

    Raises:
        FileNotFoundError: no such file.
        ValueError: a required key is missing (the message names it) or
            the shapes do not match.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'feature file "{path}" does not exist')
    with np.load(path, allow_pickle=False) as data:
        keys = set(data.files)
        missing = [k for k in REQUIRED_KEYS if k not in keys]
        if missing:
            raise ValueError(
                f'feature file "{path}" lacks {", ".join(missing)}; it must '
                f'hold {", ".join(REQUIRED_KEYS)} (found: '
                f'{", ".join(sorted(keys)) or "nothing"})')
        arrays = {k: data[k] for k in REQUIRED_KEYS + OPTIONAL_KEYS
                  if k in keys}
    _check(arrays, f'feature file "{path}"')
    if 'class_names' in arrays:
        arrays['class_names'] = [str(c) for c in arrays['class_names']]
    return arrays
