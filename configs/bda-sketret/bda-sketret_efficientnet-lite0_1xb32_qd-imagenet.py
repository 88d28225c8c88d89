# BDA-SketRet on qd-imagenet (61 seen / 12 unseen Quick, Draw! classes,
# vector sketches rendered in the pipeline) with the CPU settings of the
# sbir-mini demo. Build the data tree once, then train:
#   python tools/dataset_converters/prepare_qd_imagenet.py
#   python tools/train.py THIS_CONFIG
# Time on 2 CPU cores: see configs/bda-sketret/README.md.
_base_ = [
    '../_base_/models/bda-sketret_efficientnet-lite0.py',
    '../_base_/datasets/qd_imagenet.py',
    '../_base_/schedules/adam_10e.py',
    '../_base_/default_runtime.py',
]

# CPU settings (chosen by sketret, as the sbir-mini demo): the ImageNet stem
# and all 7 block stages frozen, one encoder for both modalities; MiniLM
# sentence vectors of the 73 class names (384-d, shipped with the data).
model = dict(
    backbone=dict(backbone=dict(frozen_stages=7)),
    share_encoder=True,
    semantics=dict(
        type='NpzClassVectors',
        file='data/qd-imagenet/class_vectors_minilm.npz'),
    head=dict(in_dim=384),
    ib_loss=dict(warmup_iters=200))

# 160 px inputs; 40 of the 180 training drawings of each seen class per
# epoch (a new draw every epoch), 8 epochs.
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

param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=8, eta_min=1e-6)
]
train_cfg = dict(max_epochs=8)
