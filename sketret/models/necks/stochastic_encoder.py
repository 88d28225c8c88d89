# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Gaussian encoder from a conv map to the shared latent space."""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from sketret.registry import MODELS

from ..utils import last_tensor


@MODELS.register_module()
class StochasticEncoder(BaseModule):
    """GAP → Linear → (μ, log σ²), the encoder q(z | x) of the IB losses.

    In training ``z = μ + σ·ε`` with ``ε ~ N(0, I)`` (reparameterisation);
    in eval mode ``z = μ``.

    Args:
        in_channels (int): Channels ``C`` of the input map.
        embed_dim (int): Size ``D`` of z. Defaults to 128 (reported in later
            papers' tables).
        init_logvar (float): Initial bias of the log σ² layer, so that
            training starts with a small noise (σ ≈ 0.14). Defaults to -4.0
            (default chosen by sketret).
        logvar_range (Sequence[float]): log σ² is clamped to this range for
            numerical stability. Defaults to ``(-10, 10)`` (default chosen by
            sketret).
        init_cfg (dict, optional): mmengine init config.
    """

    def __init__(self,
                 in_channels: int,
                 embed_dim: int = 128,
                 init_logvar: float = -4.0,
                 logvar_range: Sequence[float] = (-10.0, 10.0),
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.embed_dim = embed_dim
        self.logvar_range = (float(logvar_range[0]), float(logvar_range[1]))
        self.fc_mu = nn.Linear(in_channels, embed_dim)
        self.fc_logvar = nn.Linear(in_channels, embed_dim)
        nn.init.constant_(self.fc_logvar.bias, init_logvar)

    def encode(
        self, x: Union[torch.Tensor, Tuple[torch.Tensor, ...]]
    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Return ``(μ, log σ²)``, each ``(B, D)``, for ``(B, C, H, W)`` maps
        (or a backbone's tuple, whose last map is used)."""
        x = last_tensor(x)
        pooled = x.mean(dim=(2, 3)) if x.dim() == 4 else x
        mu = self.fc_mu(pooled)
        logvar = self.fc_logvar(pooled).clamp(*self.logvar_range)
        return mu, logvar

    def forward(
        self, x: Union[torch.Tensor, Tuple[torch.Tensor, ...]]
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Args:
            x (Tensor | tuple[Tensor]): ``(B, C, H, W)`` maps, ``(B, C)``
                pooled features, or a backbone's tuple.

        Returns:
            tuple[Tensor]: ``(z, μ, log σ²)``, each ``(B, D)``.
        """
        mu, logvar = self.encode(x)
        if self.training:
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        else:
            z = mu
        return z, mu, logvar
