# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
import pytest
import torch

from sketret.models.necks import GlobalPoolNeck


def test_avg_and_max_by_hand():
    # one sample, 2 channels, 2x2 maps written out
    x = torch.tensor([[[[1., 2.], [3., 6.]], [[-1., 0.], [0., 5.]]]])
    assert GlobalPoolNeck()(x).tolist() == [[3.0, 1.0]]
    assert GlobalPoolNeck(pool='max')((x, )).tolist() == [[6.0, 5.0]]


def test_bad_input():
    with pytest.raises(ValueError, match='expects'):
        GlobalPoolNeck()(torch.zeros(2, 3))
    with pytest.raises(ValueError, match='expected in_channels=4'):
        GlobalPoolNeck(in_channels=4)(torch.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match="'avg' or 'max'"):
        GlobalPoolNeck(pool='sum')
