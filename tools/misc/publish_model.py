# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Make a small, shippable checkpoint: weights only (no optimizer state or
message hub), optionally stored in fp16 (loading restores fp32).

    python tools/misc/publish_model.py work_dirs/x/best.pth \
        model_zoo/bda-sketret/name.pth --fp16
"""
import argparse
import hashlib
import os.path as osp
import sys

import torch


def publish(src: str, dst: str, fp16: bool = False,
            force: bool = False) -> str:
    """Write the stripped checkpoint and return its sha256 (first 8)."""
    import sketret  # noqa: F401  (allow-list for weights_only loading)
    if not osp.isfile(src):
        raise FileNotFoundError(f'Checkpoint "{src}" does not exist.')
    if osp.exists(dst) and not force:
        raise FileExistsError(f'"{dst}" exists; pass --force to replace it.')
    ckpt = torch.load(src, map_location='cpu', weights_only=True)
    state = ckpt.get('state_dict', ckpt)
    if fp16:
        state = {
            k: v.half() if v.is_floating_point() else v
            for k, v in state.items()
        }
    meta = {k: v for k, v in ckpt.get('meta', {}).items()
            if k in ('epoch', 'iter', 'seed', 'experiment_name', 'cfg',
                     'mmengine_version', 'time', 'dataset_meta')}
    meta['stored_dtype'] = 'float16' if fp16 else 'float32'
    torch.save(dict(state_dict=state, meta=meta), dst)
    with open(dst, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()[:8]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src')
    parser.add_argument('dst')
    parser.add_argument('--fp16', action='store_true')
    parser.add_argument('--force', action='store_true')
    args = parser.parse_args(argv)
    try:
        sha = publish(args.src, args.dst, args.fp16, args.force)
    except (FileNotFoundError, FileExistsError) as err:
        sys.exit(f'publish_model.py: error: {err}')
    size = osp.getsize(args.dst) / 2**20
    print(f'{args.dst}: {size:.1f} MiB, sha256 {sha}')


if __name__ == '__main__':
    main()
