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

Statistics: every method is scored per query; the table shows the mean ± sample
std over seeds, and 95 % percentile-bootstrap intervals of the seed-averaged
mean over queries and over classes (whole classes resampled), plus the paired
difference to ``--paired-to`` (default: the first config) on the same queries,
with both intervals. ``--galleries`` scores the same dumped features against
sub-galleries: ``unseen`` (photos of the query classes only), ``photos`` (every
photo but the distractors: label -1 in a ``distractor/`` folder) and ``all``
(as dumped, distractors included). ``--folds`` with ``--fold-key`` repeats
every run for each class fold (``--cfg-options KEY=FOLD`` for each comma-
separated KEY); per-query values of all folds are pooled (each class is a query
class in one fold).
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
    parser.add_argument('--amp', action='store_true',
                        help='train with tools/train.py --amp (bfloat16 '
                        'autocast on the CPU, float16 AMP on a GPU); '
                        'testing stays float32')
    parser.add_argument('--cfg-options', nargs='*', default=[],
                        help='passed to every train/test run (k=v ...)')
    parser.add_argument('--galleries', nargs='+', default=['all'],
                        choices=list(GALLERIES),
                        help='sub-galleries to score (default: as dumped)')
    parser.add_argument('--paired-to',
                        help='name of the method the others are compared '
                        'with, query by query (default: the first)')
    parser.add_argument('--bootstrap', type=int, default=2000,
                        help='bootstrap resamples for the intervals')
    parser.add_argument('--folds', nargs='+',
                        help='class folds (each run once per fold), values '
                        'of --fold-key, e.g. fold0 fold1')
    parser.add_argument('--fold-key',
                        help='config key(s), comma-separated, set to the '
                        'fold, e.g. train_dataloader.dataset.split,'
                        'val_dataloader.dataset.split')
    args = parser.parse_args(argv)
    if args.folds and not args.fold_key:
        parser.error('--folds needs --fold-key')
    return args


# Sub-galleries of a dumped test set: which gallery items to keep, from the
# gallery labels, the set of query labels and the gallery paths. A photo
# is a distractor when its label is -1 and its file lies in a
# ``distractor/`` folder (sketret's tree layout); test sets may label the
# seen-class photos -1 as well (relevant to no unseen query).
# Without paths every -1 photo counts as a distractor.
def _distractor(labels, paths):
    if paths is None:
        return labels == -1
    in_folder = np.array([
        'distractor' in str(p).replace('\\', '/').split('/') for p in paths
    ], dtype=bool)
    return (labels == -1) & in_folder


GALLERIES = {
    'unseen': lambda g, q, paths: np.isin(g, q),
    'photos': lambda g, q, paths: ~_distractor(g, paths),
    'all': lambda g, q, paths: np.ones(len(g), dtype=bool),
}


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


def run_one(config, seed, run_dir, args, train=True, fold=None):
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
    options = list(args.cfg_options)
    if fold is not None:
        options += [f'{key}={fold}' for key in args.fold_key.split(',')]
    opts = ['--cfg-options', *options] if options else []
    seconds = None
    if train:
        train_dir = osp.join(run_dir, 'train')
        if osp.isfile(timing):
            # trained, test not finished: test the finished training
            with open(timing, encoding='utf-8') as f:
                seconds = json.load(f)['seconds']
        else:
            # an interrupted training continues where it stopped (train.py
            # would otherwise keep it and start again in another folder)
            resume = osp.isfile(osp.join(train_dir, 'last_checkpoint'))
            start = time.perf_counter()
            _run([py, 'tools/train.py', config, '--work-dir', train_dir,
                  '--seed', str(seed), '--deterministic', '--device',
                  args.device, *(['--amp'] if args.amp else []),
                  *(['--resume'] if resume else []), *opts],
                 osp.join(run_dir, 'train.log'))
            seconds = time.perf_counter() - start
            with open(timing, 'w', encoding='utf-8') as f:
                json.dump(dict(seconds=seconds, resumed=resume), f)
        checkpoint = _best_checkpoint(train_dir)
    else:
        checkpoint = osp.join(run_dir, 'untrained.pth')
        if not osp.isfile(checkpoint):
            _save_untrained(config, seed, checkpoint, options)
    _run([py, 'tools/test.py', config, checkpoint, '--work-dir',
          osp.join(run_dir, 'test'), '--dump-features', features,
          '--device', args.device, *opts], osp.join(run_dir, 'test.log'))
    return features, seconds


