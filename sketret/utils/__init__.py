# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from .checkpoint_safety import (
                                checkpoint_safe_globals,
                                register_checkpoint_safe_globals,
)
from .model_wrappers import unwrap_model
from .setup_env import register_all_modules

__all__ = [
    'register_all_modules', 'checkpoint_safe_globals',
    'register_checkpoint_safe_globals', 'unwrap_model'
]
