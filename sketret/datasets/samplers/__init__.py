# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
from .class_balanced_pair_sampler import (
    ClassBalancedPairBatchSampler,
    ClassBalancedPairSampler,
)

__all__ = ['ClassBalancedPairSampler', 'ClassBalancedPairBatchSampler']
