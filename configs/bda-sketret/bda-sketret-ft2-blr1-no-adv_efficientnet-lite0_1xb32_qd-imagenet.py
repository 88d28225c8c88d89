# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# Ablation of the aligning qd-imagenet variant (bda-sketret-ft2-blr1): the
# same trainable stages, learning rates and BN statistics, without the
# spatial adversarial level (no discriminator, no GRL). The paired
# difference to bda-sketret-ft2-blr1 is what the spatial level buys when it
# acts.
_base_ = ['./bda-sketret-ft2-blr1_efficientnet-lite0_1xb32_qd-imagenet.py']

model = dict(spatial_discriminator=None, adv_loss=None)
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={'backbone': dict(lr_mult=1.0)}, _delete_=True))
