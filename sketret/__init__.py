# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""sketret: an OpenMMLab-style toolbox for zero-shot sketch-based image
retrieval.

``import sketret`` does not import PyTorch, so a deployment that serves an
exported (ONNX) model never loads it. The allow-list that lets
``torch.load(..., weights_only=True)`` read mmengine checkpoints is
registered by every sketret module that loads checkpoints
(``sketret.models``, ``sketret.engine``, ``sketret.apis``), and here
already when PyTorch was imported first.
"""
import sys

from .version import __version__, version_info

if 'torch' in sys.modules:
    from .utils.checkpoint_safety import register_checkpoint_safe_globals
    register_checkpoint_safe_globals()

__all__ = ['__version__', 'version_info']
