# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Re-score saved features under any metric definition, without a model.

The feature file comes from ``tools/test.py CONFIG CKPT --dump-features
FEATURES.npz`` (or ``sketret.evaluation.save_features``). The JSON written
by ``--out`` holds one float per requested metric, keyed exactly as
requested (``"mAP@all"``, ``"P@100"``...), ``"preset"``, ``"num_queries"``,
``"num_queries_without_relevant"``, ``"per_class"`` with ``--per-class``,
and ``"seen"`` / ``"unseen"`` (same keys) when the file marks seen-class
queries (generalized ZS-SBIR).

Examples::

    python tools/analysis_tools/eval_features.py feats.npz
    python tools/analysis_tools/eval_features.py feats.npz --preset sake \
        --metrics mAP@all mAP@200 P@200 --out sake.json
"""
import argparse
import json
import os.path as osp
import sys


def parse_args(argv=None):
    from sketret.evaluation.functional import PRESETS
    parser = argparse.ArgumentParser(
        description='Compute retrieval metrics from a feature file')
    parser.add_argument('features', help='the .npz feature file')
    parser.add_argument(
        '--preset',
        default='textbook',
        choices=list(PRESETS),
        help='metric definitions (default: textbook)')
    parser.add_argument(
        '--metrics',
        nargs='+',
        default=['mAP@all', 'P@100'],
        help='mAP@all, mAP@K, P@K (default: mAP@all P@100)')
    parser.add_argument(
        '--similarity',
        default='cosine',
        choices=['cosine', 'euclidean', 'dot'])
    parser.add_argument(
        '--average',
        default='query',
        choices=['query', 'class'],
        help='mean over queries (default) or of per-class means')
    parser.add_argument(
        '--per-class', action='store_true', help='add a per-class table')
    parser.add_argument(
        '--memory-budget',
        default='2GB',
        help="working memory of the score blocks (default: '2GB')")
    parser.add_argument('--out', help='write the results to this JSON file')
    parser.add_argument(
        '--force', action='store_true', help='let --out replace a file')
    return parser.parse_args(argv)


def _class_key(label, class_names):
    if class_names and 0 <= label < len(class_names) \
            and class_names[label]:
        return class_names[label]
    return str(label)


def _jsonable(result, class_names):
    out = {}
    for key, value in result.items():
        if key == 'per_class':
            value = {
                _class_key(label, class_names): entry
                for label, entry in value.items()
            }
        elif isinstance(value, dict):
            value = _jsonable(value, class_names)
        out[key] = value
    return out


def _fmt(value):
    return '-' if value is None else f'{value:.4f}'


def format_table(result, metrics, title):
    """The results as readable text."""
    lines = [
        title, f'queries: {result["num_queries"]} '
        f'({result["num_queries_without_relevant"]} without a relevant '
        'gallery item, left out of the means)'
    ]
    width = max(len(m) for m in metrics)
    lines += [f'  {m:<{width}}  {_fmt(result[m])}' for m in metrics]
    for group in ('unseen', 'seen'):
        if group in result:
            sub = result[group]
            lines.append(f'{group} queries: {sub["num_queries"]} '
                         f'({sub["num_queries_without_relevant"]} without '
                         'a relevant gallery item)')
            lines += [f'  {m:<{width}}  {_fmt(sub[m])}' for m in metrics]
    if 'per_class' in result:
        names = list(result['per_class'])
        cw = max([len('class')] + [len(n) for n in names])
        header = f'  {"class":<{cw}}  ' + '  '.join(
            f'{m:>{max(len(m), 7)}}' for m in metrics) + '  queries'
        lines += ['per class:', header]
        for name, entry in result['per_class'].items():
            cells = '  '.join(f'{_fmt(entry[m]):>{max(len(m), 7)}}'
                              for m in metrics)
            lines.append(f'  {name:<{cw}}  {cells}  {entry["num_queries"]}')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    from sketret.evaluation import load_features
    from sketret.evaluation.functional import evaluate_retrieval
    if args.out and osp.exists(args.out) and not args.force:
        sys.exit(f'eval_features.py: error: "{args.out}" already exists; '
                 'pass --force to replace it')
    try:
        data = load_features(args.features)
        result = evaluate_retrieval(
            data['query_feats'],
            data['query_labels'],
            data['gallery_feats'],
            data['gallery_labels'],
            metrics=args.metrics,
            preset=args.preset,
            similarity=args.similarity,
            average=args.average,
            per_class=args.per_class,
            memory_budget=args.memory_budget,
            query_is_seen=data.get('query_is_seen'))
    except (FileNotFoundError, ValueError) as err:
        sys.exit(f'eval_features.py: error: {err}')
    result = _jsonable(result, data.get('class_names'))
    metrics = [m for m in dict.fromkeys(args.metrics)]
    print(
        format_table(
            result, metrics, f'{args.features}: preset {result["preset"]}, '
            f'similarity {args.similarity}, average over {args.average}, '
            f'{len(data["gallery_labels"])} gallery items'))
    if args.out:
        with open(args.out, 'w' if args.force else 'x',
                  encoding='utf-8') as f:
            json.dump(result, f, indent=2)
        print(f'Results written to {args.out}')
    return result


if __name__ == '__main__':
    main()
