# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""One backbone per modality (sketch, photo), or one shared backbone."""
import copy
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from sketret.registry import MODELS

MODALITIES = ('sketch', 'photo')


def check_modality(modality: str) -> str:
    """Return ``modality`` if it is ``'sketch'`` or ``'photo'``, else raise
    ``ValueError``."""
    if modality not in MODALITIES:
        raise ValueError(f'modality must be one of {MODALITIES}, '
                         f'got {modality!r}')
    return modality


def build_backbone(cfg: dict) -> nn.Module:
    """Build a backbone from ``cfg``, turning the bare assertions of
    OpenMMLab backbones (e.g. an ``out_indices`` entry beyond the last stage)
    into a ``ValueError`` that names the config."""
    try:
        return MODELS.build(copy.deepcopy(cfg))
    except (AssertionError, IndexError) as e:
        raise ValueError(
            f'Could not build the backbone {dict(cfg)}: {type(e).__name__}: '
            f'{e}. Check that every requested stage/out_indices entry '
            'exists for this architecture.') from e


@MODELS.register_module()
class TwoStreamBackbone(BaseModule):
    """Two backbones (one per modality) or one shared backbone.

    With ``share_backbone=False`` the config is deep-copied and built twice,
    so both streams start from the same (e.g. pretrained) weights and are
    then trained separately. The wrapped backbone must return a tuple of
    spatial maps, as mmpretrain backbones and :class:`EfficientNetLite0` do;
    e.g. ``dict(type='mmpretrain.VGG', depth=16, out_indices=(4, ))``,
    ``dict(type='mmpretrain.ResNet', depth=50)``,
    ``dict(type='EfficientNetLite0')``.

    Args:
        backbone (dict): Config of one backbone.
        share_backbone (bool): One backbone for both modalities. Defaults to
            False (default chosen by sketret).
        out_channels (int, optional): Expected channels of the last returned
            map. The channels are always found with one forward pass of a
            ``(1, 3, probe_size, probe_size)`` zero image in eval mode (which
            also checks that the backbone returns a map); when given, a
            mismatch is an error.
        probe_size (int): Input side of that probe. Defaults to 64 (default
            chosen by sketret).
        init_cfg (dict, optional): mmengine init config. Defaults to None.

    Attributes:
        out_channels (int): Channels ``C`` of the last map.
    """

    def __init__(self,
                 backbone: dict,
                 share_backbone: bool = False,
                 out_channels: Optional[int] = None,
                 probe_size: int = 64,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.share_backbone = share_backbone
        if share_backbone:
            self.shared = build_backbone(backbone)
        else:
            self.sketch = build_backbone(backbone)
            self.photo = build_backbone(backbone)
        probed = self._probe_out_channels(probe_size)
        if out_channels is not None and out_channels != probed:
            raise ValueError(
                f'TwoStreamBackbone: out_channels={out_channels} but the '
                f'backbone {backbone.get("type")} returns {probed} channels')
        self.out_channels = int(probed)

    def get_backbone(self, modality: str) -> nn.Module:
        """The backbone module used for ``modality``."""
        check_modality(modality)
        return self.shared if self.share_backbone else getattr(self, modality)

    @torch.no_grad()
    def _probe_out_channels(self, size: int) -> int:
        net = self.get_backbone('sketch')
        was_training = net.training
        net.eval()  # mmpretrain backbones' train() returns None: no chaining
        try:
            device = next(
                (p.device for p in net.parameters()), torch.device('cpu'))
            outs = self._as_tuple(
                net(torch.zeros(1, 3, size, size, device=device)))
        finally:
            net.train(was_training)
        if len(outs) == 0 or outs[-1].dim() != 4:
            raise ValueError(
                'TwoStreamBackbone: the backbone returned no spatial map '
                f'(got {[tuple(o.shape) for o in outs]}); check its '
                'out_indices (e.g. mmpretrain.VGG without classifier has '
                'stages 0..4)')
        return outs[-1].shape[1]

    @staticmethod
    def _as_tuple(outs) -> Tuple[torch.Tensor, ...]:
        if isinstance(outs, torch.Tensor):
            return (outs, )
        return tuple(outs)

    def forward(self, x: torch.Tensor,
                modality: str) -> Tuple[torch.Tensor, ...]:
        """Args:
            x (Tensor): ``(B, 3, H, W)`` images of one modality.
            modality (str): ``'sketch'`` or ``'photo'``.

        Returns:
            tuple[Tensor]: The backbone's maps, the last ``(B, C, h, w)``.
        """
        return self._as_tuple(self.get_backbone(modality)(x))
