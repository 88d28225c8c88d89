# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Small shared helpers. Importing this package needs no PyTorch (the
sketch pad's ONNX path uses :mod:`.image_io`); :func:`unwrap_model` imports
it on first use."""
from .checkpoint_safety import (
                                checkpoint_safe_globals,
                                register_checkpoint_safe_globals,
)
from .setup_env import register_all_modules

__all__ = [
    'register_all_modules', 'checkpoint_safe_globals',
    'register_checkpoint_safe_globals', 'unwrap_model'
]


def __getattr__(name):
    if name == 'unwrap_model':
        from .model_wrappers import unwrap_model
        return unwrap_model
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
