# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from .class_semantics_hook import ClassSemanticsHook
from .corrupt_file_hook import CorruptFileHook, TooManyCorruptFilesError
from .grl_schedule_hook import GRLScheduleHook, grl_lambda, set_grl_coeff
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .progress_hook import ProgressHook

__all__ = ['GRLScheduleHook', 'ClassSemanticsHook', 'grl_lambda',
           'set_grl_coeff', 'CorruptFileHook', 'TooManyCorruptFilesError',
           'NonFiniteLossHook', 'NonFiniteLossError', 'ProgressHook']
