# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# Plain triplet baseline on qd-imagenet; data, schedule and runtime are
# those of the BDA-SketRet qd-imagenet config, so the two compare fairly.
_base_ = [
    '../_base_/models/triplet_efficientnet-lite0.py',
    '../_base_/datasets/qd_imagenet_160px.py',
    '../_base_/schedules/adam_8e.py',
    '../_base_/default_runtime.py',
]
