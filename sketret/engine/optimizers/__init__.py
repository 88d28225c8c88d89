# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from .constructor import SketRetOptimWrapperConstructor
from .cpu_autocast import CPUAutocastOptimWrapper

__all__ = ['CPUAutocastOptimWrapper', 'SketRetOptimWrapperConstructor']
