# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Train and evaluate several configs with the same seeds and metric preset;
write a Markdown table (mean ± std over seeds, training time) and a bar
plot.

    python tools/analysis_tools/compare_methods.py --configs CFG [CFG ...] \
        [--reference-configs CFG ...] --seeds 0 1 2 --random-baseline \
        --work-dir work_dirs/compare --out-md table.md --out-plot bars.png

``bash benchmarks/compare_sbir_mini.sh`` runs the comparison in the README.

Every run trains with ``tools/train.py --seed S --deterministic`` in its own
work dir, evaluates the best checkpoint (selected on the held-out SEEN
classes) on the test set with ``tools/test.py --dump-features``, and the
dumped features are scored here under ``--preset``. Runs whose features
exist already are reused, so an interrupted comparison continues where it
stopped. ``--reference-configs`` are evaluated without training (e.g. the
ImageNet backbone's features); ``--random-baseline`` scores random
embeddings on the same test labels.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--configs', nargs='*', default=[],
                        help='configs to train and evaluate')
    parser.add_argument('--reference-configs', nargs='*', default=[],
                        help='configs evaluated without training')
    parser.add_argument('--names', nargs='*',
                        help='display names (configs, then references)')
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1, 2])
    parser.add_argument('--preset', default='textbook')
    parser.add_argument('--metrics', nargs='+', default=['mAP@all', 'P@10'])
    parser.add_argument('--random-baseline', action='store_true')
    parser.add_argument('--only-finished', action='store_true',
                        help='tabulate existing runs, train nothing')
    parser.add_argument('--work-dir', default='work_dirs/compare')
    parser.add_argument('--out-md', help='Markdown table file')
    parser.add_argument('--out-json', help='all numbers as JSON')
    parser.add_argument('--out-plot', help='bar plot (PNG)')
    parser.add_argument('--device', default='auto',
                        choices=['auto', 'cpu', 'cuda'])
    parser.add_argument('--cfg-options', nargs='*', default=[],
                        help='passed to every train/test run (k=v ...)')
    return parser.parse_args(argv)


def _run(cmd, log_file):
    with open(log_file, 'w', encoding='utf-8') as log:
        proc = subprocess.run(cmd, cwd=REPO, stdout=log,
                              stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        with open(log_file, encoding='utf-8') as f:
            tail = ''.join(f.readlines()[-30:])
        raise RuntimeError(f'{" ".join(cmd)} failed (log: {log_file}):\n'
                           f'{tail}')


def _best_checkpoint(work_dir):
    best = sorted(glob.glob(osp.join(work_dir, 'best_*.pth')))
    if best:
        return best[-1]
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last, encoding='utf-8') as f:
            return f.read().strip()
    raise FileNotFoundError(f'no checkpoint in {work_dir}')


def run_one(config, seed, run_dir, args, train=True):
    """Train (optional) and dump test features; return (npz, train time)."""
    os.makedirs(run_dir, exist_ok=True)
    features = osp.join(run_dir, 'test_features.npz')
    timing = osp.join(run_dir, 'train_time.json')
    if osp.isfile(features):
        seconds = None
        if osp.isfile(timing):
            with open(timing, encoding='utf-8') as f:
                seconds = json.load(f)['seconds']
        return features, seconds
    py = sys.executable
    opts = ['--cfg-options', *args.cfg_options] if args.cfg_options else []
    seconds = None
    if train:
        start = time.perf_counter()
        _run([py, 'tools/train.py', config, '--work-dir',
              osp.join(run_dir, 'train'), '--seed', str(seed),
              '--deterministic', '--device', args.device, *opts],
             osp.join(run_dir, 'train.log'))
        seconds = time.perf_counter() - start
        with open(timing, 'w', encoding='utf-8') as f:
            json.dump(dict(seconds=seconds), f)
        checkpoint = _best_checkpoint(osp.join(run_dir, 'train'))
    else:
        checkpoint = osp.join(run_dir, 'untrained.pth')
        if not osp.isfile(checkpoint):
            _save_untrained(config, seed, checkpoint)
    _run([py, 'tools/test.py', config, checkpoint, '--work-dir',
          osp.join(run_dir, 'test'), '--dump-features', features,
          '--device', args.device, *opts], osp.join(run_dir, 'test.log'))
    return features, seconds


def _save_untrained(config, seed, path):
    import torch

    from sketret.apis import init_model
    torch.manual_seed(seed)
    model = init_model(config, None, device='cpu')
    torch.save(dict(state_dict=model.state_dict()), path)


def score(features_file, args):
    from sketret.evaluation import evaluate_retrieval, load_features
    f = load_features(features_file)
    return evaluate_retrieval(f['query_feats'], f['query_labels'],
                              f['gallery_feats'], f['gallery_labels'],
                              metrics=args.metrics, preset=args.preset)


