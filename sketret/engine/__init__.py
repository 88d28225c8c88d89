# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from .hooks import (
    ClassSemanticsHook,
    GRLScheduleHook,
    grl_lambda,
    set_grl_coeff,
)

__all__ = ['GRLScheduleHook', 'ClassSemanticsHook', 'grl_lambda',
           'set_grl_coeff']
