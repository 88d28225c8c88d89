# Copyright (c) sketret contributors. Licensed under the Apache License 2.0.
# Doodle2Search on the bundled set sbir-mini, with the set's word2vec class
# vectors (300-d). Data, schedule and runtime: the BDA-SketRet demo's.
_base_ = [
    '../_base_/models/doodle2search_efficientnet-lite0.py',
    '../_base_/datasets/sbir_mini_160px.py',
    '../_base_/schedules/adam_6e.py',
    '../_base_/default_runtime.py',
]

model = dict(semantics=dict(type='NpzClassVectors', file='word2vec-sbir-mini'))
