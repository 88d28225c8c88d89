# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Domain discriminator on spatial feature maps (BDA-SketRet's spatial
level)."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from sketret.registry import MODELS

from ..utils import GradientReversalLayer, last_tensor


@MODELS.register_module()
class SpatialDomainDiscriminator(BaseModule):
    """Predicts whether a conv feature map comes from a sketch or a photo.

    Layout (the whole layout, channel sizes, kernel, stride and LeakyReLU
    slope are defaults chosen by sketret; the paper's abstract states only a
    cross-entropy adversarial loss on the spatial feature maps)::

        [GRL] -> conv3x3(C->256, s2)-BN-LeakyReLU
              -> conv3x3(256->128, s2)-BN-LeakyReLU -> GAP -> Linear(128->1)

    Two training modes:

    - ``'grl'`` (default): a :class:`GradientReversalLayer` comes first, so
      one backward pass trains the discriminator to tell the domains apart
      and the backbone to confuse it (its λ is scheduled by
      :class:`~sketret.engine.GRLScheduleHook`).
    - ``'minmax'``: no GRL. The retriever then computes the discriminator
      loss on detached maps, and a generator loss with flipped labels
      through this same discriminator with ``requires_grad`` switched off
      for that pass only (no copy is kept; see
      :meth:`~sketret.models.BaseSBIRRetriever.domain_terms`).

    Args:
        in_channels (int): Channels ``C`` of the input maps.
        hidden_channels (Sequence[int]): Output channels of the stride-2
            convolutions. Defaults to ``(256, 128)``.
        mode (str): ``'grl'`` or ``'minmax'``. Defaults to ``'grl'``.
        grl (bool, optional): Alias kept for configs: True means
            ``mode='grl'``, False means ``mode='minmax'``. Defaults to None
            (use ``mode``).
        grl_coeff (float): Initial λ of the GRL. Defaults to 1.0.
        negative_slope (float): LeakyReLU slope. Defaults to 0.2.
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: int,
                 hidden_channels: Sequence[int] = (256, 128),
                 mode: str = 'grl',
                 grl: Optional[bool] = None,
                 grl_coeff: float = 1.0,
                 negative_slope: float = 0.2,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if grl is not None:
            implied = 'grl' if grl else 'minmax'
            if mode != 'grl' and mode != implied:
                raise ValueError(f'SpatialDomainDiscriminator: grl={grl} '
                                 f'contradicts mode={mode!r}')
            mode = implied
        if mode not in ('grl', 'minmax'):
            raise ValueError("SpatialDomainDiscriminator: mode must be 'grl' "
                             f"or 'minmax', got {mode!r}")
        if len(hidden_channels) == 0:
            raise ValueError('hidden_channels must not be empty')
        self.mode = mode
        self.in_channels = in_channels
        self.grl = GradientReversalLayer(grl_coeff) if mode == 'grl' else None
        layers = []
        channels = in_channels
        for out in hidden_channels:
            layers += [
                nn.Conv2d(channels, out, 3, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(out),
                nn.LeakyReLU(negative_slope, inplace=True),
            ]
            channels = out
        self.convs = nn.Sequential(*layers)
        self.fc = nn.Linear(channels, 1)

    def forward(
        self, x: Union[torch.Tensor, Tuple[torch.Tensor, ...]]
    ) -> torch.Tensor:
        """Args:
            x (Tensor | tuple[Tensor]): ``(B, C, H, W)`` maps, or a
                backbone's tuple (its last map is used).

        Returns:
            Tensor: ``(B, )`` logits, positive for "sketch".
        """
        x = last_tensor(x)
        if self.grl is not None:
            x = self.grl(x)
        x = self.convs(x).mean(dim=(2, 3))
        return self.fc(x).squeeze(1)
