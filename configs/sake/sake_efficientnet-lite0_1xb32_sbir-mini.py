# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# SAKE on the bundled set sbir-mini (6 seen classes). Data, schedule and
# runtime: the BDA-SketRet demo config's.
_base_ = [
    '../_base_/models/sake_efficientnet-lite0.py',
    '../_base_/datasets/sbir_mini_160px.py',
    '../_base_/schedules/adam_6e.py',
    '../_base_/default_runtime.py',
]

model = dict(cls_head=dict(num_classes=6))
