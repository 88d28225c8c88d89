# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Batch, normalise and move sketch/photo images to the model's device."""
from typing import Optional, Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from sketret.registry import MODELS


@MODELS.register_module()
class SBIRDataPreprocessor(BaseDataPreprocessor):
    """Data preprocessor for batches that mix sketches and photos.

    ``inputs`` (a list of ``(3, H, W)`` uint8 tensors of one size, or an
    already stacked ``(B, 3, H, W)`` tensor) is stacked, cast to float,
    optionally flipped BGR→RGB, normalised with one mean/std for both
    modalities, and moved to the model's device with ``data_samples``
    (the uint8 images are copied, then cast and normalised there).
    The model splits the batch by ``data_samples[i].modality``.

    Args:
        mean (Sequence[float], optional): Per-channel mean on the 0-255
            scale, e.g. ImageNet ``[123.675, 116.28, 103.53]``. None skips
            normalisation.
        std (Sequence[float], optional): Per-channel std, e.g.
            ``[58.395, 57.12, 57.375]``.
        to_rgb (bool): Reverse the channel order (BGR → RGB) before
            normalising. Defaults to False.
        non_blocking (bool): Non-blocking copies to the device. Defaults to
            True: with the data loader's ``pin_memory`` (``'auto'`` in the
            sketret configs: on with a GPU) the uint8 images of a batch
            are copied while the GPU still computes the previous step;
            from pageable memory the copy is synchronous, as with False.
    """

    def __init__(self,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 to_rgb: bool = False,
                 non_blocking: bool = True):
        super().__init__(non_blocking=non_blocking)
        if (mean is None) != (std is None):
            raise ValueError('SBIRDataPreprocessor: give both mean and std, '
                             'or neither')
        self.to_rgb = to_rgb
        self._enable_normalize = mean is not None
        if self._enable_normalize:
            if len(mean) != 3 or len(std) != 3:
                raise ValueError('SBIRDataPreprocessor: mean and std need 3 '
                                 f'values, got {list(mean)} and {list(std)}')
            if any(s <= 0 for s in std):
                raise ValueError(f'SBIRDataPreprocessor: std must be > 0, '
                                 f'got {list(std)}')
            self.register_buffer(
                'mean', torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1),
                persistent=False)
            self.register_buffer(
                'std', torch.tensor(std, dtype=torch.float32).view(-1, 1, 1),
                persistent=False)

    @staticmethod
    def _stack(inputs) -> torch.Tensor:
        if isinstance(inputs, torch.Tensor):
            if inputs.dim() == 3:
                inputs = inputs.unsqueeze(0)
            if inputs.dim() != 4:
                raise ValueError('SBIRDataPreprocessor: expected inputs of '
                                 'shape (B, 3, H, W), got '
                                 f'{tuple(inputs.shape)}')
            return inputs
        inputs = list(inputs)
        if not inputs:
            raise ValueError('SBIRDataPreprocessor: empty batch')
        shapes = {tuple(x.shape) for x in inputs}
        if len(shapes) != 1:
            raise ValueError(
                'SBIRDataPreprocessor: images of one batch must have the '
                f'same shape (resize/crop them in the pipeline), got '
                f'{sorted(shapes)}')
        return torch.stack(inputs)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Args:
            data (dict): ``dict(inputs=list[Tensor] | Tensor,
                data_samples=list[SBIRDataSample] | None)``.
            training (bool): Unused (no batch augmentation).

        Returns:
            dict: ``dict(inputs=(B, 3, H, W) float Tensor,
            data_samples=list | None)`` on the model's device.
        """
        data = self.cast_data(data)
        inputs = self._stack(data['inputs'])
        if inputs.shape[1] != 3:
            raise ValueError('SBIRDataPreprocessor: expected 3-channel '
                             f'images, got {inputs.shape[1]} channels')
        inputs = inputs.float()
        if self.to_rgb:
            inputs = inputs.flip(1)
        if self._enable_normalize:
            inputs = (inputs - self.mean) / self.std
        return dict(inputs=inputs, data_samples=data.get('data_samples'))
