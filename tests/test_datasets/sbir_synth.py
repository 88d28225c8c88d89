# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Builders of small synthetic data trees in the published layouts (helpers
imported by the tests of this folder; fixtures are in conftest.py)."""
import gzip
import os
import os.path as osp

import numpy as np
from PIL import Image


def write_image(path, kind='sketch', size=16):
    """A tiny valid image: a black diagonal on white (sketch, PNG) or a
    colour gradient (photo, JPEG or PNG by extension)."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    if kind == 'sketch':
        arr = np.full((size, size), 255, np.uint8)
        np.fill_diagonal(arr, 0)
        Image.fromarray(arr, 'L').save(path)
    else:
        y, x = np.mgrid[0:size, 0:size]
        arr = np.stack([x * 15, y * 15, np.full_like(x, 128)], -1)
        Image.fromarray(arr.astype(np.uint8), 'RGB').save(path)
    return path


def write_list(path, entries):
    """Write a gzipped ``<relative path> <cid>`` list."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    with gzip.open(path, 'wt', encoding='utf-8') as f:
        for rel, cid in entries:
            f.write(f'{rel} {cid}\n')


def write_classes(path, names):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write('\n'.join(names) + '\n')


class Tree:
    """Helper to fill a data root and a split root."""

    def __init__(self, root, split_root):
        self.root = str(root)
        self.split_root = str(split_root)

    def files(self, rel_dir, cls, n, ext, kind, prefix='f'):
        rels = []
        for i in range(n):
            rel = f'{rel_dir}/{cls}/{prefix}{i}{ext}'
            write_image(osp.join(self.root, rel), kind)
            rels.append(rel)
        return rels

    def listed(self, rel_dir, classes, n, ext, kind, prefix='f'):
        """Create ``n`` files per class; return ``[(rel, cid)]``."""
        out = []
        for cid, cls in enumerate(classes):
            out += [(r, cid)
                    for r in self.files(rel_dir, cls, n, ext, kind, prefix)]
        return out