def _save_untrained(config, seed, path, options=()):
    import torch
    from mmengine.config import DictAction

    from sketret.apis import init_model
    parsed = argparse.Namespace(o=None)
    if options:
        DictAction(option_strings=['--cfg-options'], dest='o')(
            None, parsed, list(options))
    torch.manual_seed(seed)
    model = init_model(config, None, device='cpu', cfg_options=parsed.o)
    torch.save(dict(state_dict=model.state_dict()), path)


def score(features_file, args, gallery='all', rng_seed=None):
    """Per-query values of ``args.metrics`` on one sub-gallery.

    Returns:
        dict: ``values`` (metric -> (Q', ) of the queries with a relevant
        item), ``labels`` (their classes), ``summary`` (means as
        :func:`evaluate_retrieval` reports them) and ``class_names``.
        ``rng_seed`` replaces the features by random ones (the random
        ranking baseline).
    """
    from sketret.evaluation import load_features
    from sketret.evaluation.functional import (
        per_query_metrics,
        summarize_metrics,
    )
    f = load_features(features_file)
    ql, gl = np.asarray(f['query_labels']), np.asarray(f['gallery_labels'])
    keep = GALLERIES[gallery](gl, ql, f.get('gallery_paths'))
    qf, gf = f['query_feats'], f['gallery_feats'][keep]
    if rng_seed is not None:
        rng = np.random.RandomState(rng_seed)
        qf = rng.randn(*qf.shape)
        gf = rng.randn(*gf.shape)
    values = per_query_metrics(qf, ql, gf, gl[keep], args.metrics,
                               args.preset)
    summary = summarize_metrics(values, ql)
    has_rel = values['num_relevant'] > 0
    return dict(
        values={m: values[m][has_rel] for m in args.metrics},
        labels=ql[has_rel],
        summary=summary,
        gallery_size=int(keep.sum()),
        class_names=f.get('class_names'))


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

    folds = args.folds or [None]
    rows = [dict(name=name, config=config, trained=train, runs={},
                 train_seconds=[])
            for (config, train), name in zip(entries, names)]
    # Seed by seed (every method's seed 0 first): an interrupted comparison
    # has complete seeds; --only-finished tabulates the runs that exist.
    first_features = {}
    for seed in args.seeds:
        for fold in folds:
            for row in rows:
                run_dir = osp.join(
                    args.work_dir, row['name'],
                    *([] if fold is None else [str(fold)]),
                    f'seed_{seed}')
                done = osp.isfile(osp.join(run_dir, 'test_features.npz'))
                if args.only_finished and not done:
                    continue
                what = 'train + test' if row['trained'] else 'test'
                where = '' if fold is None else f' fold {fold}'
                print(f'[{row["name"]}] seed {seed}{where}: {what} in '
                      f'{run_dir}', flush=True)
                features, seconds = run_one(row['config'], seed, run_dir,
                                            args, row['trained'], fold)
                first_features.setdefault(fold, features)
                row['runs'][fold, seed] = {
                    g: score(features, args, g)
                    for g in args.galleries
                }
                row['train_seconds'].append(seconds)
                res = row['runs'][fold, seed][args.galleries[0]]['summary']
                print(f'[{row["name"]}] seed {seed}{where}: ' + ', '.join(
                    f'{m} {res[m]:.4f}' for m in args.metrics) +
                    f' (gallery {args.galleries[0]})', flush=True)
    rows = [row for row in rows if row['runs']]
    if not rows:
        sys.exit('compare_methods.py: error: no finished run')
    if args.random_baseline:
        rows.append(dict(
            name='random ranking', config=None, trained=False,
            train_seconds=[None],
            runs={(fold, seed): {
                g: score(first_features[fold], args, g, rng_seed=seed)
                for g in args.galleries}
                for fold in first_features for seed in args.seeds}))
    report = tabulate(rows, args)
    print('\n' + report['markdown'])
    if args.out_md:
        os.makedirs(osp.dirname(osp.abspath(args.out_md)), exist_ok=True)
        with open(args.out_md, 'w', encoding='utf-8') as f:
            f.write(report['markdown'])
    if args.out_json:
        os.makedirs(osp.dirname(osp.abspath(args.out_json)), exist_ok=True)
        with open(args.out_json, 'w', encoding='utf-8') as f:
            json.dump(dict(preset=args.preset, seeds=args.seeds,
                           folds=args.folds, galleries=report['galleries']),
                      f, indent=2)
    if args.out_plot:
        from sketret.visualization import plot_bars_with_error
        gallery, metric = args.galleries[0], args.metrics[0]
        stats = report['galleries'][gallery]['methods']
        plot_bars_with_error(
            [st['name'] for st in stats],
            [st[metric]['mean'] for st in stats],
            [st[metric]['std'] or 0 for st in stats],
            ylabel=f'{metric} ({args.preset})',
            title=f'Unseen-class retrieval, gallery "{gallery}" '
            '(mean ± std over seeds)',
            out_file=args.out_plot)


