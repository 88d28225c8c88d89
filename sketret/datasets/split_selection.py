# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Which samples of a ZS-SBIR split go to train, val and the generalized
test set: deterministic, platform-independent selections by sha1 order.

The rules are those of :class:`~sketret.datasets.BaseSBIRDataset` (see its
docstring and ``docs/datasets.md``).
"""
import hashlib
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .class_names import normalize_class_name

__all__ = [
    'FileItem', 'stable_key', 'round_half_up', 'check_disjoint', 'hold_out',
    'pick_generalized'
]

#: (path relative to the data root, class name) of one file.
FileItem = Tuple[str, str]


def stable_key(*parts) -> str:
    """A platform-independent pseudo-random sort key (sha1 hex)."""
    return hashlib.sha1('|'.join(map(str, parts)).encode('utf-8')).hexdigest()


def round_half_up(x: float) -> int:
    """``floor(x + 0.5)`` (Python's ``round`` rounds half to even)."""
    return int(np.floor(x + 0.5))


def check_disjoint(seen: Sequence[str], unseen: Sequence[str]) -> None:
    """Raise ValueError when a class is both seen and unseen or repeats in
    one list (names compared after :func:`normalize_class_name`)."""
    both = sorted({normalize_class_name(c)
                   for c in seen} & {normalize_class_name(c)
                                     for c in unseen})
    if both:
        raise ValueError(f'classes both seen and unseen: {both}')
    for name, lst in (('seen', seen), ('unseen', unseen)):
        norm = [normalize_class_name(c) for c in lst]
        dup = sorted({n for n in norm if norm.count(n) > 1})
        if dup:
            raise ValueError(f'{name} classes repeat {dup}')


def hold_out(items: Sequence[FileItem], val_ratio: float, seed: int,
             modality: str) -> Tuple[List[FileItem], List[FileItem]]:
    """Split the seen-class files of one modality into ``(train, held)``.

    Per class of ``n`` files, ``min(floor(val_ratio * n + 0.5), n - 1)`` are
    held out (every class keeps a training file): those first when sorted
    on ``sha1(f'{seed}|{modality}|{relative path}')``.
    """
    by_class: Dict[str, List[FileItem]] = {}
    for item in items:
        by_class.setdefault(item[1], []).append(item)
    train, held = [], []
    for group in by_class.values():
        n = len(group)
        k = min(round_half_up(val_ratio * n), max(n - 1, 0))
        ordered = sorted(
            group, key=lambda it: stable_key(seed, modality, it[0]))
        held += ordered[:k]
        train += ordered[k:]
    return train, held


def pick_generalized(pool: Sequence[FileItem], num_unseen: int,
                     ratio: float, seed: int,
                     modality: str) -> Tuple[List[FileItem], int]:
    """Seen-class files added to a generalized (GZS-SBIR) test set.

    Args:
        pool (Sequence[FileItem]): The held-out seen-class files.
        num_unseen (int): Unseen-class test files of the modality
            (distractors not counted).
        ratio (float): Files wanted per unseen test file.
        seed (int): The split seed.
        modality (str): ``'sketch'`` or ``'photo'``.

    Returns:
        tuple: ``(picked, needed)``: the first ``needed =
        floor(ratio * num_unseen + 0.5)`` files of ``pool`` sorted on
        ``sha1(f'{seed}|generalized|{modality}|{path}')`` (all of the pool,
        fewer than ``needed``, when it is smaller).
    """
    need = round_half_up(ratio * num_unseen)
    ordered = sorted(
        pool,
        key=lambda it: stable_key(seed, 'generalized', modality, it[0]))
    return ordered[:need], need
