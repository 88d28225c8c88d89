# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Images per second through the TRAINING data pipeline on the bundled set.

Builds the train dataloader of a dataset config (default: the bundled
``sbir_mini`` config: class-balanced pair sampler, decode, sketch
augmentations, resize to 224, flip, pack) and times full epochs with 0 and
2 worker processes (persistent workers; their start-up is included in the
time, as a short training run pays it).

With ``--vector``, times instead the vector-sketch pipeline on one core
(``LoadStrokes`` -> ``RandomStrokeAffine`` -> ``RandomStrokeDropout`` ->
``StrokeWidthJitter`` -> ``RenderStrokes`` at 224 px -> ``PackSBIRInputs``,
every augmentation applied to every sketch) over SVG files: a folder (read
recursively) or a ``.tar.xz`` of SVGs (the first ``--num`` are extracted to
a temporary folder), by default the qd-imagenet drawings shipped in
``data/qd-imagenet``.

Example::

    python benchmarks/data_throughput.py
    python benchmarks/data_throughput.py --epochs 2 --workers 0 2 4
    python benchmarks/data_throughput.py --vector
"""
import argparse
import copy
import os
import os.path as osp
import tarfile
import tempfile
import time

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from torch.utils.data import DataLoader

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--config',
        default=osp.join(REPO, 'configs', '_base_', 'datasets',
                         'sbir_mini.py'),
        help='dataset config (default: the bundled sbir_mini)')
    parser.add_argument(
        '--workers', type=int, nargs='+', default=[0, 2],
        help='num_workers settings to time (default: 0 2)')
    parser.add_argument(
        '--epochs', type=int, default=1, help='epochs per setting')
    parser.add_argument(
        '--vector', nargs='?', const=DEFAULT_SVGS, default=None,
        metavar='PATH',
        help='time the vector-sketch pipeline on the SVGs of PATH (a folder '
        'or a .tar.xz; default: data/qd-imagenet/quickdraw_svg.tar.xz)')
    parser.add_argument(
        '--num', type=int, default=2000,
        help='SVG files to time with --vector (default 2000)')
    parser.add_argument(
        '--size', type=int, default=224,
        help='rendering size with --vector (default 224)')
    return parser.parse_args()


DEFAULT_SVGS = osp.join(REPO, 'data', 'qd-imagenet', 'quickdraw_svg.tar.xz')


def vector_pipeline(size):
    from mmengine.dataset import Compose
    return Compose([
        dict(type='LoadStrokes'),
        dict(type='RandomStrokeAffine', prob=1.0),
        dict(type='RandomStrokeDropout', prob=1.0),
        dict(type='StrokeWidthJitter', prob=1.0),
        dict(type='RenderStrokes', size=size, margin=size / 14),
        dict(type='PackSBIRInputs'),
    ])


def svg_files(path, num, tmp):
    """Up to ``num`` SVG paths from a folder or a .tar.xz (extracted)."""
    if osp.isdir(path):
        found = sorted(
            osp.join(d, f) for d, _, names in os.walk(path) for f in names
            if f.lower().endswith('.svg'))
        return found[:num]
    if not osp.isfile(path):
        raise SystemExit(f'--vector: no folder or file "{path}"')
    out = []
    with tarfile.open(path) as tar:
        for member in tar:
            if member.isfile() and member.name.endswith('.svg'):
                dest = osp.join(tmp, f'{len(out):06d}.svg')
                with tar.extractfile(member) as src, open(dest, 'wb') as f:
                    f.write(src.read())
                out.append(dest)
                if len(out) >= num:
                    break
    return out


def time_vector(args):
    import numpy as np
    pipeline = vector_pipeline(args.size)
    with tempfile.TemporaryDirectory() as tmp:
        files = svg_files(args.vector, args.num, tmp)
        if not files:
            raise SystemExit(f'--vector: no .svg file in "{args.vector}"')
        np.random.seed(0)
        for f in files[:50]:  # warm-up
            pipeline(dict(img_path=f, modality='sketch'))
        times = []
        for _ in range(args.epochs):
            for f in files:
                t0 = time.perf_counter()
                pipeline(dict(img_path=f, modality='sketch'))
                times.append(time.perf_counter() - t0)
    times = np.asarray(times)
    print(f'vector sketches (read SVG, affine + stroke dropout + width '
          f'jitter, render {args.size} px, pack), one process, 1 thread: '
          f'{len(times)} in {times.sum():.2f} s = '
          f'{len(times) / times.sum():.1f} sketches/s; median '
          f'{np.median(times) * 1e3:.3f} ms per sketch = '
          f'{1 / np.median(times):.1f} sketches/s (the median is robust to '
          'other processes taking the core)')


def time_loader(cfg, num_workers, epochs):
    from sketret.registry import DATA_SAMPLERS, DATASETS
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    dataset = DATASETS.build(loader_cfg.dataset)
    sampler = DATA_SAMPLERS.build(
        loader_cfg.sampler, default_args=dict(dataset=dataset, seed=0))
    batch_sampler = DATA_SAMPLERS.build(
        loader_cfg.batch_sampler,
        default_args=dict(sampler=sampler, batch_size=loader_cfg.batch_size))
    loader = DataLoader(
        dataset,
        batch_sampler=batch_sampler,
        num_workers=num_workers,
        persistent_workers=num_workers > 0,
        collate_fn=pseudo_collate)
    images = 0
    start = time.perf_counter()
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for batch in loader:
            images += len(batch['inputs'])
    return images, time.perf_counter() - start


def main():
    args = parse_args()
    init_default_scope('sketret')
    import sketret.datasets  # noqa: F401
    torch.set_num_threads(1)
    if args.vector is not None:
        time_vector(args)
        return
    cfg = Config.fromfile(args.config)
    rates = {}
    for w in args.workers:
        images, secs = time_loader(cfg, w, args.epochs)
        rates[w] = images / secs
        print(f'num_workers={w}: {images} images in {secs:.2f} s = '
              f'{rates[w]:.1f} images/s')
    if len(rates) >= 2:
        base = args.workers[0]
        for w in args.workers[1:]:
            print(f'ratio num_workers={w} / num_workers={base}: '
                  f'{rates[w] / rates[base]:.2f}x')


if __name__ == '__main__':
    main()
