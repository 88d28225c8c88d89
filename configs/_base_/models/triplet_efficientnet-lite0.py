# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# The plain triplet baseline on EfficientNet-Lite0 (CPU configs): two
# streams, a linear embedding, a triplet loss with sketch anchors and photo
# positives/negatives. No class semantics, no domain alignment.
_base_ = ['./sketch-photo-retriever_efficientnet-lite0.py']

model = dict(
    # CPU setting (as the BDA-SketRet demo): stem and all 7 block stages
    # frozen, only the 1x1 head conv of the backbone learns
    backbone=dict(backbone=dict(frozen_stages=7)),
    # margin on L2-normalised embeddings; batch-hard mining (per sketch
    # anchor the farthest same-class photo and the nearest other-class
    # photo): defaults chosen by sketret
    metric_loss=dict(
        type='TripletLoss', margin=0.2, mining='batch_hard', loss_weight=1.0))

# The model needs no class vectors; the hook only tells it the training
# classes (which checks the labels). No GRL, so no schedule hook.
custom_hooks = [dict(type='ClassSemanticsHook')]
