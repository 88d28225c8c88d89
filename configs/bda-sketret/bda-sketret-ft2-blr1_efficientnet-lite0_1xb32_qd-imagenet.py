# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# Spatial-alignment variant on qd-imagenet (docs/method.md "Does the spatial
# level align?"): the last two EfficientNet block stages (6-7) and the head
# convolution train at the full learning rate (1e-4, the discriminator's),
# so that the features can move as fast as the discriminator learns.
# Default chosen by sketret; chosen or rejected on seen-class validation.
_base_ = ['./bda-sketret_efficientnet-lite0_1xb32_qd-imagenet.py']

model = dict(backbone=dict(backbone=dict(frozen_stages=5)))
optim_wrapper = dict(
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)}))
