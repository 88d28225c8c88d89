# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Loading transform for sketches and photos."""
from mmcv.transforms import BaseTransform

from sketret.registry import TRANSFORMS

from ..image_io import DEFAULT_MAX_PIXELS, read_sbir_image

__all__ = ['LoadSBIRImage']


@TRANSFORMS.register_module()
class LoadSBIRImage(BaseTransform):
    """Load ``results['img_path']`` according to ``results['modality']``.

    - sketch: decoded to grey (transparent background composited over
      white) and replicated to 3 identical channels, so black strokes on
      white stay black on white;
    - photo: RGB (transparency over white, EXIF orientation applied).

    The image header is checked against ``max_pixels`` before decoding
    (decompression-bomb guard). Errors name the file:
    ``FileNotFoundError`` when it is missing,
    :class:`~sketret.datasets.image_io.CorruptImageError` (a ValueError)
    when it cannot be decoded. A dataset built with ``on_corrupt='skip'``
    catches both (see :class:`~sketret.datasets.BaseSBIRDataset`).

    Required keys: ``img_path``, ``modality``.
    Added keys: ``img`` (``(H, W, 3)`` uint8), ``img_shape``, ``ori_shape``
    (``(H, W)``).

    Args:
        color_order (str): ``'rgb'`` (default, chosen by sketret) or
            ``'bgr'`` (OpenCV/mmcv order) for photos.
        max_pixels (int): Largest image accepted (width * height).
    """

    def __init__(self,
                 color_order: str = 'rgb',
                 max_pixels: int = DEFAULT_MAX_PIXELS):
        if color_order not in ('rgb', 'bgr'):
            raise ValueError(f"color_order must be 'rgb' or 'bgr', got "
                             f'{color_order!r}')
        self.color_order = color_order
        self.max_pixels = int(max_pixels)

    def transform(self, results: dict) -> dict:
        if 'modality' not in results:
            raise KeyError(
                'LoadSBIRImage needs results["modality"] (\'sketch\' or '
                f"'photo') for {results.get('img_path')}")
        img = read_sbir_image(
            results['img_path'],
            results['modality'],
            color_order=self.color_order,
            max_pixels=self.max_pixels)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(color_order={self.color_order!r}, '
                f'max_pixels={self.max_pixels})')
