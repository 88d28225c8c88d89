# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# SAKE (Liu et al., ICCV 2019) on the bundled set sbir-mini, with
# EfficientNet-Lite0 instead of the paper's CSE-ResNet-50 (CPU demo):
#   ONE backbone shared by sketches and photos, told the domain by a learned
#   per-modality channel scale and bias on its last map (sketret's
#   simplification of SAKE's conditional SE blocks),
#   cross-entropy over the seen classes on the embedding,
#   distillation from a frozen copy of the ImageNet-pretrained backbone (its
#   ImageNet logits as soft targets) to limit forgetting. SAKE's semantic
#   mapping of the teacher's ImageNet classes to the seen classes is left
#   out: plain distillation on the 1000 ImageNet classes.
# Data, input size, schedule and runtime are the BDA-SketRet demo config's
# bases.
_base_ = [
    '../_base_/models/sketch-photo-retriever_efficientnet-lite0.py',
    '../_base_/datasets/sbir_mini_160px.py',
    '../_base_/schedules/adam_6e.py',
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
    # cross-entropy over the 6 seen classes of sbir-mini; mmpretrain's head
    # owns its loss (scoped type: it is built inside sketret's scope)
    cls_head=dict(
        type='mmpretrain.LinearClsHead',
        num_classes=6,
        loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0)),
    # the frozen teacher: the same pretrained backbone, never trained
    teacher=dict(
        type='EfficientNetLite0', pretrained=True, with_classifier=True),
    # T = 2 and weight 1.0: defaults chosen by sketret
    distill_loss=dict(
        type='KnowledgeDistillationLoss', temperature=2.0, loss_weight=1.0))

# Tells the model the training classes (checks the classifier size).
custom_hooks = [dict(type='ClassSemanticsHook')]
