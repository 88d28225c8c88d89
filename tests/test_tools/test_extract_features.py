# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import os
import os.path as osp

import numpy as np
import torch
from sketret_testing import REPO_ROOT

REF_CFG = osp.join(REPO_ROOT, 'configs', 'reference',
                   'imagenet-features_efficientnet-lite0_sbir-mini.py')


def test_streamed_features_equal_in_memory_ones(tool, tmp_path):
    from sketret.apis import SketchRetriever, init_model
    from sketret.datasets import SBIR_MINI_ROOT
    model = init_model(REF_CFG, None, device='cpu')
    ckpt = tmp_path / 'ref.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    folder = osp.join(SBIR_MINI_ROOT, 'photo', 'pear')
    paths = [osp.join(folder, f) for f in sorted(os.listdir(folder))[:5]]
    listing = tmp_path / 'list.txt'
    listing.write_text('\n'.join(paths))
    out = tmp_path / 'feats'
    # chunks of 2 over 5 images: three chunks, the last one short
    tool('analysis_tools/extract_features.py', REF_CFG, ckpt, '--images',
         listing, '--out', out, '--chunk-size', 2, '--device', 'cpu')
    feats = np.load(out / 'features.npy', mmap_mode='r')
    expected = SketchRetriever(model).encode(paths, 'photo')
    np.testing.assert_allclose(feats, expected, atol=1e-5)
    assert (out / 'paths.txt').read_text().split() == paths
    proc = tool('analysis_tools/extract_features.py', REF_CFG, ckpt,
                '--images', listing, '--out', out, check=False)
    assert proc.returncode != 0 and 'exists' in proc.stderr
