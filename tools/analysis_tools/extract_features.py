# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Embed a large photo (or sketch) collection and stream the features to
disk, chunk by chunk, with progress: memory stays bounded by one chunk.

    python tools/analysis_tools/extract_features.py CONFIG CHECKPOINT \
        --images path/to/photos --modality photo --out feats_dir/

Writes ``feats_dir/features.npy`` (float32 ``(N, D)``, L2-normalised rows,
written through a memory map), ``feats_dir/paths.txt`` (one image per line)
and ``feats_dir/classes.txt`` (the class folder of each image, ``-`` when
none). Load with ``np.load('features.npy', mmap_mode='r')``; build a
searchable index with ``sketret.apis.GalleryIndex(features, paths,
index_type='ivf_flat')`` for millions of items.
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--images', required=True,
                        help='a folder (searched recursively; sketret '
                        'photo/<class>/ layouts are understood) or a text '
                        'file with one image path per line')
    parser.add_argument('--modality', default='photo',
                        choices=['photo', 'sketch'])
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument('--chunk-size', type=int, default=1024)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--device', default=None)
    parser.add_argument('--force', action='store_true',
                        help='replace the files of an existing --out')
    return parser.parse_args(argv)


def list_images(images):
    from sketret.apis import list_gallery_images
    if osp.isfile(images):
        with open(images, encoding='utf-8') as f:
            paths = [line.strip() for line in f if line.strip()]
        if not paths:
            raise ValueError(f'"{images}" lists no image')
        return paths, [None] * len(paths)
    return list_gallery_images(images)


def main(argv=None):
    args = parse_args(argv)
    feats_file = osp.join(args.out, 'features.npy')
    if osp.exists(feats_file) and not args.force:
        sys.exit(f'extract_features.py: error: "{feats_file}" exists; pass '
                 '--force to replace it')
    from mmengine.utils import ProgressBar

    from sketret.apis import SketchRetriever, init_model
    try:
        paths, classes = list_images(args.images)
        model = init_model(args.config, args.checkpoint, device=args.device)
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        sys.exit(f'extract_features.py: error: {err}')
    retriever = SketchRetriever(model, batch_size=args.batch_size)
    os.makedirs(args.out, exist_ok=True)
    first = retriever.encode(paths[:1], args.modality)
    out = np.lib.format.open_memmap(
        feats_file, mode='w+', dtype=np.float32,
        shape=(len(paths), first.shape[1]))
    bar = ProgressBar(len(paths))
    for start in range(0, len(paths), args.chunk_size):
        chunk = paths[start:start + args.chunk_size]
        out[start:start + len(chunk)] = retriever.encode(chunk,
                                                         args.modality)
        out.flush()
        for _ in chunk:
            bar.update()
    del out
    with open(osp.join(args.out, 'paths.txt'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(paths) + '\n')
    with open(osp.join(args.out, 'classes.txt'), 'w',
              encoding='utf-8') as f:
        f.write('\n'.join(c or '-' for c in classes) + '\n')
    print(f'\n{len(paths)} x {first.shape[1]} features -> {feats_file}')


if __name__ == '__main__':
    main()
