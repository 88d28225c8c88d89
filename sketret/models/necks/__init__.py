# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
"""Necks: conv maps → embeddings, Gaussian embeddings or domain logits."""
from .global_pool import GlobalPoolNeck
from .spatial_discriminator import SpatialDomainDiscriminator
from .stochastic_encoder import StochasticEncoder

__all__ = [
    'SpatialDomainDiscriminator', 'StochasticEncoder', 'GlobalPoolNeck'
]
