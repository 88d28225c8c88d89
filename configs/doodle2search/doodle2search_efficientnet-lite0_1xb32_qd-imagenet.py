# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# Doodle2Search on qd-imagenet, with the MiniLM sentence vectors (384-d) of
# the 73 class names. Data, schedule and runtime: the BDA-SketRet
# qd-imagenet config's.
_base_ = [
    '../_base_/models/doodle2search_efficientnet-lite0.py',
    '../_base_/datasets/qd_imagenet_160px.py',
    '../_base_/schedules/adam_8e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    semantic_loss=dict(semantic_dim=384),
    semantics=dict(
        type='NpzClassVectors',
        file='data/qd-imagenet/class_vectors_minilm.npz'))