def _pooled(row, gallery, metric):
    """Seed-averaged per-query values pooled over folds, their class keys,
    and the per-seed means (pooled over folds)."""
    by_fold = {}
    for (fold, seed), galleries in sorted(row['runs'].items(),
                                          key=lambda kv: str(kv[0])):
        by_fold.setdefault(fold, []).append(galleries[gallery])
    values, keys, per_seed = [], [], {}
    for fold, scored in by_fold.items():
        values.append(np.mean([sc['values'][metric] for sc in scored],
                              axis=0))
        names = scored[0]['class_names']
        labels = scored[0]['labels']
        keys.extend(
            str(names[label]) if names is not None else f'{fold}/{label}'
            for label in labels.tolist())
    for (fold, seed), galleries in row['runs'].items():
        per_seed.setdefault(seed, []).append(
            galleries[gallery]['values'][metric])
    seed_means = [float(np.mean(np.concatenate(v)))
                  for v in per_seed.values()]
    return np.concatenate(values), np.array(keys), seed_means


def _on_seeds(row, seeds):
    """``row`` with only the runs of ``seeds`` (for paired differences)."""
    return dict(row, runs={key: value for key, value in row['runs'].items()
                           if key[1] in seeds})


def tabulate(rows, args):
    """Means, intervals and paired differences; Markdown and a dict.

    A paired difference compares the two methods on the seeds (and folds)
    both have, query by query, so that a method run with fewer seeds is not
    set against the reference's average over others."""
    from sketret.evaluation.statistics import (
        bootstrap_ci,
        class_means,
        paired_bootstrap_ci,
    )
    ref_name = args.paired_to or rows[0]['name']
    ref = [row for row in rows if row['name'] == ref_name]
    if not ref:
        sys.exit(f'compare_methods.py: error: --paired-to "{ref_name}" is '
                 'not one of the methods: ' +
                 ', '.join(row['name'] for row in rows))
    ref = ref[0]
    boot = dict(num_resamples=args.bootstrap)
    out, md = {}, []
    ref_seeds = {s for _, s in ref['runs']}
    for gallery in args.galleries:
        ref_pooled = {}  # (seeds, metric) -> the reference pooled on them
        methods = []
        for row in rows:
            entry = dict(name=row['name'], config=row['config'],
                         seeds=sorted({s for _, s in row['runs']}),
                         train_seconds=row['train_seconds'])
            for m in args.metrics:
                values, keys, seed_means = _pooled(row, gallery, m)
                codes, names = _codes(keys)
                stat = dict(
                    mean=float(np.mean(seed_means)),
                    std=(float(np.std(seed_means, ddof=1))
                         if len(seed_means) > 1 else None),
                    per_seed=seed_means,
                    ci_query=bootstrap_ci(values, **boot),
                    ci_class=bootstrap_ci(values, keys, **boot),
                    per_class=dict(
                        zip(names, class_means(values, codes).values())))
                common = ref_seeds & set(entry['seeds'])
                if row is not ref and common:
                    mine, mine_keys, _ = _pooled(_on_seeds(row, common),
                                                 gallery, m)
                    key = (frozenset(common), m)
                    if key not in ref_pooled:
                        ref_pooled[key] = _pooled(_on_seeds(ref, common),
                                                  gallery, m)[:2]
                    theirs, ref_keys = ref_pooled[key]
                    if len(theirs) == len(mine) and (ref_keys ==
                                                     mine_keys).all():
                        stat['diff_seeds'] = sorted(common)
                        stat['diff_query'] = paired_bootstrap_ci(
                            mine, theirs, **boot)
                        stat['diff_class'] = paired_bootstrap_ci(
                            mine, theirs, mine_keys, **boot)
                entry[m] = stat
            methods.append(entry)
        first = rows[0]['runs'][next(iter(rows[0]['runs']))][gallery]
        out[gallery] = dict(methods=methods,
                            gallery_size=first['gallery_size'])
        md.append(_gallery_markdown(gallery, methods, args, ref_name,
                                    first['gallery_size']))
    md.append(_per_class_markdown(out[args.galleries[0]]['methods'],
                                  args.metrics[0], args.galleries[0]))
    return dict(markdown='\n'.join(md), galleries=out)


