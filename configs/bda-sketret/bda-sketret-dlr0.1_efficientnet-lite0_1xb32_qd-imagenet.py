# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# Spatial-alignment variant on qd-imagenet (docs/method.md "Does the spatial
# level align?"): the shipped model with the domain discriminator learning
# at the features' rate (lr x0.1 = 1e-5) instead of 10x faster than the
# trainable 1x1 head convolutions it plays against. Default chosen by
# sketret while searching for a spatial level that aligns; chosen or
# rejected on the seen-class validation split only.
_base_ = ['./bda-sketret_efficientnet-lite0_1xb32_qd-imagenet.py']

optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={
        'backbone': dict(lr_mult=0.1),
        'spatial_discriminator': dict(lr_mult=0.1),
    }))
