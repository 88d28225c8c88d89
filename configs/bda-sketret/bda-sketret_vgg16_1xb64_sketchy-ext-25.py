# BDA-SketRet, VGG-16 streams, Sketchy-Extended 100 seen / 25 unseen classes
# (mAP@all and P@100), word2vec class vectors. One process, 64 images per
# batch (8 classes x (4 sketches + 4 photos)).
_base_ = [
    '../_base_/models/bda-sketret_vgg16.py',
    '../_base_/datasets/sketchy_ext_25.py',
    '../_base_/schedules/adam_10e.py',
    '../_base_/default_runtime.py',
]

model = dict(semantics=dict(type='NpzClassVectors', file='word2vec-sketchy'))
