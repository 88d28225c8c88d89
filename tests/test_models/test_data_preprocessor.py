# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import pytest
import torch

from sketret.models import SBIRDataPreprocessor
from sketret.structures.sbir_data_sample import SBIRDataSample


def test_stack_normalise_and_to_rgb():
    img = torch.zeros(3, 4, 5, dtype=torch.uint8)
    img[0] = 10  # first channel
    img[2] = 250
    samples = [SBIRDataSample(metainfo=dict(modality='sketch'))] * 2
    pre = SBIRDataPreprocessor(mean=[10, 20, 30], std=[2, 4, 5])
    out = pre(dict(inputs=[img, img], data_samples=samples))
    assert out['inputs'].shape == (2, 3, 4, 5)
    assert out['inputs'].dtype == torch.float32
    assert torch.allclose(out['inputs'][:, 0], torch.zeros(2, 4, 5))
    assert torch.allclose(out['inputs'][:, 1], torch.full((2, 4, 5), -5.0))
    assert torch.allclose(out['inputs'][:, 2], torch.full((2, 4, 5), 44.0))
    assert out['data_samples'] is not None and len(out['data_samples']) == 2

    rgb = SBIRDataPreprocessor(mean=[10, 20, 30], std=[2, 4, 5],
                               to_rgb=True)
    out = rgb(dict(inputs=img[None]))  # an already stacked batch
    assert torch.allclose(out['inputs'][0, 0], torch.full((4, 5), 120.0))
    assert out['data_samples'] is None
    raw = SBIRDataPreprocessor()(dict(inputs=[img]))['inputs']
    assert torch.equal(raw, img[None].float())


def test_errors():
    pre = SBIRDataPreprocessor(mean=[0, 0, 0], std=[1, 1, 1])
    with pytest.raises(ValueError, match='same shape'):
        pre(dict(inputs=[torch.zeros(3, 4, 4), torch.zeros(3, 5, 4)]))
    with pytest.raises(ValueError, match='3-channel'):
        pre(dict(inputs=[torch.zeros(1, 4, 4)]))
    with pytest.raises(ValueError, match='both mean and std'):
        SBIRDataPreprocessor(mean=[0, 0, 0])
    with pytest.raises(ValueError, match='std must be > 0'):
        SBIRDataPreprocessor(mean=[0, 0, 0], std=[1, 0, 1])
