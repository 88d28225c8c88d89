# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Draw a 2-D map (t-SNE or PCA) of a model's sketch and photo embeddings.

    python tools/analysis_tools/visualize_embeddings.py CONFIG CHECKPOINT \
        [--data-root DIR] --out embeddings.png

Points are coloured by class and marked by modality (sketch: triangle,
photo: circle); classes the model was trained on (seen, read from the
checkpoint's ``dataset_meta`` or from ``--seen-classes``) are filled,
unseen classes hollow. Models with a semantic head (BDA-SketRet) also show
one prototype per class (a star). The modality gap of the embeddings
(:mod:`sketret.evaluation.modality_gap`) is printed and written in the
title, so two pictures can be compared by number as well as by eye.

``--data-root`` is a folder in sketret's layout (``sketch/<class>/``,
``photo/<class>/``; sketches may be raster images or ``.svg`` strokes);
default: the bundled sbir-mini set. At most ``--per-class`` sketches and
photos of each class are drawn (a seeded subset).
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np

SKETCH_EXTS = ('.svg', )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--data-root',
                        help='sketch/<class>/ + photo/<class>/ folder '
                        '(default: the bundled sbir-mini set)')
    parser.add_argument('--out', required=True, help='output image (.png)')
    parser.add_argument('--per-class', type=int, default=20,
                        help='sketches and photos drawn per class')
    parser.add_argument('--classes', nargs='+',
                        help='only these classes (default: all)')
    parser.add_argument('--seen-classes', nargs='+',
                        help='the training classes (default: from the '
                        "checkpoint's dataset_meta)")
    parser.add_argument('--method', default='tsne', choices=['tsne', 'pca'])
    parser.add_argument('--perplexity', type=float, default=30.0)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--device', default=None)
    parser.add_argument('--force', action='store_true',
                        help='replace an existing --out file')
    return parser.parse_args(argv)


def list_class_files(root, modality, per_class, classes, rng):
    """``{class: [paths]}`` of ``root/modality/<class>/``, at most
    ``per_class`` each (seeded subset, sorted)."""
    from sketret.datasets.image_io import is_image_file
    folder = osp.join(root, modality)
    if not osp.isdir(folder):
        raise FileNotFoundError(
            f'"{folder}" does not exist: --data-root must hold sketch/<class>/'
            ' and photo/<class>/ folders')
    out = {}
    for cls in sorted(os.listdir(folder)):
        if classes and cls not in classes:
            continue
        cdir = osp.join(folder, cls)
        if not osp.isdir(cdir):
            continue
        files = sorted(
            osp.join(cdir, f) for f in os.listdir(cdir)
            if is_image_file(f) or (modality == 'sketch'
                                    and f.lower().endswith(SKETCH_EXTS)))
        if len(files) > per_class:
            keep = np.sort(rng.choice(len(files), per_class, replace=False))
            files = [files[i] for i in keep]
        if files:
            out[cls] = files
    if not out:
        raise ValueError(f'"{folder}" holds no {modality} of the classes '
                         f'{classes or "(any)"}')
    return out


def seen_classes_of(checkpoint, given):
    if given:
        return set(given)
    import torch
    meta = torch.load(checkpoint, map_location='cpu',
                      weights_only=True).get('meta', {})
    dataset_meta = meta.get('dataset_meta') or {}
    seen = dataset_meta.get('seen_classes') or dataset_meta.get('classes')
    return set(seen or ())


