# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Parameter-free global pooling neck: the last conv map → a feature
vector."""
from typing import Optional

import torch
import torch.nn as nn

from sketret.registry import MODELS


@MODELS.register_module()
class GlobalPoolNeck(nn.Module):
    """Global average (or max) pooling of the last conv map, no parameters.

    ``(B, C, H, W)`` (or a tuple whose last item is that) → ``(B, C)``.
    Used by the reference config that scores the untrained ImageNet
    backbone's features.

    Args:
        in_channels (int, optional): Only checked against the input when
            given (retrievers pass the backbone's channels).
        pool (str): ``'avg'`` (default) or ``'max'``.
    """

    def __init__(self, in_channels: Optional[int] = None, pool: str = 'avg'):
        super().__init__()
        if pool not in ('avg', 'max'):
            raise ValueError(f"pool must be 'avg' or 'max', got {pool!r}")
        self.in_channels = in_channels
        self.pool = pool

    def forward(self, x) -> torch.Tensor:
        if isinstance(x, (tuple, list)):
            x = x[-1]
        if x.dim() != 4:
            raise ValueError(f'GlobalPoolNeck expects (B, C, H, W) maps, got '
                             f'shape {tuple(x.shape)}')
        if self.in_channels is not None and x.shape[1] != self.in_channels:
            raise ValueError(f'GlobalPoolNeck: {x.shape[1]} channels, '
                             f'expected in_channels={self.in_channels}')
        return x.mean(dim=(2, 3)) if self.pool == 'avg' else x.amax(
            dim=(2, 3))
