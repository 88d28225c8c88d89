# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# The untrained ImageNet EfficientNet-Lite0 on sbir-mini: the floor every
# trained method must beat (evaluated with an untrained checkpoint, see
# tools/analysis_tools/compare_methods.py --reference-configs).
_base_ = [
    '../_base_/models/imagenet-features_efficientnet-lite0.py',
    '../_base_/datasets/sbir_mini_160px.py',
    '../_base_/schedules/adam_10e.py',
    '../_base_/default_runtime.py',
]
