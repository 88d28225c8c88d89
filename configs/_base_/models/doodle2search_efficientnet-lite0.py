# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# Doodle2Search (Dey et al., CVPR 2019) on EfficientNet-Lite0: the triplet
# baseline plus a GRL domain classifier on the embedding and the semantic
# reconstruction of the class vector. A dataset config sets model.semantics
# (and semantic_loss.semantic_dim when its class vectors are not 300-d).
_base_ = ['./triplet_efficientnet-lite0.py']

model = dict(
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
    # decoder 128 -> 256 -> 300, squared L2 error to the unit-norm class
    # vector (defaults chosen by sketret)
    semantic_loss=dict(
        type='SemanticReconstructionLoss',
        semantic_dim=300,
        hidden_dims=(256, ),
        loss_type='l2',
        loss_weight=1.0))

custom_hooks = [
    dict(type='ClassSemanticsHook'),
    dict(type='GRLScheduleHook', gamma=10.0),
]