def _codes(keys):
    """Integer codes of string class keys, and the keys in code order."""
    uniq, inverse = np.unique(keys, return_inverse=True)
    return inverse, uniq.tolist()


def _ci(ci, digits=3):
    return f'[{ci["low"]:.{digits}f}, {ci["high"]:.{digits}f}]'


def _gallery_markdown(gallery, methods, args, ref_name, size):
    m0 = args.metrics[0]
    header = (['method', f'{m0} mean ± std', '95 % CI (queries)',
               '95 % CI (classes)', f'Δ {m0} vs {ref_name} [CI queries] '
               '[CI classes]'] + [f'{m} mean ± std' for m in args.metrics[1:]]
              + ['train time (s)', 'seeds'])
    lines = [f'#### Gallery `{gallery}` ({size} photos), preset '
             f'`{args.preset}`', '',
             '| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for entry in methods:
        st = entry[m0]
        diff = '–'
        if 'diff_query' in st:
            diff = (f'{st["diff_query"]["mean"]:+.3f} '
                    f'{_ci(st["diff_query"])} {_ci(st["diff_class"])}')
            if st['diff_seeds'] != entry['seeds']:
                seeds = ' '.join(map(str, st['diff_seeds']))
                diff += f' (seeds {seeds})'
        cells = [entry['name'], _fmt(st['per_seed']), _ci(st['ci_query']),
                 _ci(st['ci_class']), diff]
        cells += [_fmt(entry[m]['per_seed']) for m in args.metrics[1:]]
        cells += [_fmt(entry['train_seconds'], digits=0),
                  ' '.join(map(str, entry['seeds']))]
        lines.append('| ' + ' | '.join(cells) + ' |')
    st = methods[0][m0]
    lines += ['', f'Mean ± sample std over seeds; intervals: 95 % '
              'percentile bootstrap of the seed-averaged mean over '
              f'{st["ci_query"]["num_units"]} queries and over '
              f'{st["ci_class"]["num_units"]} classes (whole classes '
              'resampled); Δ: paired difference on the same queries and the '
              'seeds both methods have (listed where fewer than the '
              "method's).", '']
    return '\n'.join(lines)


def _per_class_markdown(methods, metric, gallery):
    classes = sorted(methods[0][metric]['per_class'])
    header = ['class'] + [entry['name'] for entry in methods]
    lines = [f'#### Per-class {metric} (gallery `{gallery}`, seed-averaged)',
             '', '| ' + ' | '.join(header) + ' |',
             '|' + '---|' * len(header)]
    for c in classes:
        cells = [c] + [
            (f'{entry[metric]["per_class"][c]:.3f}'
             if c in entry[metric]['per_class'] else '–')
            for entry in methods
        ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


if __name__ == '__main__':
    main()
