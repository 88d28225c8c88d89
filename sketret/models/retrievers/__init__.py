# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from .bda_sketret import BDASketRet

__all__ = ['BDASketRet']
