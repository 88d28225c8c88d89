# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Vector sketches: readers, renderer, transforms (values worked out by
hand)."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from sketret.datasets.image_io import CorruptImageError, read_sbir_image
from sketret.datasets.transforms import (
    LoadStrokes,
    RandomStrokeAffine,
    RandomStrokeDropout,
    RenderStrokes,
    StrokeWidthJitter,
)
from sketret.structures import strokes as S

# The layout of the converter that wrote the qd-imagenet files (namespace
# attributes after the closing '>' of <svg ...>), relative and absolute
# commands, implicit linetos, H/V/Z, a polyline and a curve-free polygon.
SVG = '''<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<svg width="600" height="400"
\txmlns="http://www.w3.org/2000/svg">
\txmlns:quickdraw="https://quickdraw.withgoogle.com/data">
\t<rect width="100%" height="100%" fill="white" />
\t<path d = "M 10.5 20 L 30 40 L 50.25 0.00" stroke="black"/>
\t<path d="m 1 2 l 3 4 5 6 M 7 8 h 2 v 3 z" stroke-width="2.5"/>
\t<polyline points="0,0 5,5 10,0" style="stroke-width:4"/>
</svg>
'''


def write(tmp_path, name, text):
    path = osp.join(str(tmp_path), name)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return path


def pts(strokes):
    return [p.tolist() for p in strokes.points]


def test_read_svg(tmp_path):
    s = S.read_svg(write(tmp_path, 'a.svg', SVG))
    assert s.canvas_size == (600.0, 400.0)
    assert pts(s) == [
        [[10.5, 20.0], [30.0, 40.0], [50.25, 0.0]],
        # m 1 2 -> (1, 2); l 3 4 -> (4, 6); implicit l 5 6 -> (9, 12)
        [[1.0, 2.0], [4.0, 6.0], [9.0, 12.0]],
        # M 7 8, h 2 -> (9, 8), v 3 -> (9, 11), z back to (7, 8)
        [[7.0, 8.0], [9.0, 8.0], [9.0, 11.0], [7.0, 8.0]],
        [[0.0, 0.0], [5.0, 5.0], [10.0, 0.0]],
    ]
    assert s.widths.tolist() == [1.0, 2.5, 2.5, 4.0]
    assert all(p.dtype == np.float32 for p in s.points)


def test_read_svg_errors(tmp_path):
    bad = write(tmp_path, 'c.svg', '<svg><path d="M 0 0 C 1 1 2 2 3 3"/>'
                '</svg>')
    with pytest.raises(S.StrokeFormatError, match=r'c\.svg.*\'C\''):
        S.read_svg(bad)
    with pytest.raises(CorruptImageError, match=r'c\.svg'):
        read_sbir_image(bad, 'sketch')
    empty = write(tmp_path, 'e.svg', '<svg width="9" height="9"></svg>')
    with pytest.raises(CorruptImageError, match='no stroke'):
        read_sbir_image(empty, 'sketch')
    with pytest.raises(CorruptImageError, match='photo'):
        read_sbir_image(write(tmp_path, 'p.svg', SVG), 'photo')


def test_svg_round_trip(tmp_path):
    s = S.Strokes([[[1, 2], [3.5, 4]], [[0, 0]]], canvas_size=(8, 6))
    path = osp.join(str(tmp_path), 'w.svg')
    S.write_svg(s, path)
    back = S.read_svg(path)
    assert pts(back) == [[[1.0, 2.0], [3.5, 4.0]], [[0.0, 0.0]]]
    assert back.canvas_size == (8.0, 6.0)
    with pytest.raises(FileExistsError):  # never overwrites
        S.write_svg(s, path)


