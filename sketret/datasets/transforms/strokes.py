# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Transforms for vector sketches: load strokes, augment them, render.

A pipeline ``LoadStrokes -> (stroke augmentations) -> RenderStrokes`` reads
vector sketches (``.svg``) as strokes and raster sketches and photos as
images (:class:`LoadSBIRImage`), so both kinds may mix in one dataset. The
stroke transforms leave samples without strokes unchanged; after
:class:`RenderStrokes` every sample has the ``(H, W, 3)`` uint8 ``img`` of
:class:`LoadSBIRImage`.
"""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from sketret.registry import TRANSFORMS
from sketret.structures.strokes import (
    DEFAULT_LINE_WIDTH,
    DEFAULT_MARGIN,
    DEFAULT_SIZE,
    affine_matrix,
    drop_strokes,
    render_strokes,
)

from ..image_io import DEFAULT_MAX_PIXELS, read_sketch_strokes
from .loading import LoadSBIRImage

__all__ = [
    'LoadStrokes', 'RandomStrokeAffine', 'RandomStrokeDropout',
    'StrokeWidthJitter', 'RenderStrokes'
]


def _check_prob(prob: float) -> float:
    if not 0 <= prob <= 1:
        raise ValueError(f'prob must be in [0, 1], got {prob}')
    return float(prob)


def _check_range(name: str, rng: Sequence[float],
                 low: float = 0.0) -> Tuple[float, float]:
    if len(rng) != 2 or not low < rng[0] <= rng[1]:
        raise ValueError(f'{name} must be (low, high) with {low} < low <= '
                         f'high, got {rng}')
    return float(rng[0]), float(rng[1])


@TRANSFORMS.register_module()
class LoadStrokes(LoadSBIRImage):
    """Load a sketch as strokes when it is a vector file, else as an image.

    ``.svg`` sketches (:data:`~sketret.structures.strokes.
    VECTOR_SKETCH_EXTENSIONS`) become ``results['strokes']``
    (:class:`~sketret.structures.strokes.Strokes`); every other file
    (raster sketches, photos) is decoded exactly as by
    :class:`LoadSBIRImage`. A vector file that cannot be parsed or has no
    stroke raises :class:`~sketret.datasets.image_io.CorruptImageError`
    naming it.

    Required keys: ``img_path``, ``modality``.
    Added keys: ``strokes`` (vector sketches) or ``img``, ``img_shape``,
    ``ori_shape`` (others).

    Args:
        color_order (str): See :class:`LoadSBIRImage`.
        max_pixels (int): See :class:`LoadSBIRImage`.
    """

    def __init__(self,
                 color_order: str = 'rgb',
                 max_pixels: int = DEFAULT_MAX_PIXELS):
        super().__init__(color_order=color_order, max_pixels=max_pixels)

    def transform(self, results: dict) -> dict:
        strokes = read_sketch_strokes(results.get('img_path', ''),
                                      results.get('modality'))
        if strokes is None:
            return super().transform(results)
        results['strokes'] = strokes
        return results


@TRANSFORMS.register_module()
class RandomStrokeAffine(BaseTransform):
    """Random rotation, scale, shear and translation of a vector sketch,
    applied exactly to the stroke coordinates when it is rendered (the
    counterpart of :class:`RandomSketchAffine` for raster sketches, with
    the same parameters: after fitting to the canvas, about its centre).
    Samples without strokes pass unchanged.

    Required keys: ``strokes`` (else a no-op). Added keys:
    ``stroke_affine`` (2 x 3, translation in fractions of the canvas; see
    :func:`~sketret.structures.strokes.render_strokes`).

    Args:
        prob (float): Probability of applying. Defaults to 0.5.
        max_rotate (float): Degrees, uniform in ``[-max, max]``.
            Defaults to 10.
        scale (tuple[float, float]): Uniform scale range. Defaults to
            ``(0.85, 1.1)``.
        max_shear (float): Degrees of horizontal shear. Defaults to 5.
        max_translate (float): Fraction of the canvas. Defaults to 0.05.

    All defaults chosen by sketret (as :class:`RandomSketchAffine`).
    """

    def __init__(self,
                 prob: float = 0.5,
                 max_rotate: float = 10.0,
                 scale: Sequence[float] = (0.85, 1.1),
                 max_shear: float = 5.0,
                 max_translate: float = 0.05):
        self.prob = _check_prob(prob)
        self.max_rotate = float(max_rotate)
        self.scale = _check_range('scale', scale)
        self.max_shear = float(max_shear)
        self.max_translate = float(max_translate)

    def transform(self, results: dict) -> dict:
        if 'strokes' not in results or np.random.rand() >= self.prob:
            return results
        s = np.random.uniform(*self.scale)
        m = affine_matrix(
            rotate=np.random.uniform(-self.max_rotate, self.max_rotate),
            scale=(s, s),
            shear=np.random.uniform(-self.max_shear, self.max_shear),
            translate=np.random.uniform(-self.max_translate,
                                        self.max_translate, size=2))
        results['stroke_affine'] = m
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'max_rotate={self.max_rotate}, scale={self.scale}, '
                f'max_shear={self.max_shear}, '
                f'max_translate={self.max_translate})')


@TRANSFORMS.register_module()
class RandomStrokeDropout(BaseTransform):
    """Drop whole strokes of a vector sketch (each with ``drop_ratio``),
    keeping at least one (the longest when all would go). Samples without
    strokes pass unchanged.

    Required keys: ``strokes`` (else a no-op). Modified keys: ``strokes``.

    Args:
        prob (float): Probability of applying to a sketch. Defaults to 0.5.
        drop_ratio (float): Probability of dropping each stroke. Defaults
            to 0.1.
        min_strokes (int): Sketches with fewer strokes are kept whole.
            Defaults to 3.

    All defaults chosen by sketret.
    """

    def __init__(self,
                 prob: float = 0.5,
                 drop_ratio: float = 0.1,
                 min_strokes: int = 3):
        self.prob = _check_prob(prob)
        if not 0 <= drop_ratio < 1:
            raise ValueError(f'drop_ratio must be in [0, 1), got '
                             f'{drop_ratio}')
        self.drop_ratio = float(drop_ratio)
        self.min_strokes = int(min_strokes)

    def transform(self, results: dict) -> dict:
        strokes = results.get('strokes')
        if (strokes is None or len(strokes) < self.min_strokes
                or np.random.rand() >= self.prob):
            return results
        keep = np.random.rand(len(strokes)) >= self.drop_ratio
        results['strokes'] = drop_strokes(strokes, keep)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'drop_ratio={self.drop_ratio}, '
                f'min_strokes={self.min_strokes})')


@TRANSFORMS.register_module()
class StrokeWidthJitter(BaseTransform):
    """Multiply the line width that :class:`RenderStrokes` uses by a factor
    drawn uniformly from ``factor_range``. Samples without strokes pass
    unchanged.

    Required keys: ``strokes`` (else a no-op). Added keys:
    ``line_width_factor``.

    Args:
        factor_range (tuple[float, float]): Defaults to ``(0.67, 1.67)``
            (2 to 5 px around the 3 px default; chosen by sketret).
        prob (float): Probability of applying. Defaults to 0.5.
    """

    def __init__(self,
                 factor_range: Sequence[float] = (0.67, 1.67),
                 prob: float = 0.5):
        self.factor_range = _check_range('factor_range', factor_range)
        self.prob = _check_prob(prob)

    def transform(self, results: dict) -> dict:
        if 'strokes' not in results or np.random.rand() >= self.prob:
            return results
        results['line_width_factor'] = np.random.uniform(*self.factor_range)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(factor_range={self.factor_range}, '
                f'prob={self.prob})')


@TRANSFORMS.register_module()
class RenderStrokes(BaseTransform):
    """Rasterise ``results['strokes']`` with
    :func:`~sketret.structures.strokes.render_strokes` (the renderer of the
    sketch pad and of :func:`~sketret.datasets.image_io.read_sbir_image`).

    The drawing is fitted into a ``size`` x ``size`` square keeping its
    aspect ratio; the result is the ``(H, W, 3)`` uint8 array (three equal
    channels, black on white) of :class:`LoadSBIRImage`. Samples without
    strokes (raster sketches, photos) pass unchanged.

    Required keys: ``strokes`` (else a no-op); optional ``stroke_affine``,
    ``line_width_factor``. Added keys: ``img``, ``img_shape``,
    ``ori_shape``. Removed keys: ``strokes``, ``stroke_affine``,
    ``line_width_factor``.

    Args:
        size (int): Output side in pixels. Defaults to 256.
        margin (float, optional): Blank border in pixels. Defaults to 8 %
            of ``size`` (20.48 px at 256, as the sketch pad).
        line_width (float): Line width in output pixels. Defaults to 3.
        antialias (bool): Anti-aliased lines. Defaults to True.

    Defaults: those of the renderer (chosen by sketret).
    """

    def __init__(self,
                 size: int = DEFAULT_SIZE,
                 margin: Optional[float] = None,
                 line_width: float = DEFAULT_LINE_WIDTH,
                 antialias: bool = True):
        if int(size) < 1:
            raise ValueError(f'size must be >= 1, got {size}')
        if margin is None:
            margin = DEFAULT_MARGIN / DEFAULT_SIZE * int(size)
        if not 0 <= margin < (int(size) - 1) / 2:
            raise ValueError(f'margin must be in [0, (size - 1) / 2), got '
                             f'{margin}')
        if not line_width > 0:
            raise ValueError(f'line_width must be > 0, got {line_width}')
        self.size = int(size)
        self.margin = float(margin)
        self.line_width = float(line_width)
        self.antialias = bool(antialias)

    def transform(self, results: dict) -> dict:
        strokes = results.pop('strokes', None)
        if strokes is None:
            return results
        width = self.line_width * results.pop('line_width_factor', 1.0)
        grey = render_strokes(
            strokes,
            self.size,
            self.margin,
            width,
            antialias=self.antialias,
            affine=results.pop('stroke_affine', None))
        img = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(size={self.size}, '
                f'margin={self.margin}, line_width={self.line_width}, '
                f'antialias={self.antialias})')
