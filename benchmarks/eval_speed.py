# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Time and peak memory of sketret's retrieval metrics vs a plain
full-matrix numpy implementation, on synthetic features.

Every measurement runs in a fresh subprocess that generates the features
(seeded), times the evaluation alone, and reports the peak resident memory
of the whole process (``ru_maxrss``: interpreter, imports, features and
evaluation). The plain implementation (argsort + cumsum over the whole
``Q x N`` matrix, the way most ZS-SBIR code computes mAP) is here only for
comparison, and is skipped when its estimated memory would not fit.

Examples::

    python benchmarks/eval_speed.py --quick
    python benchmarks/eval_speed.py --sizes sketchy25 quickdraw30
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

METRICS = ('mAP@all', 'P@100', 'mAP@200', 'P@200')
SIZES = {
    # name: (queries, gallery, classes, dim)
    'sketchy25': (15229, 17101, 25, 128),
    'quickdraw30': (92291, 54151, 30, 128),
    'quick': (3000, 4000, 25, 64),
}
# Bytes per query-gallery pair held at once by the plain implementation
# (scores, argsort indices, gathered labels, cumsum, precision); measured
# peak is ~17 B/pair.
PLAIN_BYTES_PER_PAIR = 18


def make_features(num_q, num_g, num_classes, dim, seed=0):
    """Clustered features: class centre + query-domain shift + noise.

    Class sizes are uneven (Dirichlet proportions); sketches (queries) are
    shifted from the photo domain, so the metrics are far from trivial
    (textbook mAP@all ~0.55 at the Sketchy-25 size).

    Returns:
        tuple: query_feats (Q, D) float32, query_labels (Q, ), gallery_feats
        (N, D) float32, gallery_labels (N, ).
    """
    import numpy as np
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((num_classes, dim), dtype=np.float32)
    shift = 0.8 * rng.standard_normal((num_classes, dim), dtype=np.float32)
    share = rng.dirichlet(np.full(num_classes, 8.0))
    q_labels = rng.choice(num_classes, size=num_q, p=share)
    g_labels = rng.choice(num_classes, size=num_g, p=share)
    noise = 2.0
    q_feats = centres[q_labels] + shift[q_labels]
    q_feats += noise * rng.standard_normal((num_q, dim), dtype=np.float32)
    g_feats = centres[g_labels]
    g_feats += noise * rng.standard_normal((num_g, dim), dtype=np.float32)
    return q_feats, q_labels, g_feats, g_labels


def plain_numpy(q_feats, q_labels, g_feats, g_labels, ks=(100, 200)):
    """mAP@all, P@K and mAP@K from the whole score matrix (comparison only).

    Cosine scores, ``argsort`` of every row, relevance gathered in ranked
    order, ``cumsum``. Matches sketret's ``textbook`` preset when no two
    scores of a row tie.
    """
    import numpy as np
    q = q_feats / np.linalg.norm(q_feats, axis=1, keepdims=True)
    g = g_feats / np.linalg.norm(g_feats, axis=1, keepdims=True)
    scores = q @ g.T
    order = np.argsort(-scores, axis=1)
    del scores
    rel = g_labels.astype(np.int32)[order] == q_labels[:, None]
    del order
    num_rel = rel.sum(axis=1)
    cum = np.cumsum(rel, axis=1, dtype=np.int32)
    ranks = np.arange(1, rel.shape[1] + 1, dtype=np.float32)
    prec = np.divide(cum, ranks, dtype=np.float32)
    prec *= rel
    valid = num_rel > 0
    out = {'mAP@all': float(np.mean(prec.sum(axis=1)[valid] /
                                    num_rel[valid]))}
    for k in ks:
        out[f'P@{k}'] = float(np.mean(cum[valid, k - 1] / k))
        out[f'mAP@{k}'] = float(
            np.mean(prec[valid, :k].sum(axis=1) /
                    np.minimum(k, num_rel[valid])))
    return out


