# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# sbir-mini (sbir_mini.py) at 160 px: the input size of every CPU demo
# config (its only change: smaller images train faster on a CPU; default
# chosen by sketret).
_base_ = ['./sbir_mini.py']

img_scale = (160, 160)

train_pipeline = [
    dict(type='LoadSBIRImage'),
    dict(type='StrokeWidth', radius_range=(-1, 2), prob=0.5),
    dict(type='RandomSketchAffine', prob=0.5),
    dict(type='mmcv.Resize', scale=img_scale, keep_ratio=False),
    dict(type='mmcv.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackSBIRInputs'),
]
test_pipeline = [
    dict(type='LoadSBIRImage'),
    dict(type='mmcv.Resize', scale=img_scale, keep_ratio=False),
    dict(type='PackSBIRInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
