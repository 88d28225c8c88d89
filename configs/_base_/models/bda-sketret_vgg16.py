# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# BDA-SketRet (Chaudhuri et al., Neurocomputing 2022) with two VGG-16
# streams (mmpretrain.VGG): the paper-style configs. Both streams start
# from the ImageNet VGG-16 (no BN) that mmpretrain publishes (its model zoo
# entry vgg16_8xb32_in1k, top-1 71.62 %): the first training run downloads it
# (about 550 MB) into the torch hub cache (~/.cache/torch/hub/checkpoints). Its
# keys are those of mmpretrain's ImageClassifier ('backbone.features...',
# 'backbone.classifier...'); prefix='backbone.' keeps the features and drops
# the 1000-class classifier, which this backbone does not have. Offline: put
# a local path in checkpoint, or init_cfg=None to start from random weights.
# Everything but the backbone and its channel count is the EfficientNet-Lite0
# config's (losses, weights, hooks, defaults chosen by sketret).
_base_ = ['./bda-sketret_efficientnet-lite0.py']

vgg16_imagenet = ('https://download.openmmlab.com/mmclassification/v0/vgg/'
                  'vgg16_batch256_imagenet_20210208-db26f1a5.pth')

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
            frozen_stages=-1,
            init_cfg=dict(
                type='Pretrained', checkpoint=vgg16_imagenet,
                prefix='backbone.'))),
    spatial_discriminator=dict(in_channels=512),
    encoder=dict(in_channels=512))

# The IB beta warm-up lasts half an epoch, counted in epochs so that it is
# the same share of training on 1 and on 8 GPUs (GRLScheduleHook sets
# ib_loss.warmup_iters from the iterations per epoch; about 870 iterations
# on Sketchy-25 at batch 64, 250 on TU-Berlin-30). Default chosen by sketret.
custom_hooks = [
    dict(type='ClassSemanticsHook'),
    dict(type='GRLScheduleHook', gamma=10.0, ib_warmup_epochs=0.5),
]