def test_read_ndjson(tmp_path):
    rows = [
        dict(word='cat', key_id='11', drawing=[[[0, 10], [5, 5]]]),
        dict(word='cat', key_id='22',
             drawing=[[[1, 2, 3], [4, 5, 6]], [[7], [8]]]),
    ]
    path = write(tmp_path, 'cat.ndjson',
                 '\n'.join(json.dumps(r) for r in rows) + '\n')
    s = S.read_ndjson(path, index=1)
    assert pts(s) == [[[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]], [[7.0, 8.0]]]
    assert s.meta['key_id'] == '22' and s.canvas_size == (256.0, 256.0)
    assert pts(S.read_ndjson(path, key_id=11)) == [[[0.0, 5.0],
                                                    [10.0, 5.0]]]
    assert [len(d) for d in S.iter_ndjson(path)] == [1, 2]
    with pytest.raises(KeyError, match='key_id 33'):
        S.read_ndjson(path, key_id=33)
    bad = write(tmp_path, 'bad.ndjson', '{"drawing": [[[1, 2], [3]]]}\n')
    with pytest.raises(S.StrokeFormatError, match='line 1'):
        S.read_ndjson(bad, index=0)


def test_read_stroke3(tmp_path):
    # (dx, dy, lift): (1,2) (4,2)| (4,1) (6,3)|
    a = np.array([[1, 2, 0], [3, 0, 1], [0, -1, 0], [2, 2, 1]], np.int16)
    b = np.array([[5, 5, 1]], np.int16)
    ragged = np.empty(2, dtype=object)
    ragged[0], ragged[1] = a, b
    path = osp.join(str(tmp_path), 'cat.npz')
    np.savez(path, train=ragged, valid=ragged[:1], test=ragged[1:])
    with pytest.raises(S.StrokeFormatError, match='allow_pickle'):
        S.read_stroke3(path)
    s = S.read_stroke3(path, 'train', 0, allow_pickle=True)
    assert pts(s) == [[[1.0, 2.0], [4.0, 2.0]], [[4.0, 1.0], [6.0, 3.0]]]
    assert pts(S.read_stroke3(path, 'test', 0, allow_pickle=True)) == [
        [[5.0, 5.0]]]
    np.testing.assert_array_equal(S.strokes_to_stroke3(s), a)
    with pytest.raises(KeyError, match='nope'):
        S.read_stroke3(path, 'nope', allow_pickle=True)


def test_render_horizontal_line_pixels():
    # 11 px canvas, 1 px margin: the 8-unit line spans pixel centres 1..9
    # (scale (11 - 1 - 2) / 8 = 1) on the middle row 5.
    img = S.render_strokes([np.array([[0, 0], [8, 0]])], size=11, margin=1,
                           line_width=1, antialias=False)
    expected = np.full((11, 11), 255, np.uint8)
    expected[5, 1:10] = 0
    np.testing.assert_array_equal(img, expected)
    # 3 px wide: rows 4..6 inked along the line, rows 3 and 7 untouched
    img = S.render_strokes([np.array([[0, 0], [8, 0]])], size=11, margin=1,
                           line_width=3, antialias=False)
    assert (img[4:7, 1:10] == 0).all()
    assert (img[[0, 1, 2, 3, 7, 8, 9, 10]] == 255).all()


def test_render_keeps_aspect_and_affine():
    # a vertical line 4 long next to a point: the longer side (y) is
    # scaled by (9 - 1 - 0) / 4 = 2; x centred: the line at x = 4
    img = S.render_strokes([np.array([[0, 0], [0, 4]])], size=9, margin=0,
                           line_width=1, antialias=False)
    ys, xs = np.nonzero(img == 0)
    assert set(xs.tolist()) == {4} and sorted(ys.tolist()) == list(range(9))
    # scale 0.5 about the centre (5): columns 1..9 -> 3..7
    img = S.render_strokes([np.array([[0, 0], [8, 0]])], size=11, margin=1,
                           line_width=1, antialias=False,
                           affine=S.affine_matrix(scale=(0.5, 0.5)))
    ys, xs = np.nonzero(img == 0)
    assert set(ys.tolist()) == {5} and sorted(xs.tolist()) == [3, 4, 5, 6, 7]
    # a one-point stroke is a dot
    img = S.render_strokes([np.array([[2, 2]])], size=9, margin=0,
                           line_width=1, antialias=False)
    assert np.argwhere(img == 0).tolist() == [[4, 4]]
    assert (S.render_strokes([], size=5) == 255).all()


