# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Images per second through the TRAINING data pipeline on the bundled set.

Builds the train dataloader of a dataset config (default: the bundled
``sbir_mini`` config: class-balanced pair sampler, decode, sketch
augmentations, resize to 224, flip, pack) and times full epochs with 0 and
2 worker processes (persistent workers; their start-up is included in the
time, as a short training run pays it).

Example::

    python benchmarks/data_throughput.py
    python benchmarks/data_throughput.py --epochs 2 --workers 0 2 4
"""
import argparse
import copy
import os.path as osp
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
    return parser.parse_args()


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
