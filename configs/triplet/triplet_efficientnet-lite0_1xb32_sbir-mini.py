# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# Plain triplet baseline on the bundled set sbir-mini: two EfficientNet-Lite0
# streams, a linear embedding, and a triplet loss with sketch anchors and
# photo positives/negatives. No class semantics, no domain alignment. Data,
# input size, schedule and runtime are the BDA-SketRet demo config's bases.
_base_ = [
    '../_base_/models/sketch-photo-retriever_efficientnet-lite0.py',
    '../_base_/datasets/sbir_mini_160px.py',
    '../_base_/schedules/adam_6e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    # as in the demo config: stem and all 7 block stages frozen, only the
    # 1x1 head conv of the backbone learns
    backbone=dict(backbone=dict(frozen_stages=7)),
    # margin on L2-normalised embeddings; batch-hard mining (per sketch
    # anchor the farthest same-class photo and the nearest other-class
    # photo): defaults chosen by sketret
    metric_loss=dict(
        type='TripletLoss', margin=0.2, mining='batch_hard', loss_weight=1.0))

# The model needs no class vectors; the hook only tells it the training
# classes (which checks the labels). No GRL, so no schedule hook.
custom_hooks = [dict(type='ClassSemanticsHook')]
