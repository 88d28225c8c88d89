# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Pictures of retrieval results (matplotlib, no display needed)."""
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Union

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

ImageLike = Union[str, np.ndarray, Image.Image]

CORRECT_COLOR = '#2ca02c'  # green
WRONG_COLOR = '#d62728'  # red
NEUTRAL_COLOR = '#7f7f7f'  # grey: relevance unknown


def _to_array(img: ImageLike) -> np.ndarray:
    """RGB uint8 ``(H, W, 3)`` from a path, PIL image or array."""
    if isinstance(img, str):
        with Image.open(img) as im:
            return np.asarray(im.convert('RGB'))
    if isinstance(img, Image.Image):
        return np.asarray(img.convert('RGB'))
    arr = np.asarray(img)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    return arr


def _ensure_parent(out_file: str) -> None:
    parent = osp.dirname(osp.abspath(out_file))
    os.makedirs(parent, exist_ok=True)


def draw_retrieval_grid(query: ImageLike,
                        results: Sequence[ImageLike],
                        scores: Optional[Sequence[float]] = None,
                        correct: Optional[Sequence[Optional[bool]]] = None,
                        labels: Optional[Sequence[str]] = None,
                        query_title: str = 'query',
                        out_file: Optional[str] = None,
                        cols: int = 5):
    """Draw one query sketch and its top-K photos in a grid.

    Args:
        query: The query sketch (path, PIL image or array).
        results: The retrieved photos, best first.
        scores: Similarity of each result, printed under it.
        correct: Whether each result is relevant (green frame) or not (red
            frame); None anywhere means unknown (grey frame).
        labels: Text under each result (e.g. class names).
        query_title: Title over the query.
        out_file: Save the figure here (PNG); the figure is returned
            either way.
        cols: Results per row.

    Returns:
        matplotlib.figure.Figure
    """
    k = len(results)
    if k == 0:
        raise ValueError('results is empty: nothing to draw')
    cols = max(1, min(cols, k))
    rows = (k + cols - 1) // cols
    fig = plt.figure(figsize=(2.2 * (cols + 1.3), 2.5 * rows))
    grid = fig.add_gridspec(rows, cols + 1, wspace=0.15, hspace=0.35)
    ax = fig.add_subplot(grid[:, 0] if rows > 1 else grid[0, 0])
    ax.imshow(_to_array(query))
    ax.set_title(query_title, fontsize=10)
    ax.axis('off')
    for i, img in enumerate(results):
        ax = fig.add_subplot(grid[i // cols, 1 + i % cols])
        ax.imshow(_to_array(img))
        ax.set_xticks([])
        ax.set_yticks([])
        flag = None if correct is None else correct[i]
        color = NEUTRAL_COLOR if flag is None else (
            CORRECT_COLOR if flag else WRONG_COLOR)
        for spine in ax.spines.values():
            spine.set_edgecolor(color)
            spine.set_linewidth(4)
        text = [f'#{i + 1}']
        if labels is not None and labels[i]:
            text.append(str(labels[i]))
        if scores is not None:
            text.append(f'{scores[i]:.3f}')
        ax.set_xlabel(' '.join(text), fontsize=8)
    if out_file:
        _ensure_parent(out_file)
        fig.savefig(out_file, dpi=100, bbox_inches='tight')
    return fig


def plot_per_class_ap(per_class: Dict[str, float],
                      title: str = 'AP per class',
                      out_file: Optional[str] = None,
                      metric_name: str = 'mAP@all'):
    """Horizontal bar chart of a per-class metric, sorted descending.

    Args:
        per_class: ``{class name: value}``.
        title: Figure title (put the metric preset in it).
        out_file: Save the figure here (PNG).
        metric_name: Axis label.

    Returns:
        matplotlib.figure.Figure
    """
    if not per_class:
        raise ValueError('per_class is empty: nothing to plot')
    items = sorted(per_class.items(), key=lambda kv: kv[1])
    names = [str(k) for k, _ in items]
    values = [float(v) for _, v in items]
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(items) + 1.2))
    ax.barh(names, values, color='#1f77b4')
    mean = float(np.mean(values))
    ax.axvline(mean, color='k', linestyle='--', linewidth=1)
    ax.text(mean, len(items) - 0.4, f' mean {mean:.3f}', fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel(metric_name)
    ax.set_title(title)
    fig.tight_layout()
    if out_file:
        _ensure_parent(out_file)
        fig.savefig(out_file, dpi=100)
    return fig


def plot_bars_with_error(names: Sequence[str],
                         means: Sequence[float],
                         stds: Sequence[float],
                         ylabel: str,
                         title: str,
                         out_file: Optional[str] = None):
    """Bar chart of mean ± std (e.g. a method comparison over seeds)."""
    fig, ax = plt.subplots(figsize=(max(5, 1.1 * len(names)), 4))
    x = np.arange(len(names))
    ax.bar(x, means, yerr=stds, capsize=4, color='#1f77b4')
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=30, ha='right', fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, 1)
    ax.set_title(title)
    fig.tight_layout()
    if out_file:
        _ensure_parent(out_file)
        fig.savefig(out_file, dpi=100)
    return fig
