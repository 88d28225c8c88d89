# Plain triplet baseline on qd-imagenet (the model of the sbir-mini triplet
# config: EfficientNet-Lite0, linear embedding, batch-hard triplet loss).
# Data, schedule and runtime are those of the BDA-SketRet qd-imagenet config,
# so the two compare fairly.
_base_ = ['../bda-sketret/bda-sketret_efficientnet-lite0_1xb32_qd-imagenet.py']

model = dict(
    _delete_=True,
    type='SketchPhotoRetriever',
    # the same preprocessing as the demo config
    data_preprocessor=dict(
        type='SBIRDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        to_rgb=False),
    backbone=dict(
        type='TwoStreamBackbone',
        share_backbone=False,
        backbone=dict(
            type='EfficientNetLite0',
            pretrained=True,
            out_indices=(8, ),
            # as in the demo config: stem and stages 1-6 frozen, only the
            # last stage and the head conv learn
            frozen_stages=7)),
    # GAP -> Linear(1280 -> 128): the same embedding layer as BDA-SketRet's
    # mu, without its variance branch
    neck=dict(
        type='mmpretrain.LinearNeck',
        in_channels=1280,
        out_channels=128,
        gap_dim=2,
        norm_cfg=None),
    # margin on L2-normalised embeddings; batch-hard mining (per sketch
    # anchor the farthest same-class photo and the nearest other-class
    # photo): defaults chosen by sketret
    metric_loss=dict(
        type='TripletLoss', margin=0.2, mining='batch_hard', loss_weight=1.0))

# The model needs no class vectors; the hook only tells it the training
# classes (which checks the labels). No GRL, so no schedule hook.
custom_hooks = [dict(type='ClassSemanticsHook')]
