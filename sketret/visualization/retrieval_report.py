# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Pictures from a feature file: retrieval grids for a sample of queries
and a per-class bar chart."""
import os
import os.path as osp
from typing import List, Optional

import numpy as np

from .retrieval_grid import draw_retrieval_grid, plot_per_class_ap


def save_retrieval_report(features_file: str,
                          out_dir: str,
                          num_queries: int = 8,
                          topk: int = 10,
                          preset: str = 'textbook',
                          metric: str = 'mAP@all',
                          seed: int = 0) -> List[str]:
    """Draw what a model retrieves, from a ``--dump-features`` file.

    One grid per sampled query (at most one query per class first, then
    more, chosen with ``seed``), green/red frames for right/wrong photos,
    and ``per_class_<metric>.png`` with the per-class metric under
    ``preset``.

    Returns:
        list[str]: The files written.
    """
    import matplotlib.pyplot as plt

    from sketret.evaluation import evaluate_retrieval, load_features
    feats = load_features(features_file)
    for key in ('query_paths', 'gallery_paths'):
        if feats.get(key) is None:
            raise ValueError(f'{features_file} has no {key}; pictures need '
                             'the image paths')
    os.makedirs(out_dir, exist_ok=True)
    q, g = feats['query_feats'], feats['gallery_feats']
    ql, gl = feats['query_labels'], feats['gallery_labels']
    names = feats.get('class_names')

    def name(label: int) -> Optional[str]:
        if label < 0:
            return 'distractor'
        return str(names[label]) if names is not None else str(label)

    rng = np.random.RandomState(seed)
    order = rng.permutation(len(q))
    picked, seen_labels = [], set()
    for i in order:  # one query per class first
        if ql[i] not in seen_labels:
            picked.append(i)
            seen_labels.add(ql[i])
    picked += [i for i in order if i not in set(picked)]
    picked = picked[:num_queries]

    qn = q / np.linalg.norm(q, axis=1, keepdims=True)
    gn = g / np.linalg.norm(g, axis=1, keepdims=True)
    written = []
    for rank, i in enumerate(picked):
        scores = gn @ qn[i]
        top = np.argsort(-scores, kind='stable')[:topk]
        out = osp.join(out_dir, f'query_{rank:02d}_{name(ql[i])}.png')
        fig = draw_retrieval_grid(
            str(feats['query_paths'][i]),
            [str(feats['gallery_paths'][j]) for j in top],
            scores=scores[top].tolist(),
            correct=[bool(gl[j] == ql[i]) for j in top],
            labels=[name(gl[j]) for j in top],
            query_title=f'query: {name(ql[i])}',
            out_file=out)
        plt.close(fig)
        written.append(out)

    result = evaluate_retrieval(q, ql, g, gl, metrics=[metric],
                                preset=preset, per_class=True)
    per_class = {
        name(int(label)): v[metric]
        for label, v in result['per_class'].items()
        if v.get(metric) is not None
    }
    out = osp.join(out_dir, f'per_class_{metric.replace("@", "_at_")}.png')
    fig = plot_per_class_ap(
        per_class, title=f'{metric} per class (preset {preset})',
        out_file=out, metric_name=f'{metric} ({preset})')
    plt.close(fig)
    written.append(out)
    return written
