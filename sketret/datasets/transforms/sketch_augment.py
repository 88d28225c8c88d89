# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Sketch-only augmentations. Photos pass through unchanged."""
import math
from typing import Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from sketret.registry import TRANSFORMS

__all__ = ['StrokeWidth', 'RandomSketchAffine']


def _is_sketch(results: dict) -> bool:
    return results.get('modality') == 'sketch'


@TRANSFORMS.register_module()
class StrokeWidth(BaseTransform):
    """Randomly thicken or thin the dark strokes of a sketch.

    A radius ``r`` is drawn uniformly from the integers in ``radius_range``;
    ``r > 0`` grows the strokes by ``r`` px on each side (grey-level
    erosion of the white background with a ``(2r+1)`` disc), ``r < 0`` thins
    them (grey-level dilation), ``r = 0`` keeps the sketch. Models
    different pen widths (e.g. thin Sketchy strokes vs. bold Quick, Draw!
    strokes). Only sketches (``results['modality'] == 'sketch'``).

    Required keys: ``img``, ``modality``. Modified keys: ``img``.

    Args:
        radius_range (tuple[int, int]): Inclusive range of ``r``. Defaults to
            ``(-1, 2)`` (default chosen by sketret).
        prob (float): Probability of applying. Defaults to 0.5 (default
            chosen by sketret).
    """

    def __init__(self,
                 radius_range: Tuple[int, int] = (-1, 2),
                 prob: float = 0.5):
        lo, hi = (int(v) for v in radius_range)
        if lo > hi:
            raise ValueError(f'radius_range must be (low, high), got '
                             f'{radius_range}')
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.radius_range = (lo, hi)
        self.prob = prob

    @staticmethod
    def apply(img: np.ndarray, radius: int) -> np.ndarray:
        """Thicken (``radius > 0``) or thin (``< 0``) dark strokes."""
        if radius == 0:
            return img
        k = 2 * abs(radius) + 1
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
        op = cv2.erode if radius > 0 else cv2.dilate
        out = op(img, kernel)
        if out.ndim == 2 and img.ndim == 3:  # cv2 drops a single channel
            out = out[:, :, None]
        return out

    def transform(self, results: dict) -> dict:
        if not _is_sketch(results) or np.random.rand() >= self.prob:
            return results
        radius = np.random.randint(self.radius_range[0],
                                   self.radius_range[1] + 1)
        results['img'] = self.apply(results['img'], int(radius))
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(radius_range={self.radius_range}, '
                f'prob={self.prob})')


@TRANSFORMS.register_module()
class RandomSketchAffine(BaseTransform):
    """Random rotation, scale, shear and translation of a sketch; the
    uncovered border is filled with white. Only sketches.

    Required keys: ``img``, ``modality``. Modified keys: ``img`` (same
    size).

    Args:
        prob (float): Probability of applying. Defaults to 0.5.
        max_rotate (float): Degrees, uniform in ``[-max, max]``.
            Defaults to 10.
        scale (tuple[float, float]): Uniform scale range. Defaults to
            ``(0.85, 1.1)``.
        max_shear (float): Degrees of horizontal shear. Defaults to 5.
        max_translate (float): Fraction of width/height. Defaults to 0.05.
        border_value (int): Fill value. Defaults to 255 (white).

    All defaults chosen by sketret.
    """

    def __init__(self,
                 prob: float = 0.5,
                 max_rotate: float = 10.0,
                 scale: Sequence[float] = (0.85, 1.1),
                 max_shear: float = 5.0,
                 max_translate: float = 0.05,
                 border_value: int = 255):
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        if len(scale) != 2 or not 0 < scale[0] <= scale[1]:
            raise ValueError(f'scale must be (low, high) > 0, got {scale}')
        self.prob = prob
        self.max_rotate = float(max_rotate)
        self.scale = (float(scale[0]), float(scale[1]))
        self.max_shear = float(max_shear)
        self.max_translate = float(max_translate)
        self.border_value = int(border_value)

    def _matrix(self, h: int, w: int) -> np.ndarray:
        ang = math.radians(np.random.uniform(-self.max_rotate,
                                             self.max_rotate))
        s = np.random.uniform(*self.scale)
        sh = math.tan(
            math.radians(np.random.uniform(-self.max_shear, self.max_shear)))
        tx = np.random.uniform(-self.max_translate, self.max_translate) * w
        ty = np.random.uniform(-self.max_translate, self.max_translate) * h
        cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
        to_origin = np.array([[1, 0, -cx], [0, 1, -cy], [0, 0, 1]])
        rot = np.array([[math.cos(ang), -math.sin(ang), 0],
                        [math.sin(ang), math.cos(ang), 0], [0, 0, 1]])
        shear = np.array([[1, sh, 0], [0, 1, 0], [0, 0, 1]])
        scale = np.diag([s, s, 1.0])
        back = np.array([[1, 0, cx + tx], [0, 1, cy + ty], [0, 0, 1]])
        return (back @ rot @ shear @ scale @ to_origin)[:2]

    def transform(self, results: dict) -> dict:
        if not _is_sketch(results) or np.random.rand() >= self.prob:
            return results
        img = results['img']
        h, w = img.shape[:2]
        out = cv2.warpAffine(
            img,
            self._matrix(h, w),
            (w, h),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(self.border_value, ) * 3)
        if out.ndim == 2 and img.ndim == 3:
            out = out[:, :, None]
        results['img'] = out
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(prob={self.prob}, '
                f'max_rotate={self.max_rotate}, scale={self.scale}, '
                f'max_shear={self.max_shear}, '
                f'max_translate={self.max_translate})')
