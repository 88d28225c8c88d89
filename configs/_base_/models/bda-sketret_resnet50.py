# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# BDA-SketRet (Chaudhuri et al., Neurocomputing 2022) with two ResNet-50
# streams (mmpretrain.ResNet). Both streams start from the ImageNet
# ResNet-50 that mmpretrain publishes (its model zoo entry
# resnet50_8xb32_in1k, top-1 76.55 %): the first training run downloads it
# (about 100 MB) into the torch hub cache (~/.cache/torch/hub/checkpoints);
# prefix='backbone.' keeps the backbone and drops the classifier head.
# Offline: put a local path in checkpoint, or init_cfg=None to start from
# random weights.
# Everything but the backbone and its channel count is the EfficientNet-Lite0
# config's (losses, weights, hooks, defaults chosen by sketret).
_base_ = ['./bda-sketret_efficientnet-lite0.py']

resnet50_imagenet = ('https://download.openmmlab.com/mmclassification/v0/'
                     'resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth')

model = dict(
    backbone=dict(
        backbone=dict(
            _delete_=True,
            type='mmpretrain.ResNet',
            depth=50,
            # stage 3 = the last conv maps, (B, 2048, H/32, W/32)
            out_indices=(3, ),
            frozen_stages=-1,
            init_cfg=dict(
                type='Pretrained', checkpoint=resnet50_imagenet,
                prefix='backbone.'))),
    spatial_discriminator=dict(in_channels=2048),
    encoder=dict(in_channels=2048))

# The IB beta warm-up lasts half an epoch, counted in epochs so that it is
# the same share of training on 1 and on 8 GPUs (GRLScheduleHook sets
# ib_loss.warmup_iters from the iterations per epoch; about 870 iterations
# on Sketchy-25 at batch 64, 250 on TU-Berlin-30). Default chosen by sketret.
custom_hooks = [
    dict(type='ClassSemanticsHook'),
    dict(type='GRLScheduleHook', gamma=10.0, ib_warmup_epochs=0.5),
]
