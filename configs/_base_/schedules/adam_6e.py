# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# adam_10e.py shortened to 6 epochs (cosine over 6 epochs): the schedule of
# the CPU demo configs on sbir-mini's 6 seen classes (default chosen by
# sketret).
_base_ = ['./adam_10e.py']

param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=6, eta_min=1e-6)
]
train_cfg = dict(max_epochs=6)
