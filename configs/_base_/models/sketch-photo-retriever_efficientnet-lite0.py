# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# The generic SketchPhotoRetriever with two EfficientNet-Lite0 streams and a
# linear 128-d embedding, without any loss: the baselines (triplet,
# Doodle2Search, SAKE) add their loss terms to it.
_base_ = ['./two-stream_efficientnet-lite0.py']

model = dict(
    type='SketchPhotoRetriever',
    # GAP -> Linear(1280 -> 128): the same embedding layer as BDA-SketRet's
    # mu, without its variance branch
    neck=dict(
        type='mmpretrain.LinearNeck',
        in_channels=1280,
        out_channels=128,
        gap_dim=2,
        norm_cfg=None))
