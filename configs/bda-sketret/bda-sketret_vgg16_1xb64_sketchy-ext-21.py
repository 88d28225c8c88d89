# BDA-SketRet, VGG-16 streams, Sketchy-Extended 104 seen / 21 unseen classes
# (the ECCV'18 split; reported as mAP@200 and P@200), word2vec vectors.
_base_ = [
    '../_base_/models/bda-sketret_vgg16.py',
    '../_base_/datasets/sketchy_ext_21.py',
    '../_base_/schedules/adam_10e.py',
    '../_base_/default_runtime.py',
]

model = dict(semantics=dict(type='NpzClassVectors', file='word2vec-sketchy'))
