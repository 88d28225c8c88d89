# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""sketret: an OpenMMLab-style toolbox for zero-shot sketch-based image
retrieval."""
from .utils.checkpoint_safety import register_checkpoint_safe_globals
from .version import __version__, version_info

register_checkpoint_safe_globals()

__all__ = ['__version__', 'version_info']