def random_scores(features_file, seed, args):
    """Random embeddings for the same queries and gallery."""
    from sketret.evaluation import evaluate_retrieval, load_features
    f = load_features(features_file)
    rng = np.random.RandomState(seed)
    dim = f['query_feats'].shape[1]
    return evaluate_retrieval(
        rng.randn(len(f['query_labels']), dim), f['query_labels'],
        rng.randn(len(f['gallery_labels']), dim), f['gallery_labels'],
        metrics=args.metrics, preset=args.preset)




def _fmt(values, digits=3):
    """``mean ± sample std`` of the non-None values ('–' when none)."""
    values = [v for v in values if v is not None]
    if not values:
        return '–'
    if len(values) == 1:
        return f'{values[0]:.{digits}f}'
    return (f'{np.mean(values):.{digits}f} ± '
            f'{np.std(values, ddof=1):.{digits}f}')


def main(argv=None):
    args = parse_args(argv)
    entries = [(c, True) for c in args.configs] + [
        (c, False) for c in args.reference_configs]
    if not entries:
        sys.exit('compare_methods.py: error: give --configs and/or '
                 '--reference-configs')
    for config, _ in entries:
        if not osp.isfile(osp.join(REPO, config)) and not osp.isfile(config):
            sys.exit(f'compare_methods.py: error: config "{config}" does '
                     'not exist')
    names = args.names or [
        osp.splitext(osp.basename(c))[0] for c, _ in entries]
    if len(names) != len(entries):
        sys.exit('compare_methods.py: error: --names needs one name per '
                 'config')

    # Seed by seed (every method's seed 0 first): an interrupted comparison
    # has complete seeds; --only-finished tabulates the runs that exist.
    rows = [dict(name=name, config=config, trained=train, results=[],
                 train_seconds=[], seeds=[])
            for (config, train), name in zip(entries, names)]
    first_features = None
    for seed in args.seeds:
        for row in rows:
            run_dir = osp.join(args.work_dir, row['name'], f'seed_{seed}')
            done = osp.isfile(osp.join(run_dir, 'test_features.npz'))
            if args.only_finished and not done:
                continue
            print(f'[{row["name"]}] seed {seed}: '
                  f'{"train + test" if row["trained"] else "test"} in '
                  f'{run_dir}', flush=True)
            features, seconds = run_one(row['config'], seed, run_dir, args,
                                        row['trained'])
            first_features = first_features or features
            res = score(features, args)
            row['results'].append(res)
            row['train_seconds'].append(seconds)
            row['seeds'].append(seed)
            print(f'[{row["name"]}] seed {seed}: ' + ', '.join(
                f'{m} {res[m]:.4f}' for m in args.metrics), flush=True)
    rows = [row for row in rows if row['results']]
    if not rows:
        sys.exit('compare_methods.py: error: no finished run')
    if args.random_baseline:
        results = [random_scores(first_features, s, args)
                   for s in args.seeds]
        rows.append(dict(name='random ranking', config=None, trained=False,
                         results=results, train_seconds=[None],
                         seeds=list(args.seeds)))

    header = ['method'] + [f'{m} ({args.preset})' for m in args.metrics] + [
        'train time (s)', 'seeds']
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '---|' * len(header)]
    for row in rows:
        cells = [row['name']]
        for m in args.metrics:
            cells.append(_fmt([r[m] for r in row['results']]))
        cells.append(_fmt(row['train_seconds'], digits=0))
        cells.append(' '.join(map(str, row['seeds'])))
        lines.append('| ' + ' | '.join(cells) + ' |')
    q = rows[0]['results'][0]['num_queries']
    table = '\n'.join(lines) + (
        '\n\nMean ± sample std over the seeds listed; test set: '
        f'{q} sketch queries of the unseen classes; metric preset '
        f'`{args.preset}`.\n')
    print('\n' + table)
    if args.out_md:
        os.makedirs(osp.dirname(osp.abspath(args.out_md)), exist_ok=True)
        with open(args.out_md, 'w', encoding='utf-8') as f:
            f.write(table)
    if args.out_json:
        with open(args.out_json, 'w', encoding='utf-8') as f:
            json.dump(dict(preset=args.preset, seeds=args.seeds, rows=[
                dict(name=r['name'], config=r['config'],
                     train_seconds=r['train_seconds'],
                     results=[{m: res[m] for m in args.metrics}
                              for res in r['results']]) for r in rows
            ]), f, indent=2)
    if args.out_plot:
        from sketret.visualization import plot_bars_with_error
        metric = args.metrics[0]
        vals = [[r[metric] for r in row['results']] for row in rows]
        plot_bars_with_error(
            [row['name'] for row in rows], [np.mean(v) for v in vals],
            [np.std(v, ddof=1) if len(v) > 1 else 0 for v in vals],
            ylabel=f'{metric} ({args.preset})',
            title='Unseen-class retrieval (mean ± std over seeds)',
            out_file=args.out_plot)


if __name__ == '__main__':
    main()
