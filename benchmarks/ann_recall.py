# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Recall@K and speed-up of the approximate gallery indexes (IVF-Flat,
IVF-PQ) against exact search, on synthetic clustered 128-d embeddings.

    python benchmarks/ann_recall.py                 # 1M x 128, ~ minutes
    python benchmarks/ann_recall.py --n 100000 --queries 500   # quicker

Everything is measured in this run: the exact ``flat`` index is the
baseline for both recall and time.
"""
import argparse
import time

import numpy as np


def clustered_unit_vectors(n, dim, n_clusters, noise, rng):
    """Embeddings like a trained retrieval model's: class clusters."""
    centres = rng.standard_normal((n_clusters, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = rng.integers(0, n_clusters, n)
    x = centres[labels] + noise * rng.standard_normal(
        (n, dim)).astype(np.float32) / np.sqrt(dim)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x, centres


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--n', type=int, default=1_000_000)
    parser.add_argument('--dim', type=int, default=128)
    parser.add_argument('--queries', type=int, default=1000)
    parser.add_argument('--topk', type=int, default=100)
    parser.add_argument(
        '--clusters', type=int, default=2000,
        help='classes in the synthetic gallery (2000 = 500 items each at 1M)')
    parser.add_argument('--noise', type=float, default=0.6)
    parser.add_argument('--nprobe', type=int, nargs='+',
                        default=[16, 32, 64, 128])
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()

    from sketret.apis.gallery_index import GalleryIndex

    rng = np.random.default_rng(args.seed)
    gallery, centres = clustered_unit_vectors(args.n, args.dim,
                                              args.clusters, args.noise, rng)
    queries, _ = clustered_unit_vectors(args.queries, args.dim,
                                        args.clusters, args.noise, rng)
    paths = [''] * args.n
    print(f'gallery {args.n} x {args.dim}, {args.queries} queries, '
          f'recall@{args.topk} against exact search')

    t0 = time.perf_counter()
    exact = GalleryIndex(gallery, paths, index_type='flat')
    build_exact = time.perf_counter() - t0
    t0 = time.perf_counter()
    _, truth = exact.search(queries, args.topk)
    exact_time = time.perf_counter() - t0
    print(f'flat     build {build_exact:7.1f} s  search '
          f'{1000 * exact_time / args.queries:8.3f} ms/query  recall 1.000')

    for index_type in ('ivf_flat', 'ivf_pq'):
        t0 = time.perf_counter()
        index = GalleryIndex(gallery, paths, index_type=index_type,
                             pq_m=32)
        build = time.perf_counter() - t0
        for nprobe in args.nprobe:
            index.index.nprobe = min(nprobe, index.nlist)
            t0 = time.perf_counter()
            _, ids = index.search(queries, args.topk)
            elapsed = time.perf_counter() - t0
            recall = np.mean([
                len(np.intersect1d(a, b)) / args.topk
                for a, b in zip(ids, truth)
            ])
            print(f'{index_type:8s} build {build:7.1f} s  nlist '
                  f'{index.nlist:5d} nprobe {nprobe:3d}  search '
                  f'{1000 * elapsed / args.queries:8.3f} ms/query  '
                  f'recall {recall:.3f}  speed-up x'
                  f'{exact_time / elapsed:.1f}')


if __name__ == '__main__':
    main()
