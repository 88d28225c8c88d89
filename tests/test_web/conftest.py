# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Shared fixtures of the sketch-pad tests: one small real model (the demo
config, ImageNet EfficientNet weights, 64 px input) and a 20-photo gallery
from the bundled set, built once per test session."""
import glob
import os.path as osp
import shutil

import pytest
from web_helpers import CONFIG, PHOTOS_PER_CLASS, SMALL_INPUT

from sketret.datasets.assets import SBIR_MINI_ROOT


@pytest.fixture(scope='session')
def small_model():
    import torch

    from sketret.apis import init_model
    # the heads are not pretrained: seed them (without touching the RNG of
    # other tests) so that every run ranks alike
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return init_model(CONFIG, device='cpu', cfg_options=SMALL_INPUT)


@pytest.fixture(scope='session')
def retriever(small_model):
    from sketret.apis import SketchRetriever
    return SketchRetriever(small_model, model_name='test-model')


@pytest.fixture(scope='session')
def gallery_dir(tmp_path_factory):
    """20 bundled photos (2 per class) in sketret's photo/<class>/ layout.
    """
    root = tmp_path_factory.mktemp('gallery')
    for cls_dir in sorted(glob.glob(osp.join(SBIR_MINI_ROOT, 'photo', '*'))):
        cls = osp.basename(cls_dir)
        dst = root / 'photo' / cls
        dst.mkdir(parents=True)
        for src in sorted(glob.glob(osp.join(cls_dir,
                                             '*.jpg')))[:PHOTOS_PER_CLASS]:
            shutil.copy(src, dst)
    return str(root)


@pytest.fixture(scope='session')
def gallery_index(retriever, gallery_dir):
    return retriever.build_index(gallery_dir)


@pytest.fixture(scope='session')
def checkpoint(small_model, tmp_path_factory):
    """The small model's weights as a checkpoint file (ImageNet-pretrained
    EfficientNet, not fine-tuned: a real model, just not a trained one)."""
    import torch
    path = tmp_path_factory.mktemp('ckpt') / 'model.pth'
    torch.save({'state_dict': small_model.state_dict()}, path)
    return str(path)
