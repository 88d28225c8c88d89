# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# Adam, cosine decay over 8 epochs (the qd-imagenet CPU runs).
_base_ = ['./adam_10e.py']

param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=8, eta_min=1e-6)
]
train_cfg = dict(max_epochs=8)