def test_pad_and_file_render_the_same(tmp_path):
    from sketret.apis.server import _strokes_to_image
    drawn = [[[40, 50], [120, 60], [200, 170]], [[60, 200], [180, 210]],
             [[90, 90]]]
    pad = np.asarray(_strokes_to_image(
        dict(strokes=drawn, width=256, height=256, line_width=3)))
    path = osp.join(str(tmp_path), 'same.svg')
    S.write_svg(S.Strokes(drawn), path)
    # the file read as an image, and through the stroke pipeline
    from_file = read_sbir_image(path, 'sketch')
    assert from_file.shape == (256, 256, 3)
    np.testing.assert_array_equal(from_file[:, :, 0], pad)
    results = RenderStrokes(size=256, line_width=3)(
        LoadStrokes()(dict(img_path=path, modality='sketch')))
    np.testing.assert_array_equal(results['img'][:, :, 1], pad)
    assert (pad == 0).sum() > 500  # something was drawn


def test_load_strokes_dispatch(tmp_path):
    svg = write(tmp_path, 's.svg', SVG)
    png = osp.join(str(tmp_path), 's.png')
    Image.new('L', (7, 5), 0).save(png)
    out = LoadStrokes()(dict(img_path=svg, modality='sketch'))
    assert isinstance(out['strokes'], S.Strokes) and 'img' not in out
    out = LoadStrokes()(dict(img_path=png, modality='sketch'))
    assert out['img'].shape == (5, 7, 3) and 'strokes' not in out
    # raster samples pass the stroke transforms unchanged
    same = RenderStrokes(size=16)(StrokeWidthJitter(prob=1)(
        RandomStrokeDropout(prob=1)(RandomStrokeAffine(prob=1)(out))))
    assert same['img'].shape == (5, 7, 3)
    out = RenderStrokes(size=32, margin=2)(
        LoadStrokes()(dict(img_path=svg, modality='sketch')))
    assert out['img'].shape == (32, 32, 3) and out['img_shape'] == (32, 32)
    assert out['img'].dtype == np.uint8 and 'strokes' not in out


def test_stroke_augmentations():
    np.random.seed(0)
    s = S.Strokes([[[0, 0], [1, 0]], [[0, 1], [3, 1]], [[0, 2], [1, 2]]])
    out = RandomStrokeDropout(prob=1, drop_ratio=0.999)(dict(strokes=s))
    # all would be dropped: the longest (3 units, but 2 points) stays
    assert len(out['strokes']) == 1
    out = StrokeWidthJitter((2, 2), prob=1)(dict(strokes=s))
    assert out['line_width_factor'] == 2
    thin = RenderStrokes(size=40, line_width=1, antialias=False)(
        dict(strokes=s))['img']
    wide = RenderStrokes(size=40, line_width=1, antialias=False)(
        StrokeWidthJitter((3, 3), prob=1)(dict(strokes=s)))['img']
    assert (wide == 0).sum() > 2 * (thin == 0).sum()
    out = RandomStrokeAffine(prob=1)(dict(strokes=s))
    assert out['stroke_affine'].shape == (2, 3)
    with pytest.raises(ValueError, match='scale'):
        RandomStrokeAffine(scale=(1.2, 1.0))


def test_strokes_module_is_torch_free():
    path = S.__file__
    code = ('import importlib.util, sys\n'
            f'spec = importlib.util.spec_from_file_location("s", {path!r})\n'
            'm = importlib.util.module_from_spec(spec)\n'
            'spec.loader.exec_module(m)\n'
            'm.render_strokes([[[0, 0], [1, 1]]], 8, 1)\n'
            'print(sorted(k for k in ("torch", "mmengine", "mmcv") '
            'if k in sys.modules))\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == '[]'
