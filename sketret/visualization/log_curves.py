# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Read mmengine's ``vis_data/scalars.json`` logs and plot curves."""
import glob
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def find_scalar_log(path: str) -> str:
    """Resolve a work dir, run dir or file to a ``scalars.json`` file.

    A work dir may hold several runs (``<timestamp>/vis_data/``): the
    newest one is used.
    """
    if osp.isfile(path):
        return path
    candidates = sorted(
        glob.glob(osp.join(path, 'vis_data', 'scalars.json')) +
        glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
    if not candidates:
        raise FileNotFoundError(
            f'No scalars.json under "{path}"; expected a training log '
            '(<work_dir>/<timestamp>/vis_data/scalars.json).')
    return candidates[-1]


def load_scalar_log(path: str) -> Dict[str, List[dict]]:
    """Split a ``scalars.json`` into training records (they have ``iter``)
    and validation records (the rest)."""
    train, val = [], []
    with open(find_scalar_log(path), encoding='utf-8') as f:
        for line_no, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(
                    f'{path}, line {line_no}: not JSON ({err})') from None
            (train if 'iter' in record else val).append(record)
    return dict(train=train, val=val)


def plot_log_curves(logs: Sequence[str],
                    keys: Sequence[str],
                    legend: Optional[Sequence[str]] = None,
                    title: Optional[str] = None,
                    out_file: Optional[str] = None):
    """One subplot per key; training keys over iterations, validation keys
    over epochs. Unknown keys are an error listing the available ones."""
    loaded = [load_scalar_log(p) for p in logs]
    legend = list(legend) if legend else [osp.basename(
        osp.dirname(osp.dirname(find_scalar_log(p)))) or p for p in logs]
    fig, axes = plt.subplots(len(keys), 1, figsize=(7, 2.8 * len(keys)),
                             squeeze=False)
    for ax, key in zip(axes[:, 0], keys):
        found = False
        for log, name in zip(loaded, legend):
            for split, x_key in (('train', 'step'), ('val', 'step')):
                xs = [r[x_key] for r in log[split] if key in r]
                ys = [r[key] for r in log[split] if key in r]
                if xs:
                    found = True
                    ax.plot(xs, ys, marker='o' if split == 'val' else None,
                            markersize=3, label=f'{name}')
                    ax.set_xlabel('iteration' if split == 'train'
                                  else 'epoch')
        if not found:
            available = sorted({
                k
                for log in loaded for rec in log['train'] + log['val']
                for k in rec
            })
            raise KeyError(f'key "{key}" is in none of the logs; available: '
                           f'{", ".join(available)}')
        ax.set_ylabel(key)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if out_file:
        fig.savefig(out_file, dpi=100)
    return fig


#: Panels of :func:`plot_bda_diagnostics`: title -> keys drawn together.
DIAGNOSTIC_PANELS = (
    ('spatial level: discriminator (0.5 = aligned)',
     ('disc_acc', 'disc_acc_sketch', 'disc_acc_photo', 'grl_coeff')),
    ('semantic level: information bottleneck',
     ('loss_ib_kl', 'ib_mi_lb', 'ib_beta')),
    ('projection: prototype accuracy', ('proj_acc', )),
    ('validation: modality gap and retrieval',
     ('modality_gap/probe_accuracy', 'modality_gap/mmd',
      'textbook/mAP@all')),
)


def plot_bda_diagnostics(log: str, out_file: Optional[str] = None,
                         title: Optional[str] = None,
                         smooth: int = 5):
    """Four panels of one run: the discriminator's accuracy (overall, on
    sketch maps, on photo maps) with the GRL coefficient; the IB terms (KL,
    mutual-information bound, beta); the prototype accuracy; and per
    validation the modality gap and mAP. Training curves are smoothed by a
    running mean over ``smooth`` logged points. Keys a run does not log
    are left out (a panel with none says so)."""
    import numpy as np
    data = load_scalar_log(log)
    fig, axes = plt.subplots(2, 2, figsize=(11, 7))
    for ax, (name, keys) in zip(axes.ravel(), DIAGNOSTIC_PANELS):
        drawn = False
        for key in keys:
            for split in ('train', 'val'):
                recs = [r for r in data[split] if key in r]
                if not recs:
                    continue
                xs = np.array([r['step'] for r in recs], dtype=float)
                ys = np.array([r[key] for r in recs], dtype=float)
                if split == 'train' and smooth > 1 and len(ys) >= smooth:
                    ys = np.convolve(ys, np.ones(smooth) / smooth, 'valid')
                    xs = xs[smooth - 1:]
                ax.plot(xs, ys, marker='o' if split == 'val' else None,
                        markersize=3, label=key)
                ax.set_xlabel('iteration' if split == 'train' else 'epoch')
                drawn = True
        if not drawn:
            ax.text(0.5, 0.5, 'not logged by this run', ha='center',
                    va='center', transform=ax.transAxes)
        else:
            ax.legend(fontsize=7)
        ax.set_title(name, fontsize=9)
        ax.grid(alpha=0.3)
    fig.suptitle(title or osp.basename(osp.dirname(osp.dirname(
        find_scalar_log(log)))), fontsize=10)
    fig.tight_layout()
    if out_file:
        fig.savefig(out_file, dpi=100)
    return fig
