# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from sketret.utils.checkpoint_safety import register_checkpoint_safe_globals

from .hooks import (
    ClassSemanticsHook,
    CorruptFileHook,
    GRLScheduleHook,
    NonFiniteLossError,
    NonFiniteLossHook,
    ProgressHook,
    TooManyCorruptFilesError,
    grl_lambda,
    set_grl_coeff,
)
from .optimizers import (
    CPUAutocastOptimWrapper,
    SketRetOptimWrapperConstructor,
)
from .runners import SketRetRunner, state_dict_mismatch

# Runners load mmengine checkpoints with weights_only=True.
register_checkpoint_safe_globals()

__all__ = [
    'GRLScheduleHook', 'ClassSemanticsHook', 'ProgressHook', 'grl_lambda',
    'set_grl_coeff', 'CorruptFileHook', 'TooManyCorruptFilesError',
    'NonFiniteLossHook', 'NonFiniteLossError', 'CPUAutocastOptimWrapper',
    'SketRetOptimWrapperConstructor', 'SketRetRunner', 'state_dict_mismatch'
]
