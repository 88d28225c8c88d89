# BDA-SketRet, VGG-16 streams, TU-Berlin-Extended 220 seen / 30 unseen
# classes (mAP@all and P@100), word2vec class vectors.
_base_ = [
    '../_base_/models/bda-sketret_vgg16.py',
    '../_base_/datasets/tuberlin_ext_30.py',
    '../_base_/schedules/adam_10e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    semantics=dict(type='NpzClassVectors', file='word2vec-tuberlin'))
