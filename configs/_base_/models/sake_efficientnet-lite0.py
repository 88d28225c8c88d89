# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# SAKE (Liu et al., ICCV 2019) on EfficientNet-Lite0: one shared backbone
# with a per-modality scale/bias, cross-entropy over the seen classes and
# distillation from the frozen ImageNet backbone. A dataset config sets
# model.cls_head.num_classes to its number of seen classes.
_base_ = ['./sketch-photo-retriever_efficientnet-lite0.py']

model = dict(
    backbone=dict(
        share_backbone=True,
        backbone=dict(
            # CPU setting (as the BDA-SketRet demo): stem and all 7 block
            # stages frozen, only the 1x1 head conv of the backbone learns
            frozen_stages=7,
            # the student keeps its ImageNet classifier (from the wheel's
            # _fc) for the distillation term; it learns too
            with_classifier=True)),
    domain_flag=True,
    # mmpretrain's head owns its loss (scoped type: it is built inside
    # sketret's scope)
    cls_head=dict(
        type='mmpretrain.LinearClsHead',
        loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0)),
    # the frozen teacher: the same pretrained backbone, never trained
    teacher=dict(
        type='EfficientNetLite0', pretrained=True, with_classifier=True),
    # T = 2 and weight 1.0: defaults chosen by sketret
    distill_loss=dict(
        type='KnowledgeDistillationLoss', temperature=2.0, loss_weight=1.0))

# Tells the model the training classes (checks the classifier size).
custom_hooks = [dict(type='ClassSemanticsHook')]
