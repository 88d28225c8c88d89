# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# Plain triplet baseline on the bundled set sbir-mini (the model block says
# what it is). Data, input size, schedule and runtime are those of the
# BDA-SketRet demo config.
_base_ = [
    '../_base_/models/triplet_efficientnet-lite0.py',
    '../_base_/datasets/sbir_mini_160px.py',
    '../_base_/schedules/adam_6e.py',
    '../_base_/default_runtime.py',
]
