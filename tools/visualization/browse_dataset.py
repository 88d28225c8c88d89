# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Save a grid of dataset samples AFTER the pipeline (what the model sees).

Examples::

    python tools/visualization/browse_dataset.py \\
        configs/_base_/datasets/sbir_mini.py --out grid.png
    python tools/visualization/browse_dataset.py --dataset SBIRMini \\
        --subset test --pipeline test --num 32 --out grid.png
    python tools/visualization/browse_dataset.py --dataset SketchPhotoFolder \\
        --data-root my_data --subset test --out grid.png

With a config, ``--subset train`` shows one batch drawn by the config's
sampler (e.g. the class-balanced pair sampler) when it has one.
"""
import argparse
import copy
import os
import os.path as osp
import sys

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope
from PIL import Image, ImageDraw

DEFAULT_PIPELINES = dict(
    train=[
        dict(type='LoadSBIRImage'),
        dict(type='StrokeWidth', radius_range=(-1, 2), prob=0.5),
        dict(type='RandomSketchAffine', prob=0.5),
        dict(type='mmcv.Resize', scale=(224, 224), keep_ratio=False),
        dict(type='mmcv.RandomFlip', prob=0.5, direction='horizontal'),
        dict(type='PackSBIRInputs'),
    ],
    test=[
        dict(type='LoadSBIRImage'),
        dict(type='mmcv.Resize', scale=(224, 224), keep_ratio=False),
        dict(type='PackSBIRInputs'),
    ])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Save a grid of samples after the data pipeline.')
    parser.add_argument('config', nargs='?', help='a config file')
    parser.add_argument('--dataset', help='registered dataset type')
    parser.add_argument('--data-root', help='data root (with --dataset)')
    parser.add_argument('--split', help='split (with --dataset)')
    parser.add_argument(
        '--subset', choices=['train', 'val', 'test'], default='train')
    parser.add_argument(
        '--modality', choices=['sketch', 'photo', 'both'], default='both')
    parser.add_argument(
        '--pipeline',
        choices=['train', 'test'],
        help='which pipeline (default: train for the train subset, else '
        'test)')
    parser.add_argument('--num', type=int, default=32, help='images shown')
    parser.add_argument('--cols', type=int, default=8, help='grid columns')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--out', required=True, help='output image (.png)')
    args = parser.parse_args(argv)
    if not args.config and not args.dataset:
        parser.error('give a CONFIG or --dataset')
    return args


def build(args):
    """Return ``(dataset, sampler or None)``."""
    from sketret.registry import DATA_SAMPLERS, DATASETS
    pipeline_name = args.pipeline or ('train'
                                      if args.subset == 'train' else 'test')
    sampler = None
    if args.config:
        cfg = Config.fromfile(args.config)
        loader = cfg.get(f'{args.subset}_dataloader')
        if loader is None:
            raise SystemExit(f'{args.config} has no {args.subset}_dataloader')
        ds_cfg = copy.deepcopy(loader['dataset'])
        pipeline = cfg.get(f'{pipeline_name}_pipeline',
                           DEFAULT_PIPELINES[pipeline_name])
        ds_cfg['pipeline'] = pipeline
        if args.modality != 'both':
            ds_cfg['modality'] = args.modality
        dataset = DATASETS.build(ds_cfg)
        sampler_cfg = loader.get('sampler')
        if (args.subset == 'train' and args.modality == 'both'
                and sampler_cfg is not None
                and sampler_cfg.get('type') != 'DefaultSampler'):
            sampler = DATA_SAMPLERS.build(
                copy.deepcopy(sampler_cfg),
                default_args=dict(dataset=dataset, seed=args.seed))
        return dataset, sampler
    ds_cfg = dict(
        type=args.dataset,
        subset=args.subset,
        modality=args.modality,
        pipeline=DEFAULT_PIPELINES[pipeline_name])
    if args.data_root:
        ds_cfg['data_root'] = args.data_root
    if args.split:
        ds_cfg['split'] = args.split
    return DATASETS.build(ds_cfg), None


def make_grid(samples, cols, cell=160, label_h=28):
    """``samples``: list of packed dicts -> PIL image."""
    rows = int(np.ceil(len(samples) / cols))
    grid = Image.new('RGB', (cols * cell, rows * (cell + label_h)),
                     (255, 255, 255))
    draw = ImageDraw.Draw(grid)
    for k, s in enumerate(samples):
        img = s['inputs'].permute(1, 2, 0).numpy()
        tile = Image.fromarray(img).resize((cell - 4, cell - 4),
                                           Image.BILINEAR)
        r, c = divmod(k, cols)
        x, y = c * cell, r * (cell + label_h)
        grid.paste(tile, (x + 2, y + 2))
        ds = s['data_samples']
        name = ds.class_name if ds.class_name is not None else 'distractor'
        tag = f'{ds.modality[:2]} {ds.gt_label}'
        if ds.is_seen is not None:
            tag += ' seen' if ds.is_seen else ' unseen'
        draw.text((x + 3, y + cell), name[:22], fill=(0, 0, 0))
        draw.text((x + 3, y + cell + 13), tag, fill=(90, 90, 90))
    return grid


def main(argv=None):
    args = parse_args(argv)
    init_default_scope('sketret')
    import sketret.datasets  # noqa: F401  (registers the components)
    np.random.seed(args.seed)  # the random augmentations
    dataset, sampler = build(args)
    if len(dataset) == 0:
        raise SystemExit('the dataset is empty')
    if sampler is not None:
        indices = list(sampler)[:min(args.num, sampler.batch_size)]
    else:
        rng = np.random.default_rng(args.seed)
        indices = sorted(
            rng.choice(len(dataset), min(args.num, len(dataset)),
                       replace=False).tolist(),
            key=lambda i: (dataset.get_data_info(i)['modality'] != 'sketch',
                           dataset.get_data_info(i)['gt_label'], i))
    samples = [dataset[i] for i in indices]
    grid = make_grid(samples, cols=max(1, args.cols))
    d = osp.dirname(osp.abspath(args.out))
    os.makedirs(d, exist_ok=True)
    grid.save(args.out)
    print(f'saved {len(samples)} samples ({dataset.metainfo["subset"]}, '
          f'{dataset.metainfo["modality"]}) to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
