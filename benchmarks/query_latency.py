# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Latency of one sketch query against a 50,000-photo gallery on the CPU:
the search alone (exact faiss IndexFlatIP over 128-d embeddings) and
encode + search (the demo model embeds the sketch first).

    python benchmarks/query_latency.py [--gallery-size 50000] [--repeats 50]

The gallery embeddings are synthetic unit vectors (encoding 50k photos is
not what is measured here); the sketch is a real one of the bundled set.
The targets of the model-zoo issue are printed next to the medians.
"""
import argparse
import os
import os.path as osp
import statistics
import time

import numpy as np
import torch

CONFIG = ('configs/bda-sketret/'
          'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py')


def _ms(samples):
    samples = sorted(samples)
    return (1000 * statistics.median(samples),
            1000 * samples[int(0.95 * (len(samples) - 1))])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--gallery-size', type=int, default=50_000)
    parser.add_argument('--dim', type=int, default=128)
    parser.add_argument('--repeats', type=int, default=50)
    parser.add_argument('--topk', type=int, default=10)
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--checkpoint', default=None,
                        help='default: the untrained model (same cost)')
    args = parser.parse_args()

    from sketret.apis import GalleryIndex, SketchRetriever, init_model
    from sketret.datasets import SBIR_MINI_ROOT

    rng = np.random.default_rng(0)
    feats = rng.standard_normal((args.gallery_size, args.dim),
                                dtype=np.float32)
    feats /= np.linalg.norm(feats, axis=1, keepdims=True)
    index = GalleryIndex(feats, [''] * args.gallery_size)
    query = feats[:1] + 0.01

    for _ in range(5):
        index.search(query, args.topk)
    search = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        index.search(query, args.topk)
        search.append(time.perf_counter() - t0)

    model = init_model(args.config, args.checkpoint, device='cpu')
    retriever = SketchRetriever(model)
    sketch_dir = osp.join(SBIR_MINI_ROOT, 'sketch', 'guitar')
    sketch = osp.join(sketch_dir, sorted(os.listdir(sketch_dir))[0])
    with torch.inference_mode():
        for _ in range(3):
            retriever.encode([sketch], 'sketch')
        full = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            emb = retriever.encode([sketch], 'sketch')
            index.search(emb, args.topk)
            full.append(time.perf_counter() - t0)

    s50, s95 = _ms(search)
    f50, f95 = _ms(full)
    print(f'gallery {args.gallery_size} x {args.dim}, top-{args.topk}, '
          f'{torch.get_num_threads()} threads, {args.repeats} repeats')
    print(f'search alone     median {s50:7.2f} ms  p95 {s95:7.2f} ms  '
          f'(target < 10 ms: {"met" if s50 < 10 else "NOT met"})')
    print(f'encode + search  median {f50:7.2f} ms  p95 {f95:7.2f} ms  '
          f'(target < 100 ms: {"met" if f50 < 100 else "NOT met"})')


if __name__ == '__main__':
    main()
