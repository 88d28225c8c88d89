# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Loading, sketch-only augmentations and packing, on real bundled images."""
import numpy as np
import pytest
import torch
from PIL import Image

from sketret.datasets import CorruptImageError, get_asset_path
from sketret.datasets.transforms import (
    LoadSBIRImage,
    PackSBIRInputs,
    RandomSketchAffine,
    StrokeWidth,
)
from sketret.registry import TRANSFORMS
from sketret.structures import SBIRDataSample

# a real Sketchy sketch (thin strokes) and a real photo of the bundled set
SKETCH = get_asset_path('sbir-mini', 'sketch', 'lobster',
                        'sempcyc_sketchy_13_query.png')
PHOTO = get_asset_path('sbir-mini', 'photo', 'lobster',
                       'sempcyc_sketchy_13_r01.jpg')


def load(path, modality, **kw):
    return LoadSBIRImage(**kw)(dict(img_path=path, modality=modality))


def dark(img):
    return int((img[:, :, 0] < 128).sum())


def test_load_sketch_three_channels_white_background():
    r = load(SKETCH, 'sketch')
    img = r['img']
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3
    assert r['img_shape'] == r['ori_shape'] == img.shape[:2]
    assert (img[:, :, 0] == img[:, :, 1]).all()
    assert (img[:, :, 0] == img[:, :, 2]).all()
    # white background: the border is white, most pixels are white, and
    # there are dark strokes
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    assert border.min() >= 250
    assert (img > 250).mean() > 0.8
    assert 0 < dark(img) < 0.2 * img.shape[0] * img.shape[1]


def test_load_photo_rgb_and_bgr():
    rgb = load(PHOTO, 'photo')['img']
    bgr = load(PHOTO, 'photo', color_order='bgr')['img']
    assert rgb.shape[2] == 3 and rgb.dtype == np.uint8
    assert np.abs(rgb[:, :, 0].astype(int) - rgb[:, :, 2]).mean() > 1
    np.testing.assert_array_equal(rgb[:, :, ::-1], bgr)
    with Image.open(PHOTO) as im:
        ref = np.asarray(im.convert('RGB'))
    np.testing.assert_array_equal(rgb, ref)


def test_transparent_sketch_stays_white(tmp_path):
    arr = np.zeros((20, 20, 4), np.uint8)  # black, fully transparent
    arr[10, :, 3] = 255  # one opaque black line
    path = str(tmp_path / 'alpha.png')
    Image.fromarray(arr, 'RGBA').save(path)
    img = load(path, 'sketch')['img']
    assert img[0, 0, 0] == 255 and img[10, 5, 0] == 0
    assert (img[:, :, 0] == 255).sum() == 20 * 19


def test_16bit_sketch_is_rescaled(tmp_path):
    arr = np.full((8, 8), 65535, np.uint16)
    arr[4] = 0
    path = str(tmp_path / 'deep.png')
    Image.fromarray(arr).save(path)
    img = load(path, 'sketch')['img']
    assert img[0, 0, 0] == 255 and img[4, 0, 0] == 0


def test_load_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.png'):
        load(str(tmp_path / 'nothing.png'), 'sketch')
    junk = tmp_path / 'junk.jpg'
    junk.write_bytes(b'not an image at all')
    with pytest.raises(CorruptImageError, match='junk.jpg'):
        load(str(junk), 'photo')
    with pytest.raises(KeyError, match='modality'):
        LoadSBIRImage()(dict(img_path=SKETCH))
    with pytest.raises(ValueError, match='modality'):
        load(SKETCH, 'video')


def test_decompression_bomb_guard():
    # 256 x 256 = 65,536 px > 10,000: refused from the header, not decoded
    with pytest.raises(CorruptImageError, match='max_pixels') as e:
        load(SKETCH, 'sketch', max_pixels=10_000)
    assert 'sempcyc_sketchy_13_query.png' in str(e.value)


def test_stroke_thickening_and_thinning_on_real_sketch():
    img = load(SKETCH, 'sketch')['img']
    thick = StrokeWidth.apply(img, 2)
    thin = StrokeWidth.apply(img, -1)
    assert thick.shape == img.shape and thick.dtype == np.uint8
    assert dark(thick) > 1.5 * dark(img)
    assert dark(thin) < dark(img)
    # the background stays white away from the strokes
    assert thick[0, 0, 0] == 255
    t = StrokeWidth(radius_range=(1, 1), prob=1.0)
    out = t(dict(img=img.copy(), modality='sketch'))['img']
    assert dark(out) > dark(img)


def test_sketch_only_transforms_leave_photos_alone():
    photo = load(PHOTO, 'photo')
    before = photo['img'].copy()
    for t in (StrokeWidth(radius_range=(2, 2), prob=1.0),
              RandomSketchAffine(prob=1.0, max_rotate=30)):
        out = t(dict(photo))
        np.testing.assert_array_equal(out['img'], before)


def test_random_affine_on_sketch_keeps_white_border():
    np.random.seed(0)
    img = load(SKETCH, 'sketch')['img']
    t = RandomSketchAffine(prob=1.0, max_rotate=20, scale=(0.7, 0.8),
                           max_translate=0.1)
    out = t(dict(img=img, modality='sketch'))['img']
    assert out.shape == img.shape
    assert not np.array_equal(out, img)
    assert out[0, 0, 0] == 255 and out[-1, -1, 0] == 255
    assert (out[:, :, 0] == out[:, :, 2]).all()


def test_pack_inputs_matches_design():
    results = load(SKETCH, 'sketch')
    results.update(gt_label=np.int64(3), class_name='lobster',
                   is_seen=None, sample_idx=7)
    packed = PackSBIRInputs()(results)
    assert set(packed) == {'inputs', 'data_samples'}
    x = packed['inputs']
    assert isinstance(x, torch.Tensor) and x.dtype == torch.uint8
    assert x.shape == (3, 256, 256)
    ds = packed['data_samples']
    assert isinstance(ds, SBIRDataSample)
    assert set(ds.metainfo_keys()) == {'modality', 'gt_label', 'class_name',
                                       'img_path', 'is_seen', 'sample_idx'}
    assert ds.gt_label == 3 and type(ds.gt_label) is int
    assert ds.modality == 'sketch' and ds.img_path == SKETCH
    assert ds.is_seen is None and ds.sample_idx == 7


def test_full_pipeline_from_registry():
    cfg = [
        dict(type='LoadSBIRImage'),
        dict(type='StrokeWidth', prob=1.0),
        dict(type='RandomSketchAffine', prob=1.0),
        dict(type='mmcv.Resize', scale=(224, 224), keep_ratio=False),
        dict(type='mmcv.RandomFlip', prob=1.0, direction='horizontal'),
        dict(type='PackSBIRInputs'),
    ]
    ts = [TRANSFORMS.build(c) for c in cfg]
    for path, modality in ((SKETCH, 'sketch'), (PHOTO, 'photo')):
        r = dict(img_path=path, modality=modality, gt_label=0,
                 class_name='lobster', sample_idx=0)
        for t in ts:
            r = t(r)
        assert r['inputs'].shape == (3, 224, 224)
        assert r['inputs'].dtype == torch.uint8
        assert r['data_samples'].modality == modality
