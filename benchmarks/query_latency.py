# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Latency of one sketch query against a 50,000-photo gallery on the CPU:
the search alone (exact faiss IndexFlatIP over 128-d embeddings) and
encode + search (the demo model embeds the sketch first).

    python benchmarks/query_latency.py [--gallery-size 50000] [--repeats 50]
    # the same model exported to ONNX, run by onnxruntime (no PyTorch)
    python tools/deployment/pytorch2onnx.py --model \
        bda-sketret_efficientnet-lite0_1xb32_sbir-mini --out-dir onnx_demo
    python benchmarks/query_latency.py --backend onnxruntime --onnx onnx_demo

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

CONFIG = ('configs/bda-sketret/'
          'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py')


def _ms(samples):
    samples = sorted(samples)
    return (1000 * statistics.median(samples),
            1000 * samples[int(0.95 * (len(samples) - 1))])


def add_backend_args(parser) -> None:
    """``--backend``, ``--onnx`` and ``--threads`` (shared with
    serve_load.py)."""
    parser.add_argument('--backend', default='torch',
                        choices=['torch', 'onnxruntime'])
    parser.add_argument('--onnx', metavar='EXPORT_DIR',
                        help='the exported model (--backend onnxruntime)')
    parser.add_argument('--threads', type=int, default=None,
                        help='intra-op threads of one forward pass, either '
                        'backend (default: the library\'s own)')


def check_backend_args(parser, args) -> None:
    if (args.backend == 'onnxruntime') != bool(args.onnx):
        parser.error('--backend onnxruntime needs --onnx EXPORT_DIR (from '
                     'tools/deployment/pytorch2onnx.py), and only it')
    if args.threads is not None and args.threads < 1:
        parser.error(f'--threads must be >= 1, got {args.threads}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--gallery-size', type=int, default=50_000)
    parser.add_argument('--dim', type=int, default=128)
    parser.add_argument('--repeats', type=int, default=50)
    parser.add_argument('--topk', type=int, default=10)
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--checkpoint', default=None,
                        help='default: the untrained model (same cost)')
    add_backend_args(parser)
    args = parser.parse_args()
    check_backend_args(parser, args)

    from sketret.apis import GalleryIndex, SketchRetriever
    from sketret.utils.assets import SBIR_MINI_ROOT

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

    if args.backend == 'onnxruntime':
        retriever = SketchRetriever.from_onnx(args.onnx,
                                              num_threads=args.threads)
        threads = (f'onnxruntime, {args.threads or "default"} threads, '
                   f'{os.cpu_count()} cores')
    else:
        import torch

        from sketret.apis import init_model
        torch.set_grad_enabled(False)
        if args.threads:
            torch.set_num_threads(args.threads)
        model = init_model(args.config, args.checkpoint, device='cpu')
        retriever = SketchRetriever(model)
        threads = f'torch, {torch.get_num_threads()} threads'
    sketch_dir = osp.join(SBIR_MINI_ROOT, 'sketch', 'guitar')
    sketch = osp.join(sketch_dir, sorted(os.listdir(sketch_dir))[0])
    for _ in range(3):
        retriever.encode([sketch], 'sketch')
    encode, full = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        emb = retriever.encode([sketch], 'sketch')
        t1 = time.perf_counter()
        index.search(emb, args.topk)
        encode.append(t1 - t0)
        full.append(time.perf_counter() - t0)

    s50, s95 = _ms(search)
    e50, e95 = _ms(encode)
    f50, f95 = _ms(full)
    print(f'gallery {args.gallery_size} x {args.dim}, top-{args.topk}, '
          f'{threads}, {args.repeats} repeats')
    print(f'search alone     median {s50:7.2f} ms  p95 {s95:7.2f} ms  '
          f'(target < 10 ms: {"met" if s50 < 10 else "NOT met"})')
    print(f'encode alone     median {e50:7.2f} ms  p95 {e95:7.2f} ms')
    print(f'encode + search  median {f50:7.2f} ms  p95 {f95:7.2f} ms  '
          f'(target < 100 ms: {"met" if f50 < 100 else "NOT met"})')


if __name__ == '__main__':
    main()
