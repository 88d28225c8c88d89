# Doodle2Search / ZS-GRL (Dey et al., CVPR 2019) on qd-imagenet, the model of
# the sbir-mini config (EfficientNet-Lite0 streams; triplet + GRL domain
# classifier + class-vector reconstruction) with the 384-d MiniLM vectors of
# the qd-imagenet classes. Data, schedule and runtime are those of the
# BDA-SketRet qd-imagenet config.
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
        share_backbone=False,
        backbone=dict(
            type='EfficientNetLite0',
            pretrained=True,
            out_indices=(8, ),
            # as in the demo config: stem and stages 1-6 frozen, only the
            # last stage and the head conv learn
            frozen_stages=7)),
    neck=dict(
        type='mmpretrain.LinearNeck',
        in_channels=1280,
        out_channels=128,
        gap_dim=2,
        norm_cfg=None),
    metric_loss=dict(
        type='TripletLoss', margin=0.2, mining='batch_hard', loss_weight=1.0),
    # BDA-SketRet's discriminator and GRL, on the 128-d embedding seen as a
    # 1x1 map: an MLP 128 -> 256 -> 128 -> 1 (only the centre taps of its
    # 3x3 kernels see data). lambda follows GRLScheduleHook.
    domain_classifier=dict(
        type='SpatialDomainDiscriminator',
        hidden_channels=(256, 128),
        mode='grl'),
    domain_input='embedding',
    # loss weights 1.0 (triplet), 0.5 (domain), 1.0 (semantic): defaults
    # chosen by sketret
    domain_loss=dict(type='DomainAdversarialLoss', loss_weight=0.5),
    # decoder 128 -> 256 -> 384, squared L2 error to the unit-norm class
    # vector (defaults chosen by sketret)
    semantic_loss=dict(
        type='SemanticReconstructionLoss',
        semantic_dim=384,
        hidden_dims=(256, ),
        loss_type='l2',
        loss_weight=1.0),
    semantics=dict(
        type='NpzClassVectors',
        file='data/qd-imagenet/class_vectors_minilm.npz'))

custom_hooks = [
    dict(type='ClassSemanticsHook'),
    dict(type='GRLScheduleHook', gamma=10.0),
]