def worker(impl, size, seed, budget, threads):
    """Run one measurement in this (fresh) process; print a JSON line."""
    import resource
    num_q, num_g, num_c, dim = SIZES[size]
    data = make_features(num_q, num_g, num_c, dim, seed)
    if impl == 'sketret':
        from sketret.evaluation.functional import evaluate_retrieval
        start = time.perf_counter()
        res = evaluate_retrieval(
            *data,
            metrics=METRICS,
            preset='textbook',
            memory_budget=budget,
            num_threads=threads)
        seconds = time.perf_counter() - start
        metrics = {m: res[m] for m in METRICS}
    else:
        start = time.perf_counter()
        metrics = plain_numpy(*data)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(dict(seconds=seconds, peak_bytes=peak,
                          metrics=metrics)))


def measure(impl, size, args):
    cmd = [
        sys.executable,
        osp.abspath(__file__), '--worker', impl, '--sizes', size, '--seed',
        str(args.seed), '--memory-budget', args.memory_budget
    ]
    if args.threads is not None:
        cmd += ['--threads', str(args.threads)]
    env = dict(os.environ)
    repo = osp.dirname(osp.dirname(osp.abspath(__file__)))
    env['PYTHONPATH'] = repo + os.pathsep + env.get('PYTHONPATH', '')
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f'{impl} on {size} failed:\n{proc.stderr}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def available_memory():
    """MemAvailable from /proc/meminfo in bytes (None if unknown)."""
    try:
        with open('/proc/meminfo') as f:
            for line in f:
                if line.startswith('MemAvailable:'):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def gb(x):
    return f'{x / 1e9:.2f} GB'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--sizes',
        nargs='+',
        default=['sketchy25', 'quickdraw30'],
        choices=[s for s in SIZES if s != 'quick'] + ['quick'])
    parser.add_argument(
        '--quick',
        action='store_true',
        help='a small smoke run (3,000 x 4,000, d=64)')
    parser.add_argument(
        '--repeat',
        type=int,
        default=1,
        help='measure each implementation this many times (best reported)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--memory-budget', default='2GB')
    parser.add_argument(
        '--threads',
        type=int,
        default=None,
        help="sketret's num_threads (default: up to 2)")
    parser.add_argument(
        '--skip-plain', action='store_true', help='only measure sketret')
    parser.add_argument('--worker', choices=['sketret', 'plain'],
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.sizes[0], args.seed, args.memory_budget,
               args.threads)
        return
    sizes = ['quick'] if args.quick else args.sizes
    print(f'metrics: {", ".join(METRICS)} (preset textbook, cosine); '
          f'memory budget {args.memory_budget}; {os.cpu_count()} CPUs')
    for size in sizes:
        num_q, num_g, num_c, dim = SIZES[size]
        print(f'\n== {size}: {num_q:,} queries x {num_g:,} gallery, '
              f'{num_c} classes, d={dim}')
        runs = {}
        plain_bytes = PLAIN_BYTES_PER_PAIR * num_q * num_g
        avail = available_memory()
        skip_reason = None
        if args.skip_plain:
            skip_reason = '--skip-plain'
        elif avail is not None and plain_bytes > 0.8 * avail:
            skip_reason = (f'it would need ~{gb(plain_bytes)} '
                           f'({PLAIN_BYTES_PER_PAIR} B x {num_q * num_g:.2e}'
                           f' pairs), {gb(avail)} available')
        impls = ['sketret'] + ([] if skip_reason else ['plain'])
        for rep in range(args.repeat):
            for impl in impls:
                r = measure(impl, size, args)
                if impl not in runs or r['seconds'] < runs[impl]['seconds']:
                    runs[impl] = r
        for impl in impls:
            r = runs[impl]
            values = ', '.join(f'{k}={v:.4f}' for k, v in r['metrics'].items())
            print(f'{impl:8s} {r["seconds"]:8.2f} s   peak RSS '
                  f'{gb(r["peak_bytes"])}   {values}')
        if skip_reason:
            print(f'plain    skipped: {skip_reason}')
        else:
            s, p = runs['sketret'], runs['plain']
            diff = max(
                abs(s['metrics'][m] - p['metrics'][m]) for m in METRICS)
            time_ratio = s['seconds'] / p['seconds']
            mem_ratio = s['peak_bytes'] / p['peak_bytes']
            print(f'ratio sketret / plain: time {time_ratio:.3f}, '
                  f'peak memory {mem_ratio:.3f}; '
                  f'max |difference| of the metrics {diff:.1e}')


if __name__ == '__main__':
    main()
