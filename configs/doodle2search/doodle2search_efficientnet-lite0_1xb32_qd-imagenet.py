# Doodle2Search / ZS-GRL (Dey et al., CVPR 2019) on qd-imagenet: the triplet
# qd-imagenet config plus the two terms of the sbir-mini Doodle2Search config
# (GRL domain classifier on the embeddings, reconstruction of the class
# vector), with the 384-d MiniLM vectors of the qd-imagenet classes.
_base_ = ['../triplet/triplet_efficientnet-lite0_1xb32_qd-imagenet.py']

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
