# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# SAKE on qd-imagenet (61 seen classes; with a class fold, split='fold<k>',
# set model.cls_head.num_classes to the fold's 54 or 55 seen classes). Data,
# schedule and runtime: the BDA-SketRet qd-imagenet config's.
_base_ = [
    '../_base_/models/sake_efficientnet-lite0.py',
    '../_base_/datasets/qd_imagenet_160px.py',
    '../_base_/schedules/adam_8e.py',
    '../_base_/default_runtime.py',
]

model = dict(cls_head=dict(num_classes=61))
