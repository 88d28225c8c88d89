# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# BDA-SketRet (Chaudhuri et al., Neurocomputing 2022) with two
# EfficientNet-Lite0 streams (two-stream_efficientnet-lite0.py): the CPU demo
# model.
# Only the abstract of the paper could be read: every value marked
# "default chosen by sketret" is our design decision, not the paper's; each
# is a config switch.
_base_ = ['./two-stream_efficientnet-lite0.py']

model = dict(
    type='BDASketRet',
    # spatial level: GRL + conv discriminator on the last conv maps
    spatial_discriminator=dict(
        type='SpatialDomainDiscriminator',
        in_channels=1280,
        # default chosen by sketret
        hidden_channels=(256, 128),
        # 'minmax' = alternating min-max variant (flipped-label generator
        # loss); default chosen by sketret
        mode='grl'),
    # q(z|x): GAP -> Linear -> (mu, log sigma^2), one per modality
    encoder=dict(type='StochasticEncoder', in_channels=1280, embed_dim=128),
    share_encoder=False,
    # topology-preserving semantic projector: 2-layer GCN over a kNN class
    # graph (k=5 and hidden 512: default chosen by sketret)
    head=dict(
        type='TopologyPreservingProjector',
        in_dim=300,
        hidden_dim=512,
        out_dim=128,
        graph=dict(type='knn', k=5)),
    # loss weights: L = L_proj + 0.5 L_adv + 0.1 L_SIB + 1.0 L_topo
    # (default chosen by sketret)
    adv_loss=dict(type='DomainAdversarialLoss', loss_weight=0.5),
    ib_loss=dict(
        type='SymmetricIBLoss',
        # beta, its warm-up and the InfoNCE temperature: default chosen by
        # sketret
        beta=1e-3,
        warmup_iters=1000,
        temperature=0.1,
        mode='sib',
        loss_weight=0.1),
    proj_loss=dict(
        type='TopologyPreservingLoss',
        # default chosen by sketret
        temperature=0.1,
        topo_weight=1.0,
        loss_weight=1.0),
    # class-name vectors; a placeholder that the dataset configs override
    semantics=dict(type='NpzClassVectors', file='word2vec-sketchy'),
    # None = joint end-to-end training; dict(semantic_start_iter=N) switches
    # the semantic losses on after N iterations (default chosen by sketret)
    progressive=None)

# The model needs both hooks: the training classes (and their vectors) come
# from the training set, and the GRL coefficient follows the training
# progress (lambda(p) = 2 / (1 + exp(-10 p)) - 1). The IB beta warm-up reads
# the iteration from the runner's message hub itself.
custom_hooks = [
    dict(type='ClassSemanticsHook'),
    dict(type='GRLScheduleHook', gamma=10.0),
]
