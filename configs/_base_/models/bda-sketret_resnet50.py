# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# BDA-SketRet (Chaudhuri et al., Neurocomputing 2022) with two ResNet-50
# streams (mmpretrain.ResNet). No weights are downloaded: for ImageNet
# weights add to the inner backbone
#   init_cfg=dict(type='Pretrained', checkpoint=<an mmpretrain ResNet-50
#                 checkpoint>, prefix='backbone.')
# (both streams then load it).
# Everything but the backbone and its channel count is the EfficientNet-Lite0
# config's (losses, weights, hooks, defaults chosen by sketret).
_base_ = ['./bda-sketret_efficientnet-lite0.py']

model = dict(
    backbone=dict(
        backbone=dict(
            _delete_=True,
            type='mmpretrain.ResNet',
            depth=50,
            # stage 3 = the last conv maps, (B, 2048, H/32, W/32)
            out_indices=(3, ),
            frozen_stages=-1)),
    spatial_discriminator=dict(in_channels=2048),
    encoder=dict(in_channels=2048))
