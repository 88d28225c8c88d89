# SAKE (Liu et al., ICCV 2019) on qd-imagenet, the model of the sbir-mini
# config (one shared EfficientNet-Lite0 with a per-modality scale/bias,
# cross-entropy over the 61 seen classes, distillation from the frozen
# ImageNet backbone). Data, schedule and runtime are those of the
# BDA-SketRet qd-imagenet config. With a class fold (split='fold<k>') set
# model.cls_head.num_classes to its number of seen classes (54 or 55).
_base_ = ['../bda-sketret/bda-sketret_efficientnet-lite0_1xb32_qd-imagenet.py']

model = dict(
    _delete_=True,
    type='SketchPhotoRetriever',
    data_preprocessor=dict(
        type='SBIRDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=False),
    backbone=dict(
        type='TwoStreamBackbone',
        share_backbone=True,
        backbone=dict(
            type='EfficientNetLite0',
            pretrained=True,
            out_indices=(8, ),
            # as in the demo config: stem and stages 1-6 frozen, only the
            # last stage and the head conv learn
            frozen_stages=7,
            # the student keeps its ImageNet classifier (from the wheel's
            # _fc) for the distillation term
            with_classifier=True)),
    domain_flag=True,
    neck=dict(
        type='mmpretrain.LinearNeck',
        in_channels=1280,
        out_channels=128,
        gap_dim=2,
        norm_cfg=None),
    # cross-entropy over the 6 seen classes of sbir-mini; mmpretrain's head
    # owns its loss (scoped type: it is built inside sketret's scope)
    cls_head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=61,
        loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0)),
    # the frozen teacher: the same pretrained backbone, never trained
    teacher=dict(
        type='EfficientNetLite0', pretrained=True, with_classifier=True),
    # T = 2 and weight 1.0: defaults chosen by sketret
    distill_loss=dict(
        type='KnowledgeDistillationLoss', temperature=2.0, loss_weight=1.0))

# Tells the model the training classes (checks the classifier size).
custom_hooks = [dict(type='ClassSemanticsHook')]
