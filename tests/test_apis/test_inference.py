# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Inference API on the bundled real images with a small input size."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from sketret.apis import (
    GalleryIndex,
    SketchRetriever,
    init_model,
    load_state_dict_strict,
)
from sketret.datasets import SBIR_MINI_ROOT

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REF_CFG = osp.join(REPO, 'configs', 'reference',
                   'imagenet-features_efficientnet-lite0_sbir-mini.py')
DEMO_CFG = osp.join(REPO, 'configs', 'bda-sketret',
                    'bda-sketret_efficientnet-lite0_1xb32_sbir-mini.py')
SMALL = {'test_dataloader.dataset.pipeline.1.scale': (64, 64)}


def _photos(cls, n):
    folder = osp.join(SBIR_MINI_ROOT, 'photo', cls)
    return [osp.join(folder, f) for f in sorted(os.listdir(folder))[:n]]


def _sketch(cls, i=0):
    folder = osp.join(SBIR_MINI_ROOT, 'sketch', cls)
    return osp.join(folder, sorted(os.listdir(folder))[i])


@pytest.fixture(scope='module')
def retriever():
    model = init_model(REF_CFG, None, device='cpu', cfg_options=SMALL)
    return SketchRetriever(model, model_name='reference', batch_size=8)


@pytest.fixture(scope='module')
def gallery_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp('gallery')
    for cls in ('guitar', 'pear'):
        os.makedirs(root / 'photo' / cls)
        for p in _photos(cls, 3):
            shutil.copy(p, root / 'photo' / cls)
    os.makedirs(root / 'distractor')
    shutil.copy(osp.join(SBIR_MINI_ROOT, 'distractor',
                         sorted(os.listdir(osp.join(SBIR_MINI_ROOT,
                                                    'distractor')))[0]),
                root / 'distractor')
    os.makedirs(root / 'sketch' / 'guitar')  # must be ignored
    shutil.copy(_sketch('guitar'), root / 'sketch' / 'guitar')
    return str(root)


def test_path_pil_and_array_give_the_same_embedding(retriever):
    path = _sketch('pear')
    with Image.open(path) as im:
        pil = im.copy()
    arr = np.asarray(pil)
    feats = retriever.encode([path, pil, arr], 'sketch')
    assert feats.shape == (3, 1280)
    np.testing.assert_allclose(np.linalg.norm(feats, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(feats[0], feats[1], atol=1e-6)
    np.testing.assert_allclose(feats[0], feats[2], atol=1e-6)


def test_gallery_from_folder(retriever, gallery_dir):
    index = retriever.build_index(gallery_dir)
    assert len(index) == 7  # 6 class photos + 1 distractor, no sketch
    assert index.class_names == ['guitar', 'pear']
    assert sorted(index.labels.tolist()) == [-1, 0, 0, 0, 1, 1, 1]
    # a gallery photo used as the query finds itself first
    for i in (0, 4, 6):
        query = retriever.encode([index.paths[i]], 'photo')
        _, ids = index.search(query, topk=1)
        assert ids[0, 0] == i
    hits = retriever.search(_sketch('guitar'), index, topk=3)
    assert len(hits) == 3
    assert hits[0]['score'] >= hits[1]['score'] >= hits[2]['score']
    assert {'path', 'score', 'class_name', 'label'} <= set(hits[0])


def test_saved_index_gives_identical_results(retriever, gallery_dir,
                                             tmp_path):
    index = retriever.build_index(gallery_dir)
    before = retriever.search(_sketch('pear'), index, topk=5)
    index.save(str(tmp_path / 'idx'))
    after = retriever.search(_sketch('pear'),
                             GalleryIndex.load(str(tmp_path / 'idx')),
                             topk=5)
    assert before == after


def test_index_of_another_model_is_refused(retriever, gallery_dir):
    index = retriever.build_index(_photos('guitar', 2))
    other = init_model(REF_CFG, None, device='cpu', cfg_options=SMALL)
    with torch.no_grad():
        next(other.parameters()).add_(1.0)
    with pytest.raises(ValueError, match='built by another model'):
        SketchRetriever(other).search(_sketch('guitar'), index)


def test_bad_input(retriever, tmp_path):
    with pytest.raises(ValueError, match='holds no images'):
        retriever.build_index(str(tmp_path))
    with pytest.raises(FileNotFoundError, match='does not exist'):
        retriever.build_index(str(tmp_path / 'nope'))
    bad = tmp_path / 'bad.png'
    bad.write_bytes(b'not an image')
    with pytest.raises(ValueError, match='bad.png'):
        retriever.encode([str(bad)], 'sketch')
    with pytest.raises(ValueError, match="'sketch' or 'photo'"):
        retriever.encode([_sketch('pear')], 'drawing')


def test_checkpoint_that_does_not_match(tmp_path):
    path = tmp_path / 'other.pth'
    torch.save({'state_dict': {'foo.weight': torch.zeros(2)}}, path)
    with pytest.raises(RuntimeError, match='missing in checkpoint: .*'
                       'unexpected in checkpoint: foo.weight'):
        init_model(REF_CFG, str(path), device='cpu')
    with pytest.raises(FileNotFoundError, match='does not exist'):
        init_model(REF_CFG, str(tmp_path / 'none.pth'), device='cpu')


def test_fp16_checkpoint_restores_fp32(tmp_path):
    model = init_model(REF_CFG, None, device='cpu', cfg_options=SMALL)
    state = {k: v.half() if v.is_floating_point() else v
             for k, v in model.state_dict().items()}
    torch.save({'state_dict': state}, tmp_path / 'half.pth')
    fresh = init_model(REF_CFG, None, device='cpu', cfg_options=SMALL)
    load_state_dict_strict(fresh, str(tmp_path / 'half.pth'))
    for key, value in fresh.state_dict().items():
        if value.is_floating_point():
            assert value.dtype == torch.float32, key
            assert torch.equal(value, state[key].float()), key


def test_svg_sketch_is_rendered_by_the_config(tmp_path):
    """A config whose pipeline renders strokes (qd-imagenet) renders .svg
    queries itself; one without (sbir-mini) gets the renderer's default
    picture, as LoadSBIRImage does."""
    from sketret.structures.strokes import render_strokes, write_svg
    drawn = [[[10, 10], [90, 20], [50, 80]], [[20, 70], [80, 75]]]
    path = str(tmp_path / 'q.svg')
    write_svg(drawn, path)
    qd_cfg = osp.join(REPO, 'configs', 'reference',
                      'imagenet-features_efficientnet-lite0_qd-imagenet.py')
    model = init_model(qd_cfg, None, device='cpu')
    qd = SketchRetriever(model, batch_size=2)
    # the qd-imagenet test pipeline: RenderStrokes(160, margin 12, 3 px)
    same = render_strokes(drawn, 160, 12, 3)
    feats = qd.encode([path, same], 'sketch')
    np.testing.assert_allclose(feats[0], feats[1], atol=1e-6)
    ref = SketchRetriever(model, batch_size=2, pipeline=[
        dict(type='mmcv.Resize', scale=(160, 160), keep_ratio=False),
        dict(type='PackSBIRInputs')
    ])
    feats = ref.encode([path, render_strokes(drawn)], 'sketch')
    np.testing.assert_allclose(feats[0], feats[1], atol=1e-6)
