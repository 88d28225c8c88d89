# SAKE (Liu et al., ICCV 2019) on qd-imagenet: the model of the sbir-mini
# SAKE config (one shared EfficientNet-Lite0 with a per-modality scale/bias,
# cross-entropy over the 61 seen classes, distillation from the frozen
# ImageNet backbone) with the data and schedule of the BDA-SketRet
# qd-imagenet config. With a class fold (split='fold<k>') set
# model.cls_head.num_classes to its number of seen classes (54 or 55).
_base_ = [
    '../_base_/models/sketch-photo-retriever_efficientnet-lite0.py',
    '../_base_/datasets/qd_imagenet_160px.py',
    '../_base_/schedules/adam_8e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        share_backbone=True,
        backbone=dict(
            # as in the demo config: stem and all 7 block stages frozen,
            # only the 1x1 head conv of the backbone learns
            frozen_stages=7,
            # the student keeps its ImageNet classifier (from the wheel's
            # _fc) for the distillation term; it learns too
            with_classifier=True)),
    domain_flag=True,
    # cross-entropy over the 61 seen classes of qd-imagenet; mmpretrain's head
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
