# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Readers for the official split files and the SEM-PCYC class split.

Format of the shipped files (``sketret/assets/splits/README.md``):

- ``seen_classes.txt`` / ``unseen_classes.txt``: one class name per line,
  line ``i`` is class id ``i``; names unchanged (spaces, hyphens, brackets).
- file lists, gzipped: ``<relative path> <cid>`` per line, split at the
  LAST space (folders may contain spaces:
  ``png_ready/hot air balloon/8622.png 14``).
"""
import gzip
import os.path as osp
from typing import List, Sequence, Tuple

import numpy as np

__all__ = [
    'read_class_list', 'read_file_list', 'sempcyc_class_split',
    'SEMPCYC_NUM_TRAIN', 'SEMPCYC_NUM_VAL'
]

#: SEM-PCYC's Sketchy split: int(0.8 * 125) train, int(0.1 * 125) val.
SEMPCYC_NUM_TRAIN = 100
SEMPCYC_NUM_VAL = 12


def read_class_list(path: str) -> List[str]:
    """Read a class list (one name per line; blank lines ignored).

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: A name occurs twice.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'class list not found: "{path}"')
    with open(path, encoding='utf-8') as f:
        names = [line.strip() for line in f if line.strip()]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f'class list "{path}" repeats {dup}')
    return names


def read_file_list(path: str) -> List[Tuple[str, int]]:
    """Read a ``<relative path> <cid>`` list, plain or gzipped (``.gz``).

    Returns:
        list[tuple[str, int]]: ``(relative path, class id)`` per line, in
        file order.

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: A line has no class id (names file and line number).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'file list not found: "{path}"')
    opener = gzip.open if path.endswith('.gz') else open
    out = []
    with opener(path, 'rt', encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            rel, sep, cid = line.rpartition(' ')
            if not sep or not cid.lstrip('-').isdigit() or not rel:
                raise ValueError(f'{path}:{lineno}: expected "<relative '
                                 f'path> <class id>", got {line!r}')
            out.append((rel.strip(), int(cid)))
    return out


def sempcyc_class_split(
        classes: Sequence[str],
        seed: int = 0,
        num_train: int = SEMPCYC_NUM_TRAIN,
        num_val: int = SEMPCYC_NUM_VAL
) -> Tuple[List[str], List[str], List[str]]:
    """The SEM-PCYC random class split of Sketchy-Extended.

    Definition (Dutta & Akata, CVPR 2019, following Shen et al., CVPR 2018,
    as implemented in their public code): take the SORTED list of the 125
    Sketchy class folder names; with numpy's legacy global generator seeded
    to 0, draw the train classes as ``choice(classes, 100,
    replace=False)``, then the val classes as ``choice(setdiff1d(classes,
    train), 12, replace=False)``; the test classes are the 13 remaining
    ones. ``choice(a, k, replace=False)`` of the legacy generator is
    ``a[permutation(len(a))[:k]]``, which is what we compute with an explicit
    ``np.random.RandomState(seed)`` (so no global state is touched);
    ``setdiff1d`` returns a sorted array. sketret uses val + test (25
    classes) as the unseen classes, as ZS-SBIR papers do.

    Args:
        classes (Sequence[str]): All class names, exactly as the folders
            are named (sorting is done here).
        seed (int): 0 for the published split.

    Returns:
        tuple[list[str], list[str], list[str]]: ``(train, val, test)``
        classes, each sorted.
    """
    all_classes = np.array(sorted(set(classes)))
    if len(all_classes) != len(classes):
        raise ValueError('class names must be unique')
    if num_train + num_val >= len(all_classes):
        raise ValueError(f'cannot draw {num_train}+{num_val} classes from '
                         f'{len(all_classes)}')
    rng = np.random.RandomState(seed)
    train = all_classes[rng.permutation(len(all_classes))[:num_train]]
    rest = np.setdiff1d(all_classes, train)
    val = rest[rng.permutation(len(rest))[:num_val]]
    test = np.setdiff1d(rest, val)
    return (sorted(train.tolist()), sorted(val.tolist()),
            sorted(test.tolist()))
