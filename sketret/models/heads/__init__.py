# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Heads: class vectors → class prototypes."""
from .prototype_heads import LinearPrototypeHead, TopologyPreservingProjector

__all__ = ['TopologyPreservingProjector', 'LinearPrototypeHead']