def embed_2d(feats, method, perplexity, seed):
    """2-D coordinates of the rows of ``feats`` (L2-normalised first)."""
    feats = feats / np.maximum(np.linalg.norm(feats, axis=1, keepdims=True),
                               1e-12)
    if method == 'pca' or len(feats) < 5:
        centred = feats - feats.mean(0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        return centred @ vt[:2].T
    from openTSNE import TSNE
    perplexity = min(perplexity, (len(feats) - 1) / 3)
    return np.asarray(
        TSNE(perplexity=perplexity, metric='cosine', random_state=seed,
             n_jobs=1, verbose=False).fit(feats))


def main(argv=None):
    args = parse_args(argv)
    if osp.exists(args.out) and not args.force:
        sys.exit(f'visualize_embeddings.py: error: "{args.out}" exists; '
                 'pass --force to replace it')
    from sketret.apis import SketchRetriever, init_model
    from sketret.evaluation.modality_gap import modality_gap
    rng = np.random.default_rng(args.seed)
    try:
        root = args.data_root
        if root is None:
            from sketret.datasets.assets import get_asset_path
            root = get_asset_path('sbir-mini')
        files = {m: list_class_files(root, m, args.per_class, args.classes,
                                     rng) for m in ('sketch', 'photo')}
        model = init_model(args.config, args.checkpoint, device=args.device)
        seen = seen_classes_of(args.checkpoint, args.seen_classes)
    except (FileNotFoundError, ValueError, RuntimeError, KeyError) as err:
        sys.exit(f'visualize_embeddings.py: error: {err}')
    retriever = SketchRetriever(model)
    classes = sorted(set(files['sketch']) | set(files['photo']))
    feats, meta = [], []
    for modality in ('sketch', 'photo'):
        for cls, paths in files[modality].items():
            feats.append(retriever.encode(paths, modality))
            meta += [(modality, cls)] * len(paths)
    feats = np.concatenate(feats)
    modalities = np.array([m for m, _ in meta])
    gap = modality_gap(feats[modalities == 'sketch'],
                       feats[modalities == 'photo'])
    prototypes = None
    if getattr(model, 'head', None) is not None and hasattr(
            model, 'embed_classes'):
        try:
            prototypes = model.embed_classes(classes).cpu().numpy()
        except (KeyError, RuntimeError, ValueError) as err:
            print(f'no prototypes drawn: {err}')
    points = feats if prototypes is None else np.concatenate(
        [feats, prototypes])
    xy = embed_2d(points, args.method, args.perplexity, args.seed)
    draw(xy, meta, classes, seen, prototypes is not None, gap, args)
    print(f'{len(meta)} embeddings of {len(classes)} classes '
          f'({len(seen & set(classes))} seen) -> {args.out}')
    print('modality gap: ' + ', '.join(
        f'{k} {gap[k]:.4f}'
        for k in ('mmd', 'centroid_distance', 'probe_accuracy')))
    return gap


def draw(xy, meta, classes, seen, with_prototypes, gap, args):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    cmap = plt.get_cmap('tab20')
    colour = {c: cmap(i % 20) for i, c in enumerate(classes)}
    fig, ax = plt.subplots(figsize=(9, 8))
    n = len(meta)
    for (modality, cls), (x, y) in zip(meta, xy[:n]):
        filled = cls in seen
        ax.scatter(x, y, s=22, marker='^' if modality == 'sketch' else 'o',
                   facecolors=colour[cls] if filled else 'none',
                   edgecolors=colour[cls], linewidths=0.9, alpha=0.8)
    if with_prototypes:
        for cls, (x, y) in zip(classes, xy[n:]):
            ax.scatter(x, y, s=260, marker='*', c=[colour[cls]],
                       edgecolors='black', linewidths=0.8, zorder=3)
            ax.annotate(cls, (x, y), fontsize=7, xytext=(4, 4),
                        textcoords='offset points')
    handles = [
        Line2D([], [], marker='^', ls='', color='grey', label='sketch'),
        Line2D([], [], marker='o', ls='', color='grey', label='photo'),
        Line2D([], [], marker='o', ls='', color='grey', label='seen class'),
        Line2D([], [], marker='o', ls='', mfc='none', color='grey',
               label='unseen class'),
    ]
    if with_prototypes:
        handles.append(Line2D([], [], marker='*', ls='', color='grey',
                              mec='black', ms=12, label='class prototype'))
    handles += [Line2D([], [], marker='s', ls='', color=colour[c], label=c)
                for c in classes[:20]]
    ax.legend(handles=handles, fontsize=7, loc='center left',
              bbox_to_anchor=(1.01, 0.5))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(
        f'{osp.basename(args.checkpoint)} ({args.method})\nmodality gap: '
        f'MMD {gap["mmd"]:.3f}, linear probe {gap["probe_accuracy"]:.2f} '
        '(0.5 = aligned)', fontsize=9)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    fig.savefig(args.out, dpi=110)
    plt.close(fig)


if __name__ == '__main__':
    main()
