# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# The untrained ImageNet EfficientNet-Lite0 on qd-imagenet (the floor).
_base_ = [
    '../_base_/models/imagenet-features_efficientnet-lite0.py',
    '../_base_/datasets/qd_imagenet_160px.py',
    '../_base_/schedules/adam_8e.py',
    '../_base_/default_runtime.py',
]
