# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Backbones: the EfficientNet-Lite0 network and the two-stream wrapper
that gives each modality its own (or a shared) backbone."""
from .efficientnet_lite0 import (
                                 EfficientNetLite0,
    convert_lukemelas_state_dict,
    wheel_checkpoint_path,
)
from .two_stream import TwoStreamBackbone

__all__ = [
    'EfficientNetLite0', 'TwoStreamBackbone', 'convert_lukemelas_state_dict',
    'wheel_checkpoint_path'
]
