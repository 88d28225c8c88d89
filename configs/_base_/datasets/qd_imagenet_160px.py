# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# qd-imagenet at the CPU settings of sketret's qd-imagenet configs (chosen by
# sketret): 160 px inputs (strokes rendered at 160 px, 12 px margin, 3 px
# lines) and 40 of the 180 training drawings of each seen class per epoch
# (a new draw every epoch).
_base_ = ['./qd_imagenet.py']

img_scale = (160, 160)
render = dict(type='RenderStrokes', size=160, margin=12, line_width=3)
train_pipeline = [
    dict(type='LoadStrokes'),
    dict(type='RandomStrokeAffine', prob=0.5),
    dict(type='RandomStrokeDropout', prob=0.5, drop_ratio=0.1),
    dict(type='StrokeWidthJitter', factor_range=(0.67, 1.67), prob=0.5),
    render,
    dict(type='mmcv.Resize', scale=img_scale, keep_ratio=False),
    dict(type='mmcv.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackSBIRInputs'),
]
test_pipeline = [
    dict(type='LoadStrokes'),
    render,
    dict(type='mmcv.Resize', scale=img_scale, keep_ratio=False),
    dict(type='PackSBIRInputs'),
]
train_dataloader = dict(
    sampler=dict(sketches_per_class_per_epoch=40),
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
