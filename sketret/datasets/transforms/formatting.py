# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Pack a sample into ``dict(inputs, data_samples)``."""
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from sketret.registry import TRANSFORMS
from sketret.structures import SBIRDataSample

__all__ = ['PackSBIRInputs']

#: The meta fields of ``docs/design.md``.
SBIR_META_KEYS = ('modality', 'gt_label', 'class_name', 'img_path', 'is_seen',
                  'sample_idx')


@TRANSFORMS.register_module()
class PackSBIRInputs(BaseTransform):
    """Last transform: ``dict(inputs=uint8 Tensor (3, H, W),
    data_samples=SBIRDataSample)``.

    The data sample's meta information holds ``meta_keys`` taken from the
    results (None when a key is absent, e.g. ``is_seen`` outside generalized
    ZS-SBIR); ``gt_label`` and ``sample_idx`` become ``int``.

    Required keys: ``img`` (``(H, W, 3)`` or ``(H, W)`` uint8).

    Args:
        meta_keys (Sequence[str]): Defaults to ``('modality', 'gt_label',
            'class_name', 'img_path', 'is_seen', 'sample_idx')``.
    """

    def __init__(self, meta_keys: Sequence[str] = SBIR_META_KEYS):
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.ndim == 2:
            img = np.repeat(img[:, :, None], 3, axis=2)
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(
                'PackSBIRInputs expects an (H, W, 3) image, got shape '
                f'{img.shape} for {results.get("img_path")}')
        if img.dtype != np.uint8:
            img = np.clip(np.rint(img), 0, 255).astype(np.uint8)
        inputs = torch.from_numpy(np.ascontiguousarray(
            img.transpose(2, 0, 1)))
        meta = {}
        for key in self.meta_keys:
            value = results.get(key)
            if key in ('gt_label', 'sample_idx') and value is not None:
                value = int(value)
            meta[key] = value
        return dict(inputs=inputs, data_samples=SBIRDataSample(metainfo=meta))

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
