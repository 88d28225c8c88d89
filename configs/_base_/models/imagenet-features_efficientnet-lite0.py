# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# The untrained reference: the ImageNet EfficientNet-Lite0 backbone, one for
# both modalities, global average pooling of its last map (1280-d).
_base_ = ['./sketch-photo-retriever_efficientnet-lite0.py']

model = dict(
    backbone=dict(share_backbone=True),
    neck=dict(_delete_=True, type='GlobalPoolNeck'),
    # never used by the reference (it is evaluated untrained); present so
    # that the config is also trainable, as every sketret config is
    metric_loss=dict(type='TripletLoss', margin=0.2))
