# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# BDA-SketRet on qd-imagenet (61 seen / 12 unseen Quick, Draw! classes,
# vector sketches rendered in the pipeline) with the CPU settings of the
# sbir-mini demo. Build the data tree once, then train:
#   python tools/dataset_converters/prepare_qd_imagenet.py
#   python tools/train.py THIS_CONFIG
# Time on 2 CPU cores: see configs/bda-sketret/README.md.
_base_ = [
    '../_base_/models/bda-sketret_efficientnet-lite0.py',
    '../_base_/datasets/qd_imagenet_160px.py',
    '../_base_/schedules/adam_8e.py',
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
