# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from .hooks import (
    ClassSemanticsHook,
    CorruptFileHook,
    GRLScheduleHook,
    NonFiniteLossError,
    NonFiniteLossHook,
    TooManyCorruptFilesError,
    grl_lambda,
    set_grl_coeff,
)
from .optimizers import CPUAutocastOptimWrapper
from .runners import SketRetRunner, state_dict_mismatch

__all__ = [
    'GRLScheduleHook', 'ClassSemanticsHook', 'grl_lambda', 'set_grl_coeff',
    'CorruptFileHook', 'TooManyCorruptFilesError', 'NonFiniteLossHook',
    'NonFiniteLossError', 'CPUAutocastOptimWrapper', 'SketRetRunner',
    'state_dict_mismatch'
]
