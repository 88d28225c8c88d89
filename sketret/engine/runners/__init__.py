# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from .sketret_runner import SketRetRunner, state_dict_mismatch

__all__ = ['SketRetRunner', 'state_dict_mismatch']
