# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# BDA-SketRet (Chaudhuri et al., Neurocomputing 2022) with two VGG-16
# streams (mmpretrain.VGG): the paper-style configs. No weights are
# downloaded: for ImageNet weights add to the inner backbone
#   init_cfg=dict(type='Pretrained', checkpoint=<an mmpretrain VGG-16
#                 checkpoint>, prefix='backbone.')
# (both streams then load it).
# Everything but the backbone and its channel count is the EfficientNet-Lite0
# config's (losses, weights, hooks, defaults chosen by sketret).
_base_ = ['./bda-sketret_efficientnet-lite0.py']

model = dict(
    backbone=dict(
        backbone=dict(
            _delete_=True,
            type='mmpretrain.VGG',
            depth=16,
            # stage 4 = conv5_3, the last conv maps (512 channels); without
            # the last max-pool they are (B, 512, H/16, W/16) (default chosen
            # by sketret)
            out_indices=(4, ),
            with_last_pool=False,
            frozen_stages=-1)),
    spatial_discriminator=dict(in_channels=512),
    encoder=dict(in_channels=512))
